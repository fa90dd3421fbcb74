#include "seq/text_scan.h"

#include <cctype>
#include <cstdio>

namespace slotcheck {

void Scanner::skip_blanks() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
}

std::optional<std::string> Scanner::word() {
    skip_blanks();
    if (pos_ >= text_.size()) return std::nullopt;
    size_t start = pos_;
    while (pos_ < text_.size() && !std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return text_.substr(start, pos_ - start);
}

std::optional<uint64_t> Scanner::number() {
    size_t save = pos_;
    auto w = word();
    if (!w) return std::nullopt;
    auto v = parse_u64(*w);
    if (!v) pos_ = save;
    return v;
}

std::optional<std::string> Scanner::keyed_word(const std::string& key) {
    size_t save = pos_;
    auto w = word();
    if (!w || w->size() <= key.size() || w->compare(0, key.size(), key) != 0 ||
        (*w)[key.size()] != '=') {
        pos_ = save;
        return std::nullopt;
    }
    return w->substr(key.size() + 1);
}

std::optional<uint64_t> Scanner::keyed_number(const std::string& key) {
    size_t save = pos_;
    auto w = keyed_word(key);
    if (!w) return std::nullopt;
    auto v = parse_u64(*w);
    if (!v) pos_ = save;
    return v;
}

bool Scanner::at_end() {
    skip_blanks();
    return pos_ >= text_.size();
}

std::string Scanner::rest() {
    skip_blanks();
    return text_.substr(pos_);
}

int Scanner::column() {
    skip_blanks();
    return static_cast<int>(pos_) + 1;
}

}  // namespace slotcheck
