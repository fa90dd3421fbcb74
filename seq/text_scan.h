// A small scanner for the sequence text form: whitespace-separated words,
// numbers (hex with 0x, or decimal), and key=value pairs. It reports the
// column of what it is looking at so errors can name the place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sys/number_text.h"

namespace slotcheck {

inline constexpr size_t kPageWords = 512;

class Scanner {
public:
    explicit Scanner(std::string text) : text_(std::move(text)) {}

    // The next whitespace-separated word, or nullopt at the end.
    std::optional<std::string> word();
    // The next word read as a number.
    std::optional<uint64_t> number();
    // The next word if it is exactly "key=NUMBER".
    std::optional<uint64_t> keyed_number(const std::string& key);
    // The next word, if it starts with "key=", without the prefix.
    std::optional<std::string> keyed_word(const std::string& key);

    bool at_end();
    std::string rest();
    // 1-based column of the next unread word (after skipping blanks).
    int column();

private:
    void skip_blanks();
    std::string text_;
    size_t pos_ = 0;
};

}  // namespace slotcheck
