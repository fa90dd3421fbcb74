#include "sys/record.h"

#include <charconv>
#include <cstdio>

#include "sys/number_text.h"

namespace slotcheck::record {

Writer& Writer::text(std::string_view key, std::string_view value) {
    out_.append(key);
    out_ += ' ';
    out_ += std::to_string(value.size());
    out_ += '\n';
    out_.append(value);
    out_ += '\n';
    return *this;
}

Writer& Writer::u64(std::string_view key, uint64_t value) { return text(key, std::to_string(value)); }

Writer& Writer::i64(std::string_view key, int64_t value) { return text(key, std::to_string(value)); }

Writer& Writer::real(std::string_view key, double value) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.17g", value);
    return text(key, std::string_view(buf, static_cast<size_t>(n)));
}

std::optional<Reader> Reader::parse(std::string_view payload, std::string& error) {
    Reader r;
    size_t pos = 0;
    while (pos < payload.size()) {
        const auto newline = payload.find('\n', pos);
        const auto space = payload.find(' ', pos);
        if (newline == std::string_view::npos || space == std::string_view::npos || space > newline) {
            error = "malformed field at byte " + std::to_string(pos);
            return std::nullopt;
        }
        std::string key(payload.substr(pos, space - pos));
        const auto length = parse_u64(std::string(payload.substr(space + 1, newline - space - 1)));
        if (!length) {
            error = "bad length of field " + key;
            return std::nullopt;
        }
        if (*length > payload.size() - (newline + 1) || newline + 1 + *length >= payload.size() ||
            payload[newline + 1 + *length] != '\n') {
            error = "truncated field " + key;
            return std::nullopt;
        }
        r.fields_.emplace_back(std::move(key), std::string(payload.substr(newline + 1, *length)));
        pos = newline + 1 + *length + 1;
    }
    return r;
}

const std::string* Reader::find(std::string_view key) const {
    for (const auto& [k, v] : fields_)
        if (k == key) return &v;
    return nullptr;
}

std::vector<std::string_view> Reader::all(std::string_view key) const {
    std::vector<std::string_view> values;
    for (const auto& [k, v] : fields_)
        if (k == key) values.emplace_back(v);
    return values;
}

const std::string& Reader::text(std::string_view key) const {
    if (const auto* v = find(key)) return *v;
    throw BadField{"missing field " + std::string(key)};
}

uint64_t Reader::u64(std::string_view key) const {
    if (const auto v = parse_u64(text(key))) return *v;
    throw BadField{"field " + std::string(key) + " is not a number"};
}

int64_t Reader::i64(std::string_view key) const {
    const std::string& s = text(key);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
        throw BadField{"field " + std::string(key) + " is not a number"};
    return v;
}

double Reader::real(std::string_view key) const {
    const std::string& s = text(key);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) throw BadField{"field " + std::string(key) + " is not a number"};
    return v;
}

}  // namespace slotcheck::record
