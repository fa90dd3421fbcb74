// What every `--json` document of slotcheck shares (docs/output.md "JSON
// documents"): it is built as a nlohmann JSON value whose fields keep the
// order they were set in, its first field names its schema and version
// ("schema": "slotcheck.replay/1"), a 64-bit seed is a decimal string (a
// JSON reader that holds numbers as doubles, such as jq, would round one
// above 2^53), and it is written by one function.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace slotcheck {

// Ordered: a document lists its fields in the order the code sets them,
// which is the order docs/output.md documents them in.
using Json = nlohmann::ordered_json;

// A document of the schema `name` ("slotcheck.replay") at `version`: an
// object whose first field is "schema": "slotcheck.replay/1".
Json json_document(std::string_view name, int version);

// A u64 that may exceed 2^53 (a seed), as its decimal digits.
inline Json json_u64_string(uint64_t value) { return std::to_string(value); }

// Writes `doc` and a newline: on one line, or indented by `indent` spaces.
// Text that is not valid UTF-8 (a path, a kernel console line) is written
// with U+FFFD in place of each bad byte instead of failing the write.
void write_json(std::ostream& out, const Json& doc, int indent = -1);

}  // namespace slotcheck
