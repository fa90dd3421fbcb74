// Naming the rule of every expected rejection in a sequence whose outcomes
// are written already (corpus files): `slotcheck annotate --name-rules`.
// The outcomes and alternatives stay as written; each expected rejection
// (is_rejection()) gets the rule that decides it under the profiles that
// read that outcome (docs/sequence-format.md "Naming the rule").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"
#include "seq/sequence.h"

namespace slotcheck {

struct RuleNaming {
    Sequence sequence;  // the input, with the rules named
    // Why an expected rejection was left without a name: the model does not
    // give it under some profile, two profiles that read it have it decided
    // by different rules (the file needs an alternative), or no profile of
    // `profiles` reads it. One line each, "step N (line L): ...".
    std::vector<std::string> problems;
};

// Reads `seq` under each profile of `profiles` under which it runs (it
// needs no feature the profile lacks, replay/features.h) and names, for each
// expected outcome that is a rejection, the rule that decided it. A rule a
// step already names is replaced by the one found, or kept where none is.
RuleNaming with_rules_named(const Sequence& seq, const std::vector<Profile>& profiles);

// `text` (the file `named` was parsed from, its steps' expectations since
// changed) with each step's expectation rewritten in place: only the part
// after "=>" and before a trailing comment changes, so the file keeps its
// layout and comments. nullopt when a step's line is not found as parsed.
std::optional<std::string> with_expectations_in_text(const std::string& text, const Sequence& named);

}  // namespace slotcheck
