// How tests read a command's --json document: with nlohmann's parser, never
// with a pattern over the text, and with a check of the schema it names
// (docs/output.md "JSON documents").
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace slotcheck::test {

using nlohmann::json;

// Whether a text is one whole JSON value (white space around it aside), for
// the tests that check a command's --json output is still whole after it
// was stopped; otherwise `error` says where it went wrong.
inline bool valid_json(std::string_view text, std::string& error) {
    try {
        [[maybe_unused]] const json parsed = json::parse(text);
        return true;
    } catch (const json::parse_error& e) {
        error = e.what();
        return false;
    }
}

// The document in `text`, or a discarded value (is_discarded()) with
// `error` saying why: not JSON, not an object, or not of `schema`
// ("slotcheck.replay/1").
inline json parse_document(std::string_view text, std::string_view schema, std::string& error) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
        valid_json(text, error);
        return doc;
    }
    const auto it = doc.is_object() ? doc.find("schema") : doc.end();
    if (it == doc.end() || !it->is_string() || it->get<std::string>() != schema) {
        error = "not a " + std::string(schema) + " document: " + doc.dump().substr(0, 200);
        return json(json::value_t::discarded);
    }
    return doc;
}

inline std::string read_json_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace slotcheck::test
