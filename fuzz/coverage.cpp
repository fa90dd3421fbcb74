#include "fuzz/coverage.h"

#include <iomanip>
#include <sstream>

namespace slotcheck::fuzz {

RuleCoverage::RuleCoverage() : decided_(kRuleCount, 0), passed_(kRuleCount, 0) {}

void RuleCoverage::add(const ReplayReport& report) {
    for (size_t i = 0; i < kRuleCount; ++i) {
        if (i < report.rule_hits.size()) decided_[i] += report.rule_hits[i];
        if (i < report.rule_passes.size()) passed_[i] += report.rule_passes[i];
    }
}

void RuleCoverage::merge(const RuleCoverage& other) {
    for (size_t i = 0; i < kRuleCount; ++i) {
        decided_[i] += other.decided_[i];
        passed_[i] += other.passed_[i];
    }
}

size_t RuleCoverage::rules_decided() const {
    size_t n = 0;
    for (auto d : decided_) n += d > 0;
    return n;
}

size_t RuleCoverage::rules_covered_both_ways() const {
    size_t n = 0;
    for (const auto& r : rule_table()) n += covered_both_ways(r.id);
    return n;
}

std::vector<RuleId> RuleCoverage::uncovered() const {
    std::vector<RuleId> out;
    for (const auto& r : rule_table())
        if (!covered_both_ways(r.id)) out.push_back(r.id);
    return out;
}

std::string RuleCoverage::summary() const {
    return std::to_string(rules_covered_both_ways()) + "/" + std::to_string(kRuleCount) + " rules covered";
}

void RuleCoverage::print_table(std::ostream& out) const {
    out << std::left << std::setw(32) << "rule" << std::right << std::setw(8) << "errno" << std::setw(14)
        << "decided" << std::setw(14) << "passed" << "  covered\n";
    for (const auto& r : rule_table()) {
        out << std::left << std::setw(32) << r.name << std::right << std::setw(8)
            << (r.err ? errno_name(r.err) : std::string("-")) << std::setw(14) << decided(r.id) << std::setw(14)
            << (has_pass_side(r.id) ? std::to_string(passed(r.id)) : std::string("-")) << "  "
            << (covered_both_ways(r.id) ? "yes" : "NO") << "\n";
    }
    out << summary() << " (a rejection rule counts when it both decided and passed)\n";
}

std::string RuleCoverage::serialize() const {
    std::ostringstream o;
    for (size_t i = 0; i < kRuleCount; ++i) o << decided_[i] << " " << passed_[i] << " ";
    return o.str();
}

bool RuleCoverage::deserialize(const std::string& line, RuleCoverage& out) {
    std::istringstream in(line);
    for (size_t i = 0; i < kRuleCount; ++i)
        if (!(in >> out.decided_[i] >> out.passed_[i])) return false;
    return true;
}

}  // namespace slotcheck::fuzz
