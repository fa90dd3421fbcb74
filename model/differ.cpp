#include "model/differ.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <variant>

#include "model/text_scan.h"
#include "model/world.h"

namespace slotcheck {

std::string divergence_kind_name(Divergence::Kind k) {
    switch (k) {
    case Divergence::Kind::Outcome: return "outcome";
    case Divergence::Kind::View: return "view";
    case Divergence::Kind::Expectation: return "expectation";
    case Divergence::Kind::Invariant: return "invariant";
    case Divergence::Kind::DeviationChanged: return "deviation-changed";
    }
    return "?";
}

std::string Divergence::summary() const {
    std::ostringstream o;
    o << "step " << step + 1;
    if (line) o << " (line " << line << ")";
    o << " " << op_text << ": ";
    std::string rule_name = rule == RuleId::Count ? std::string() : std::string(" [") + slotcheck::rule(rule).name + "]";
    switch (kind) {
    case Kind::Outcome:
        o << "model " << to_string(model) << rule_name << ", kernel " << to_string(other);
        break;
    case Kind::Expectation:
        o << "model " << to_string(model) << rule_name << ", file expects " << to_string(other);
        break;
    case Kind::View:
        o << model_view.size() << " observed page(s) differ";
        for (size_t i = 0; i < model_view.size() && i < 4; ++i) {
            const auto& m = model_view[i];
            o << "; " << (m.where == Observation::Where::Guest ? "guest " : "host ") << print_handle(m.handle)
              << (m.where == Observation::Where::Guest ? " gpa " : "+") << hex(m.address) << ": model "
              << to_string(m.outcome) << ", kernel " << to_string(kernel_view[i].outcome);
        }
        break;
    case Kind::Invariant:
        o << "invariant broken: " << (invariant_problems.empty() ? "" : invariant_problems.front());
        break;
    case Kind::DeviationChanged:
        o << "recorded deviation changed: model " << to_string(model) << rule_name << ", kernel " << to_string(other)
          << ", file records kernel " << (recorded ? to_string(*recorded) : std::string("?"));
        if (recorded && other == model)
            o << (*recorded == other ? " (the model now gives the recorded outcome: the marker is stale)"
                                     : " (the kernel now agrees with the model)");
        break;
    }
    return o.str();
}

Outcome expected_outcome(const Expectation& e, const Profile& profile) {
    for (const auto& alt : e.alternatives)
        if (profile.variant_on(alt.variant)) return alt.outcome;
    return e.outcome;
}

namespace {

// Only these operations add, change or remove slots and bindings.
bool may_change_slots_or_bindings(const Op& op) {
    return std::holds_alternative<SetRegion>(op) || std::holds_alternative<Close>(op) ||
           std::holds_alternative<CreateVm>(op);
}

// Names the step a divergence happened at.
Divergence at_step(Divergence d, size_t i, const Step& step) {
    d.step = i;
    d.line = step.line;
    d.op_text = print_op(step.op);
    return d;
}

// What the model planned to observe at a `check` and what it sees there.
struct ModelView {
    std::vector<ObservationRequest> plan;
    std::vector<Observation> view;
};

// The model's answer to one step: a check's view, or an operation's decision.
std::variant<ModelView, Decision> step_model(World& model, const Op& op) {
    if (!std::holds_alternative<Check>(op)) return model.step(op);
    // Both sides observe exactly what the model plans, so a page the model
    // forgot about cannot hide (the plan covers slot edges and neighbours).
    ModelView mv;
    mv.plan = model.observation_plan();
    mv.view = model.observe(mv.plan);
    return mv;
}

// The model's side: it runs ahead of the kernel, a bounded stretch at a
// time. It fills in a record per step with the model's outcome, keeps each
// check's view until the kernel has observed it, and finds the divergences
// the model can have on its own (an expected outcome, an invariant), in step
// order; asked to stop at the first divergence, it ends with that step.
class ModelAhead {
public:
    ModelAhead(const Sequence& seq, const Profile& profile, World& model, const ReplayOptions& options,
               ReplayReport& report)
        : seq_(seq), profile_(profile), model_(model), options_(options), report_(report) {
        report_.steps.reserve(report_.steps.size() + seq.steps.size());
    }

    // Runs the next stretch: up to `options.model_ahead_steps` steps, fewer
    // when the views kept for checks grow large. Returns one past its last step.
    size_t advance() {
        const size_t stretch_end = std::min(seq_.steps.size(), next_ + std::max<size_t>(1, options_.model_ahead_steps));
        size_t held = 0;
        while (next_ < stretch_end && !finished_ && held < kMaxHeldObservations) held += step(next_++);
        if (next_ == seq_.steps.size() && !finished_) {
            finished_ = true;
            if (options_.check_invariants && unchecked_ && !seq_.steps.empty())
                invariants_hold(seq_.steps.size() - 1, RuleId::Count);
        }
        return next_;
    }
    bool finished() const { return finished_; }
    size_t steps_run() const { return next_; }

