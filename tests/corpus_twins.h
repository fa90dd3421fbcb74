// The type-1 twins of corpus files (docs/sequence-format.md "The point of a
// file"), for the tests that hold them to what they stand for: a file of
// corpus/private/ whose header comment names "Twin of DIR/FILE.seq" (or
// "twin of corpus/prover/FILE.seq", as `slotcheck prove --emit-private`
// writes) is that file on a software-protected VM. Read from the text, so
// the vm tests, which do not link the model, can use it too.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

namespace slotcheck::test {

// Original -> twin, both relative to `corpus` ("bind/fd-errors.seq" ->
// "private/fd-errors-private.seq"). A second twin of one original is kept
// out of the map and returned in `duplicates` (original -> the other twin).
struct CorpusTwins {
    std::map<std::string, std::string> by_original;
    std::map<std::string, std::string> duplicates;
};

inline CorpusTwins corpus_twins(const std::filesystem::path& corpus) {
    namespace fs = std::filesystem;
    CorpusTwins out;
    const std::regex names(R"([Tt]win of (corpus/)?([A-Za-z0-9_./-]+\.seq))");
    for (const auto& e : fs::recursive_directory_iterator(corpus / "private")) {
        if (!e.is_regular_file() || e.path().extension() != ".seq") continue;
        std::ifstream in(e.path());
        std::string line, header;
        std::getline(in, line);  // slotcheck-sequence 1
        while (std::getline(in, line) && (line.empty() || line[0] == '#')) header += line.substr(line.empty() ? 0 : 1) + " ";
        std::smatch m;
        if (!std::regex_search(header, m, names)) continue;
        const std::string twin = fs::relative(e.path(), corpus).string();
        auto [it, inserted] = out.by_original.emplace(m[2].str(), twin);
        if (!inserted) out.duplicates.emplace(m[2].str(), twin);
    }
    return out;
}

}  // namespace slotcheck::test
