// Whether a text is one well-formed JSON value (RFC 8259), for the tests that
// check a command's --json output is still whole after it was stopped. A
// checker, not a parser: nothing is built.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace slotcheck::test {

class JsonChecker {
public:
    explicit JsonChecker(std::string_view text) : s_(text) {}

    // True when the whole text (surrounding white space aside) is one value;
    // otherwise `error` says where it went wrong.
    bool check(std::string& error) {
        space();
        if (!value() || (space(), pos_ != s_.size())) {
            error = "not JSON at offset " + std::to_string(pos_) + ": '" + std::string(s_.substr(pos_, 40)) + "'";
            return false;
        }
        return true;
    }

private:
    void space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
    }
    bool take(char c) {
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }
    bool digits() {
        const size_t start = pos_;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        return pos_ > start;
    }
    bool number() {
        take('-');
        if (!take('0') && !digits()) return false;
        if (take('.') && !digits()) return false;
        if ((take('e') || take('E')) && (take('+') || take('-') || true) && !digits()) return false;
        return true;
    }
    bool string() {
        if (!take('"')) return false;
        while (pos_ < s_.size()) {
            const char c = s_[pos_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c != '\\') continue;
            if (pos_ >= s_.size()) return false;
            const char e = s_[pos_++];
            if (e == 'u') {
                for (int i = 0; i < 4; ++i)
                    if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_++]))) return false;
            } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
                return false;
            }
        }
        return false;
    }
    template <typename Member>
    bool sequence(char open, char close, Member member) {
        if (!take(open)) return false;
        space();
        if (take(close)) return true;
        do {
            space();
            if (!member()) return false;
            space();
        } while (take(','));
        return take(close);
    }
    bool value() {
        if (pos_ >= s_.size()) return false;
        switch (s_[pos_]) {
        case '{':
            return sequence('{', '}', [this] { return string() && (space(), take(':')) && (space(), value()); });
        case '[': return sequence('[', ']', [this] { return value(); });
        case '"': return string();
        case 't': return literal("true");
        case 'f': return literal("false");
        case 'n': return literal("null");
        default: return number();
        }
    }

    std::string_view s_;
    size_t pos_ = 0;
};

inline bool valid_json(std::string_view text, std::string& error) { return JsonChecker(text).check(error); }

}  // namespace slotcheck::test
