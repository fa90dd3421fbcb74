// libFuzzer target for the sequence parser (seq/sequence_parse.cpp): any
// bytes either parse, and then print() of the result parses again to the
// same text (the canonical round trip the format promises), or are refused
// with an error that names a place and stays short. A crash, a sanitizer
// report or a broken property is a finding. Built and run by
// scripts/fuzz-parser with clang's -fsanitize=fuzzer,address,undefined.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "seq/sequence.h"

namespace {

[[noreturn]] void broken(const std::string& what, const std::string& input) {
    std::cerr << "sequence_parse_fuzz: " << what << "\ninput:\n" << input << "\n";
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    auto parsed = slotcheck::parse(input, "<fuzz>");
    if (!parsed.sequence) {
        if (!parsed.error) broken("refused without an error", input);
        const std::string message = parsed.error->to_string();
        if (message.empty() || message.rfind("<fuzz>", 0) != 0) broken("an error that names no place: " + message, input);
        // Bad tokens are quoted at most 200 bytes long; a message is a line.
        if (message.size() > 1024) broken("an error of " + std::to_string(message.size()) + " bytes", input);
        return 0;
    }
    const std::string printed = slotcheck::print(*parsed.sequence);
    auto again = slotcheck::parse(printed, "<printed>");
    if (!again.sequence) broken("print() wrote text parse() refuses: " + again.error->to_string(), printed);
    if (slotcheck::print(*again.sequence) != printed) broken("print(parse(print(s))) != print(s)", printed);
    return 0;
}
