#include "sys/quoted.h"

#include <cstdint>
#include <cstdio>

namespace slotcheck {

namespace {

// The length of the valid UTF-8 sequence at `i` that encodes a printable
// character (not a C1 control), or 0.
size_t printable_utf8_length(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
    else return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
    const bool c1_control = cp >= 0x80 && cp <= 0x9f;
    if (overlong || surrogate || c1_control || cp > 0x10ffff) return 0;
    return n;
}

// The escaped text and whether it was cut.
std::string escape_prefix(std::string_view text, bool& cut) {
    std::string out;
    size_t i = 0;
    while (i < text.size() && i < kQuotedBytes) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\\') {
            out += "\\\\";
            ++i;
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++i;
        } else if (size_t n = c >= 0x80 ? printable_utf8_length(text, i) : 0) {
            out.append(text.substr(i, n));
            i += n;
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
            ++i;
        }
    }
    cut = i < text.size();
    return out;
}

}  // namespace

std::string escaped(std::string_view text) {
    bool cut = false;
    std::string out = escape_prefix(text, cut);
    if (cut) out += "... (" + std::to_string(text.size()) + " bytes)";
    return out;
}

std::string quote(std::string_view text) {
    bool cut = false;
    std::string out = "'" + escape_prefix(text, cut);
    if (cut) return out + "...' (" + std::to_string(text.size()) + " bytes)";
    return out + "'";
}

}  // namespace slotcheck
