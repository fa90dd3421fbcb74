#include "seq/rules.h"

#include <cerrno>

namespace slotcheck {

const std::vector<Rule>& rule_table() {
    static const std::vector<Rule> table = {
#define SLOTCHECK_RULE_ROW(id, name, err, source, summary) {RuleId::id, name, err, source, summary},
        SLOTCHECK_RULES(SLOTCHECK_RULE_ROW)
#undef SLOTCHECK_RULE_ROW
    };
    return table;
}

const Rule& rule(RuleId id) { return rule_table()[static_cast<size_t>(id)]; }

std::optional<RuleId> rule_by_name(const std::string& name) {
    for (const auto& r : rule_table())
        if (name == r.name) return r.id;
    return std::nullopt;
}

}  // namespace slotcheck
