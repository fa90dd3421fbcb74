#include "replay/rule_naming.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "replay/differ.h"
#include "replay/features.h"

namespace slotcheck {

namespace {

// One outcome of one step's expectation: the main one (alternative -1) or
// an alternative, by index.
using OutcomeAt = std::pair<size_t, int>;
// The rules that decided each expected rejection, with the profiles under which each did.
using RulesFound = std::map<OutcomeAt, std::map<RuleId, std::vector<std::string>>>;

const std::map<RuleId, std::vector<std::string>>* rules_at(const RulesFound& found, OutcomeAt at) {
    const auto it = found.find(at);
    return it == found.end() ? nullptr : &it->second;
}

std::string step_place(size_t index, int line) {
    std::ostringstream o;
    o << "step " << index + 1;
    if (line) o << " (line " << line << ")";
    return o.str();
}

// Replays `seq` on the model under `profile` and notes the rule of each
// expected rejection it reads there. A step where the model gives another
// outcome than the file expects is a problem when the file is written for
// the profile (`problems` given); otherwise the file is read no further.
void read_rules(const Sequence& seq, const Profile& profile, RulesFound& found, std::vector<std::string>* problems) {
    if (!missing_features(seq, profile).empty()) return;  // a skip there: read under none
    bool diverged = false;
    ReplayOptions options;
    options.check_expectations = false;
    options.check_invariants = false;
    options.stop_at_first = false;
    options.keep_steps = 0;
    options.on_step = [&](const Step& step, const StepRecord& rec) {
        if (diverged || !step.expect || std::holds_alternative<Check>(step.op)) return;
        const auto* alt = chosen_alternative(*step.expect, profile);
        const Outcome& expected = alt ? alt->outcome : step.expect->outcome;
        if (rec.model != expected) {
            if (!problems) {
                diverged = true;
            } else if (is_rejection(expected)) {
                problems->push_back(step_place(rec.index, rec.line) + ": under " + profile.name + " the model gives " +
                                    to_string(rec.model) + ", the file expects " + to_string(expected));
            }
            return;
        }
        if (!is_rejection(expected)) return;
        const int which = alt ? static_cast<int>(alt - step.expect->alternatives.data()) : -1;
        found[{rec.index, which}][rec.rule].push_back(profile.name);
    };
    replay(seq, profile, nullptr, options);
}

// Each of `profiles` with one variant switched: where an outcome no profile
// of the corpus reads is read (the ENOTTY of a kernel without guest_memfd).
std::vector<Profile> one_variant_switched(const std::vector<Profile>& profiles) {
    std::vector<Profile> out;
    for (const Profile& p : profiles)
        for (const auto& v : variant_table()) {
            Profile flipped = p;
            flipped.*(v.field) = !(p.*(v.field));
            flipped.name = p.name + (flipped.*(v.field) ? " with " : " without ") + v.name;
            out.push_back(std::move(flipped));
        }
    return out;
}

}  // namespace

RuleNaming with_rules_named(const Sequence& seq, const std::vector<Profile>& profiles) {
    RuleNaming out{seq, {}};
    RulesFound found;
    for (const Profile& profile : profiles) read_rules(seq, profile, found, &out.problems);
    // The outcomes none of them reads, as the profiles one variant away read them.
    RulesFound further;
    bool unread = false;
    for (size_t i = 0; i < seq.steps.size() && !unread; ++i) {
        const Step& step = seq.steps[i];
        if (!step.expect || std::holds_alternative<Check>(step.op)) continue;
        unread = is_rejection(step.expect->outcome) && !found.count({i, -1});
        for (size_t a = 0; a < step.expect->alternatives.size(); ++a)
            unread = unread || (is_rejection(step.expect->alternatives[a].outcome) && !found.count({i, int(a)}));
    }
    if (unread)
        for (const Profile& profile : one_variant_switched(profiles)) read_rules(seq, profile, further, nullptr);

    for (size_t i = 0; i < out.sequence.steps.size(); ++i) {
        Step& step = out.sequence.steps[i];
        if (!step.expect || std::holds_alternative<Check>(step.op)) continue;
        for (int which = -1; which < static_cast<int>(step.expect->alternatives.size()); ++which) {
            const Outcome& outcome = which < 0 ? step.expect->outcome : step.expect->alternatives[which].outcome;
            std::optional<RuleId>& rule = which < 0 ? step.expect->rule : step.expect->alternatives[which].rule;
            if (!is_rejection(outcome)) continue;
            const std::string what =
                to_string(outcome) +
                (which < 0 ? std::string() : " (alternative " + step.expect->alternatives[which].variant + ")");
            const auto* rules = rules_at(found, {i, which});
            if (!rules) rules = rules_at(further, {i, which});
            if (!rules) {
                if (!rule)
                    out.problems.push_back(step_place(i, step.line) + ": " + what +
                                           " is read under none of the profiles, nor with one variant switched");
                continue;
            }
            if (rules->size() == 1) {
                rule = rules->begin()->first;
                continue;
            }
            std::string by;
            for (const auto& [id, names] : *rules)
                by += std::string(by.empty() ? "" : "; ") + slotcheck::rule(id).name + " under " + names.front() +
                      (names.size() > 1 ? " and " + std::to_string(names.size() - 1) + " more" : "");
            out.problems.push_back(step_place(i, step.line) + ": " + what + " is decided by different rules (" + by +
                                   "): the file needs an alternative for the variant that differs");
        }
    }
    return out;
}

std::optional<std::string> with_expectations_in_text(const std::string& text, const Sequence& named) {
    std::vector<std::string> lines;
    for (size_t start = 0; start <= text.size();) {
        const size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    for (const Step& step : named.steps) {
        if (!step.expect) continue;
        if (step.line < 1 || static_cast<size_t>(step.line) > lines.size()) return std::nullopt;
        std::string& line = lines[step.line - 1];
        // As the parser reads a step line: a comment from the first '#', the
        // expectation after "=>" (docs/sequence-format.md).
        const size_t hash = std::min(line.find('#'), line.size() - (!line.empty() && line.back() == '\r'));
        const size_t arrow = line.substr(0, hash).find("=>");
        if (arrow == std::string::npos) return std::nullopt;
        const std::string segment = line.substr(arrow + 2, hash - arrow - 2);
        const size_t last = segment.find_last_not_of(" \t");
        if (last == std::string::npos) return std::nullopt;
        const std::string written = " " + print_expectation(*step.expect);
        // Blanks that aligned a trailing comment shrink by what the line
        // grew, down to the printer's two.
        std::string blanks = segment.substr(last + 1);
        const size_t grew = written.size() > last + 1 ? written.size() - last - 1 : 0;
        if (hash < line.size() && line[hash] == '#' && blanks.size() > 2)
            blanks.erase(0, std::min(grew, blanks.size() - 2));
        line = line.substr(0, arrow + 2) + written + blanks + line.substr(hash);
    }
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) out += lines[i] + (i + 1 < lines.size() ? "\n" : "");
    return out;
}

}  // namespace slotcheck
