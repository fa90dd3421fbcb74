// The one text codec of slotcheck's processes: a record is a list of named
// fields, each "key length\n" + value + "\n", so a value may hold anything
// (a sequence's text, a nested record) and a record cut short is recognised
// as such, never misread. A verdict crossing the pipe from its replay child,
// a finding on the fuzz wire and a verdict on the VM event channel are all
// records (replay/verdict.h, fuzz/wire.h); frames (sys/frames.h) carry
// them over a stream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slotcheck::record {

class Writer {
public:
    Writer& text(std::string_view key, std::string_view value);
    Writer& u64(std::string_view key, uint64_t value);
    Writer& i64(std::string_view key, int64_t value);
    // Written with enough digits to read back the same double.
    Writer& real(std::string_view key, double value);
    Writer& flag(std::string_view key, bool value) { return u64(key, value ? 1 : 0); }
    const std::string& str() const { return out_; }

private:
    std::string out_;
};

class Reader {
public:
    // nullopt with `error` set when `payload` is not a list of whole fields.
    static std::optional<Reader> parse(std::string_view payload, std::string& error);

    bool has(std::string_view key) const { return find(key) != nullptr; }
    // The first field named `key`; the readers below throw BadField when it
    // is missing or does not hold what they read.
    const std::string& text(std::string_view key) const;
    uint64_t u64(std::string_view key) const;
    int64_t i64(std::string_view key) const;
    double real(std::string_view key) const;
    bool flag(std::string_view key) const { return u64(key) != 0; }
    // The field, or nullptr when there is none.
    const std::string* find(std::string_view key) const;
    // Every field named `key`, in order.
    std::vector<std::string_view> all(std::string_view key) const;

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

// A field missing or unreadable: what() names it.
struct BadField {
    std::string what;
};

}  // namespace slotcheck::record
