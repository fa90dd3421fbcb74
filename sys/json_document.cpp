#include "sys/json_document.h"

namespace slotcheck {

Json json_document(std::string_view name, int version) {
    Json doc = Json::object();
    doc["schema"] = std::string(name) + "/" + std::to_string(version);
    return doc;
}

void write_json(std::ostream& out, const Json& doc, int indent) {
    out << doc.dump(indent, ' ', false, Json::error_handler_t::replace) << "\n";
}

}  // namespace slotcheck
