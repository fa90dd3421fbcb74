// Rule coverage of a fuzzing campaign: per rule of the model, how often it
// decided an outcome and how often its check was evaluated and passed. A
// rejection rule is covered "both ways" when it has done both; a success or
// effect rule has only the deciding side.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "replay/differ.h"
#include "seq/rules.h"

namespace slotcheck::fuzz {

class RuleCoverage {
public:
    RuleCoverage();
    void add(const ReplayReport& report);  // a model-only replay's counters
    void merge(const RuleCoverage& other);

    uint64_t decided(RuleId r) const { return decided_[index(r)]; }
    uint64_t passed(RuleId r) const { return passed_[index(r)]; }
    static bool has_pass_side(RuleId r) { return rule(r).err != 0; }
    bool covered_both_ways(RuleId r) const {
        return decided(r) > 0 && (!has_pass_side(r) || passed(r) > 0);
    }
    size_t rules_decided() const;
    size_t rules_covered_both_ways() const;
    std::vector<RuleId> uncovered() const;  // not covered both ways

    // "70/77 rules covered both ways" and the per-rule table (--coverage).
    std::string summary() const;
    void print_table(std::ostream& out) const;

    // Text form for the pipe from a worker: one line of numbers.
    std::string serialize() const;
    static bool deserialize(const std::string& line, RuleCoverage& out);

private:
    static size_t index(RuleId r) { return static_cast<size_t>(r); }
    std::vector<uint64_t> decided_, passed_;
};

}  // namespace slotcheck::fuzz