    std::deque<ModelView> checks;        // views the kernel has not observed yet, in step order
    std::deque<Divergence> model_only;  // the model's own divergences not yet reported, in step order

private:
    // Bounds the memory a replay of a long file with many checks holds.
    static constexpr size_t kMaxHeldObservations = size_t{1} << 16;

    // Runs step i; returns how many observations it keeps for the kernel.
    size_t step(size_t i) {
        const Step& step = seq_.steps[i];
        auto answer = step_model(model_, step.op);
        if (auto* mv = std::get_if<ModelView>(&answer)) {
            report_.steps.push_back(
                StepRecord{i, step.line, step.op, Outcome::ok(), RuleId::Count, std::nullopt, std::nullopt});
            checks.push_back(std::move(*mv));
            return checks.back().plan.size();
        }
        const Decision& decision = std::get<Decision>(answer);
        // Moved in, not copied: replay keeps a record of every step, and
        // copying them was a good part of its own cost per step. (A braced
        // record: clang 14, which builds the parser fuzzer, has no
        // parenthesized aggregate initialisation.)
        StepRecord& rec = report_.steps.emplace_back(
            StepRecord{i, step.line, step.op, decision.outcome, decision.rule, std::nullopt, std::nullopt});
        if (step.expect) rec.expected = expected_outcome(*step.expect, profile_);
        if (options_.check_expectations && rec.expected && *rec.expected != decision.outcome) {
            Divergence d;
            d.kind = Divergence::Kind::Expectation;
            d.model = decision.outcome;
            d.rule = decision.rule;
            d.other = *rec.expected;
            model_only.push_back(at_step(std::move(d), i, step));
            if (options_.stop_at_first) {
                finished_ = true;
                return 0;
            }
        }
        // The invariants are about slots and bindings: checked after every
        // step that can change them, and once more after the last step,
        // which catches anything another step broke (the check walks the
        // whole state; skipping it after accesses, punches and mappings
        // keeps replay near the kernel's own speed).
        if (!options_.check_invariants) return 0;
        if (!may_change_slots_or_bindings(step.op)) {
            unchecked_ = true;
            return 0;
        }
        unchecked_ = false;
        if (!invariants_hold(i, decision.rule) && options_.stop_at_first) finished_ = true;
        return 0;
    }

    bool invariants_hold(size_t i, RuleId rule) {
        auto problems = model_.check_invariants();
        if (problems.empty()) return true;
        Divergence d;
        d.kind = Divergence::Kind::Invariant;
        d.rule = rule;
        d.invariant_problems = std::move(problems);
        model_only.push_back(at_step(std::move(d), i, seq_.steps[i]));
        return false;
    }

