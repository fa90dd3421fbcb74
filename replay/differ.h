// Differential replay: runs a sequence on the model and, when given one, on
// a kernel executor, compares every step's outcome and every check's view,
// and reports the first place they disagree. The model runs ahead of the
// kernel, a stretch of steps at a time (it never needs the kernel's answers;
// replay() says why); the report is what running them in lock step gives.
// It also checks the sequence's own expected outcomes against the model and
// the invariants after every step. Pure: the kernel arrives as an Executor.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"
#include "seq/executor.h"
#include "seq/rules.h"
#include "seq/sequence.h"
#include "seq/step_source.h"

namespace slotcheck {

struct StepRecord {
    size_t index = 0;  // 0-based step index
    int line = 0;
    Op op;
    Outcome model;
    RuleId rule = RuleId::Count;
    std::optional<Outcome> kernel;
    std::optional<Outcome> expected;
};

struct Divergence {
    enum class Kind : uint8_t {
        Outcome,      // model and kernel disagree on an operation's outcome
        View,         // a `check` found pages where they disagree
        // The model disagrees with the file's expected outcome, or (model-only
        // replay) gives it by another rule than the one the file names.
        Expectation,
        Invariant,    // the model's state broke an invariant
        // The file records a kernel deviation (`!kernel: OUTCOME`) at this
        // step and the kernel no longer answers exactly that: it now agrees
        // with the model, or answers something else again.
        DeviationChanged,
    };
    Kind kind = Kind::Outcome;
    size_t step = 0;
    int line = 0;
    std::string op_text;
    Outcome model{};
    RuleId rule = RuleId::Count;
    Outcome other{};  // kernel outcome, or expected outcome
    // Expectation: the rule the file names for the outcome, when the model
    // gave that outcome by another rule (`rule`).
    std::optional<RuleId> named_rule;
    std::optional<Outcome> recorded;  // DeviationChanged: the kernel outcome the file records
    std::vector<Observation> model_view, kernel_view;  // differing observations only
    std::vector<std::string> invariant_problems;
    // A short exact statement: "step 7 (line 12) region v0 ...: model EINVAL [gmem.bind-overlap], kernel ok"
    std::string summary() const;
};

struct ReplayOptions {
    // Compare the model with the file's expected outcomes. Without a kernel
    // (model-only replay) also check that the rule a file names for an
    // outcome (`=> EINVAL [region.gpa-wrap]`) is the one that decided it; a
    // replay against a kernel ignores rule names: a kernel has no rules, and
    // what a file tests there is the kernel's outcome.
    bool check_expectations = true;
    bool check_invariants = true;
    bool stop_at_first = true;
    std::optional<RuleId> mutant;
    // How many steps the model may run ahead of the kernel (replay() says
    // why it runs ahead at all). A bound, so a file of millions of steps and
    // checks does not hold every check's view at once.
    size_t model_ahead_steps = 1024;
    // How many of the last steps the report keeps (ReplayReport::steps):
    // all of them when unset, as tests and the small sequences of fuzz and
    // minimize want; a long file's replay keeps a few, or none, so its
    // memory does not grow with its length.
    std::optional<size_t> keep_steps;
    // Called with each step and its record once both sides have run it, in
    // step order: how a caller follows every step without the report
    // keeping them (PointWatch, replay/point.h).
    std::function<void(const Step&, const StepRecord&)> on_step;
};

struct ReplayReport {
    // How many steps both sides ran (all of them, unless a divergence stopped the replay).
    size_t steps_run = 0;
    // The records of the last ReplayOptions::keep_steps of them (of all when unset).
    std::vector<StepRecord> steps;
    std::vector<Divergence> divergences;
    // Steps where the kernel differs from the model exactly as the file
    // records (`!kernel: OUTCOME`): known deviations, not divergences.
    std::vector<Divergence> deviations_as_recorded;
    size_t observations_compared = 0;
    bool agreed() const { return divergences.empty(); }
    // Counts per rule of how often it decided an outcome.
    std::vector<uint64_t> rule_hits;
    // Counts per rule of how often its check passed without firing.
    std::vector<uint64_t> rule_passes;
};

std::string divergence_kind_name(Divergence::Kind k);

// The alternative of an expectation a profile reads: the first whose
// variant is on, or nullptr for the main outcome.
const Expectation::Alternative* chosen_alternative(const Expectation& e, const Profile& profile);
// The expected outcome of a step under a profile: the first alternative
// whose variant is on, else the main outcome.
Outcome expected_outcome(const Expectation& e, const Profile& profile);
// The rule the file names for that outcome, if it names one.
std::optional<RuleId> expected_rule(const Expectation& e, const Profile& profile);

ReplayReport replay(const Sequence& seq, const Profile& profile, Executor* kernel, const ReplayOptions& options);
// The same over steps read one at a time (a long file): it holds a stretch
// of ReplayOptions::model_ahead_steps steps, not the sequence.
ReplayReport replay(const StepSource& steps, const Profile& profile, Executor* kernel, const ReplayOptions& options);

// A copy of `seq` whose expectations are the model's outcomes under the
// profile, with an alternative `variant: outcome` wherever switching on one
// of the variants the profile lacks changes a step's outcome (for writing
// corpus files from prover counterexamples and minimized findings). Each
// rejection (is_rejection()) names the rule that decided it, and a variant
// under which another rule gives the same rejection is an alternative too.
// Recorded kernel deviations are kept: they are the kernel's, not the model's.
Sequence with_model_expectations(const Sequence& seq, const Profile& profile);

}  // namespace slotcheck
