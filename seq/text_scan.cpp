#include "seq/text_scan.h"

#include <cctype>
#include <cstdio>

namespace slotcheck {

std::optional<uint64_t> parse_u64(const std::string& text) {
    if (text.empty()) return std::nullopt;
    uint64_t base = 10;
    size_t i = 0;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        i = 2;
    }
    uint64_t v = 0;
    for (; i < text.size(); ++i) {
        int c = static_cast<unsigned char>(text[i]);
        uint64_t d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else if (c == '_') continue;  // digit grouping: 0x1_0000_0000
        else return std::nullopt;
        if (v > (UINT64_MAX - d) / base) return std::nullopt;
        v = v * base + d;
    }
    if (text.back() == '_' || (base == 16 && text.size() == 2)) return std::nullopt;
    return v;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

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