    const Sequence& seq_;
    const Profile& profile_;
    World& model_;
    const ReplayOptions& options_;
    ReplayReport& report_;
    size_t next_ = 0;         // the next step to run
    bool finished_ = false;   // the last step ran, or a divergence stopped the model
    bool unchecked_ = false;  // a step since the last invariant check went unchecked
};

// Reports the model's own divergences at steps before `end`.
void report_model_divergences(ModelAhead& ahead, size_t end, ReplayReport& report) {
    while (!ahead.model_only.empty() && ahead.model_only.front().step < end) {
        report.divergences.push_back(std::move(ahead.model_only.front()));
        ahead.model_only.pop_front();
    }
}

// The kernel's side: it runs the steps from `next` up to `end` that the
// model has run, each compared as it returns, and moves `next` on.
// Divergences come in step order, a step's kernel divergence before the
// model's own. Returns whether a divergence stopped it.
bool run_kernel(const Sequence& seq, Executor& kernel, const ReplayOptions& options, ModelAhead& ahead,
                size_t& next, size_t end, ReplayReport& report) {
    for (; next < end; ++next) {
        const size_t i = next;
        const Step& step = seq.steps[i];
        StepRecord& rec = report.steps[i];
        auto diverge = [&](Divergence d) { report.divergences.push_back(at_step(std::move(d), i, step)); };
        bool diverged = false;
        if (std::holds_alternative<Check>(step.op)) {
            const ModelView mine = std::move(ahead.checks.front());
            ahead.checks.pop_front();
            auto theirs = kernel.observe(mine.plan);
            report.observations_compared += mine.plan.size();
            Divergence d;
            d.kind = Divergence::Kind::View;
            for (size_t k = 0; k < mine.plan.size() && k < theirs.size(); ++k) {
                if (mine.view[k].outcome != theirs[k].outcome) {
                    d.model_view.push_back(mine.view[k]);
                    d.kernel_view.push_back(theirs[k]);
                }
            }
            rec.kernel = d.model_view.empty() ? Outcome::ok() : Outcome::error(0);
            if (!d.model_view.empty()) {
                diverge(std::move(d));
                diverged = true;
            }
        } else {
            rec.kernel = kernel.apply(step.op);
            const std::optional<Outcome> recorded = step.expect ? step.expect->kernel_deviation : std::nullopt;
            Divergence d;
            d.model = rec.model;
            d.rule = rec.rule;
            d.other = *rec.kernel;
            if (recorded) {
                // A known deviation holds only while the kernel answers
                // exactly what was recorded and the model still differs from it.
                if (*rec.kernel == *recorded && *recorded != rec.model) {
                    d.kind = Divergence::Kind::Outcome;
                    report.deviations_as_recorded.push_back(at_step(std::move(d), i, step));
                } else {
                    d.kind = Divergence::Kind::DeviationChanged;
                    d.recorded = recorded;
                    diverge(std::move(d));
                    diverged = true;
                }
            } else if (*rec.kernel != rec.model) {
                d.kind = Divergence::Kind::Outcome;
                diverge(std::move(d));
                diverged = true;
            }
        }
        if (diverged && options.stop_at_first) {
            ++next;
            return true;
        }
        report_model_divergences(ahead, i + 1, report);
    }
    return false;
}

}  // namespace

// The model never depends on the kernel's answers, so it runs a stretch of
// steps first (ReplayOptions::model_ahead_steps) and the kernel runs them
// after it, each step still compared on its own. Interleaving the two cost
// replay more than the model's own work: every memslot change puts the task
// to sleep, and under TCG in qemu (where kernels under test run) the switch
// back makes qemu drop its software TLB and jump cache, so after every
// kernel call the model's code and data had to be found again
// (docs/performance.md).
ReplayReport replay(const Sequence& seq, const Profile& profile, Executor* kernel, const ReplayOptions& options) {
    ReplayReport report;
    report.rule_hits.assign(kRuleCount + 1, 0);
    World model(profile);
    model.set_mutant(options.mutant);
    ModelAhead ahead(seq, profile, model, options, report);
    bool kernel_stopped = false;
    size_t kernel_next = 0;
    while (!ahead.finished() && !kernel_stopped) {
        const size_t model_next = ahead.advance();
        if (kernel) {
            kernel_stopped = run_kernel(seq, *kernel, options, ahead, kernel_next, model_next, report);
        } else {
            ahead.checks.clear();
            report_model_divergences(ahead, model_next, report);
        }
    }
    if (kernel_stopped) report.steps.resize(kernel_next);
    for (const auto& rec : report.steps)
        if (!std::holds_alternative<Check>(rec.op)) report.rule_hits[static_cast<size_t>(rec.rule)]++;
    if (report.steps.size() == ahead.steps_run()) {
        report.rule_passes.assign(model.rule_passes().begin(), model.rule_passes().end());
        return report;
    }
    // The kernel diverged before the model's last step: the rule counts are
    // those of the steps both ran, so the model runs them again on its own.
    World counted(profile);
    counted.set_mutant(options.mutant);
    for (const auto& rec : report.steps) step_model(counted, rec.op);
    report.rule_passes.assign(counted.rule_passes().begin(), counted.rule_passes().end());
    return report;
}

namespace {

std::vector<std::optional<Outcome>> model_outcomes(const Sequence& seq, const Profile& profile) {
    World model(profile);
    std::vector<std::optional<Outcome>> out;
    for (const auto& step : seq.steps)
        out.push_back(std::holds_alternative<Check>(step.op) ? std::nullopt
                                                            : std::optional<Outcome>(model.step(step.op).outcome));
    return out;
}

}  // namespace

Sequence with_model_expectations(const Sequence& seq, const Profile& profile) {
    Sequence out = seq;
    const auto main = model_outcomes(seq, profile);
    for (size_t i = 0; i < out.steps.size(); ++i) {
        const auto recorded = seq.steps[i].expect ? seq.steps[i].expect->kernel_deviation : std::nullopt;
        out.steps[i].expect.reset();
        if (main[i]) out.steps[i].expect = Expectation{*main[i], {}, recorded};
    }
    // For each variant the profile lacks, the outcomes with it switched on
    // become alternatives. Later variants in the table are newer kernels'
    // behaviour, so they are listed first: the first variant that is on wins.
    const auto& variants = variant_table();
    for (auto v = variants.rbegin(); v != variants.rend(); ++v) {
        if (profile.*(v->field)) continue;
        Profile flipped = profile;
        flipped.*(v->field) = true;
        const auto other = model_outcomes(seq, flipped);
        for (size_t i = 0; i < out.steps.size(); ++i)
            if (main[i] && other[i] && *other[i] != *main[i])
                out.steps[i].expect->alternatives.push_back({v->name, *other[i]});
    }
    return out;
}

}  // namespace slotcheck
