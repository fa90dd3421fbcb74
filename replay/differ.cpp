#include "replay/differ.h"

#include <algorithm>
#include <deque>
#include <sstream>
#include <variant>

#include "model/world.h"
#include "seq/text_scan.h"

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
        if (named_rule && model == other)
            o << to_string(model) << " as expected, but decided by " << slotcheck::rule(rule).name
              << ", the file names " << slotcheck::rule(*named_rule).name;
        else
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

const Expectation::Alternative* chosen_alternative(const Expectation& e, const Profile& profile) {
    for (const auto& alt : e.alternatives)
        if (profile.variant_on(alt.variant)) return &alt;
    return nullptr;
}

Outcome expected_outcome(const Expectation& e, const Profile& profile) {
    const auto* alt = chosen_alternative(e, profile);
    return alt ? alt->outcome : e.outcome;
}

std::optional<RuleId> expected_rule(const Expectation& e, const Profile& profile) {
    const auto* alt = chosen_alternative(e, profile);
    return alt ? alt->rule : e.rule;
}

namespace {

// Only these operations add, change or remove slots and bindings.
bool may_change_slots_or_bindings(const Op& op) {
    return std::holds_alternative<SetRegion>(op) || std::holds_alternative<Close>(op) ||
           std::holds_alternative<CreateVm>(op);
}

// Names the step a divergence happened at.
Divergence at_step(Divergence d, size_t i, int line, const Op& op) {
    d.step = i;
    d.line = line;
    d.op_text = print_op(op);
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

// A step the model has run and the kernel has not: the step, its record so
// far and, for a check, what the model saw.
struct Pending {
    Step step;
    StepRecord rec;
    std::optional<ModelView> check;
};

// The model's side: it runs ahead of the kernel, a bounded stretch at a
// time, reading the steps as it goes. It keeps each step it ran, with the
// model's outcome and a check's view, until the kernel has run it, and finds
// the divergences the model can have on its own (an expected outcome, an
// invariant), in step order; asked to stop at the first divergence, it ends
// with that step.
class ModelAhead {
public:
    // `check_rules`: also check the rules the file names (model-only replay).
    ModelAhead(StepSource::Pass& steps, const Profile& profile, World& model, const ReplayOptions& options,
               bool check_rules)
        : steps_(steps), profile_(profile), model_(model), options_(options), check_rules_(check_rules) {}

    // Runs the next stretch: up to `options.model_ahead_steps` steps, fewer
    // when the views kept for checks grow large. Returns one past its last step.
    size_t advance() {
        const size_t stretch_end = next_ + std::max<size_t>(1, options_.model_ahead_steps);
        size_t held = 0;
        while (next_ < stretch_end && !finished_ && held < kMaxHeldObservations) {
            const Step* step = steps_.next();
            if (!step) {
                finished_ = true;
                if (options_.check_invariants && unchecked_) invariants_hold(next_ - 1, last_line_, last_op_, RuleId::Count);
                break;
            }
            held += run(next_++, *step);
        }
        return next_;
    }
    bool finished() const { return finished_; }
    size_t steps_run() const { return next_; }

    std::deque<Pending> pending;         // steps the kernel has not run yet, in step order
    std::deque<Divergence> model_only;  // the model's own divergences not yet reported, in step order

private:
    // Bounds the memory a replay of a long file with many checks holds.
    static constexpr size_t kMaxHeldObservations = size_t{1} << 16;

    // Runs step i; returns how many observations it keeps for the kernel.
    size_t run(size_t i, const Step& step) {
        last_line_ = step.line;
        last_op_ = step.op;
        auto answer = step_model(model_, step.op);
        if (auto* mv = std::get_if<ModelView>(&answer)) {
            const size_t held = mv->plan.size();
            pending.push_back(Pending{
                step, StepRecord{i, step.line, step.op, Outcome::ok(), RuleId::Count, std::nullopt, std::nullopt},
                std::move(*mv)});
            return held;
        }
        const Decision& decision = std::get<Decision>(answer);
        // (A braced record: clang 14, which builds the parser fuzzer, has
        // no parenthesized aggregate initialisation.)
        StepRecord& rec =
            pending
                .emplace_back(Pending{step,
                                      StepRecord{i, step.line, step.op, decision.outcome, decision.rule,
                                                 std::nullopt, std::nullopt},
                                      std::nullopt})
                .rec;
        if (step.expect) rec.expected = expected_outcome(*step.expect, profile_);
        // The one place a step's expectation meets the model's decision:
        // its outcome, and the rule that gave it where the file names one.
        const std::optional<RuleId> named =
            check_rules_ && step.expect ? expected_rule(*step.expect, profile_) : std::nullopt;
        const bool wrong_outcome = rec.expected && *rec.expected != decision.outcome;
        const bool wrong_rule = rec.expected && !wrong_outcome && named && *named != decision.rule;
        if (options_.check_expectations && (wrong_outcome || wrong_rule)) {
            Divergence d;
            d.kind = Divergence::Kind::Expectation;
            d.model = decision.outcome;
            d.rule = decision.rule;
            d.other = *rec.expected;
            if (wrong_rule) d.named_rule = named;
            model_only.push_back(at_step(std::move(d), i, step.line, step.op));
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
        if (!invariants_hold(i, step.line, step.op, decision.rule) && options_.stop_at_first) finished_ = true;
        return 0;
    }

    bool invariants_hold(size_t i, int line, const Op& op, RuleId rule) {
        auto problems = model_.check_invariants();
        if (problems.empty()) return true;
        Divergence d;
        d.kind = Divergence::Kind::Invariant;
        d.rule = rule;
        d.invariant_problems = std::move(problems);
        model_only.push_back(at_step(std::move(d), i, line, op));
        return false;
    }

    StepSource::Pass& steps_;
    const Profile& profile_;
    World& model_;
    const ReplayOptions& options_;
    const bool check_rules_;
    size_t next_ = 0;         // the next step to run
    bool finished_ = false;   // the steps ended, or a divergence stopped the model
    bool unchecked_ = false;  // a step since the last invariant check went unchecked
    int last_line_ = 0;       // the last step run, for a final invariant check
    Op last_op_;
};

// Reports the model's own divergences at steps before `end`.
void report_model_divergences(ModelAhead& ahead, size_t end, ReplayReport& report) {
    while (!ahead.model_only.empty() && ahead.model_only.front().step < end) {
        report.divergences.push_back(std::move(ahead.model_only.front()));
        ahead.model_only.pop_front();
    }
}

// A step both sides have run: counted, shown to ReplayOptions::on_step, and
// kept while it is among the last ReplayOptions::keep_steps.
void step_done(Pending& p, const ReplayOptions& options, ReplayReport& report) {
    if (!std::holds_alternative<Check>(p.step.op)) report.rule_hits[static_cast<size_t>(p.rec.rule)]++;
    if (options.on_step) options.on_step(p.step, p.rec);
    ++report.steps_run;
    if (!options.keep_steps) {
        report.steps.push_back(std::move(p.rec));
    } else if (*options.keep_steps > 0) {
        if (report.steps.size() == *options.keep_steps) report.steps.erase(report.steps.begin());
        report.steps.push_back(std::move(p.rec));
    }
}

// The kernel's side: it runs the steps before `end` that the model has run,
// each compared as it returns. Divergences come in step order, a step's
// kernel divergence before the model's own. Returns whether a divergence
// stopped it.
bool run_kernel(Executor& kernel, const ReplayOptions& options, ModelAhead& ahead, size_t end, ReplayReport& report) {
    while (!ahead.pending.empty() && ahead.pending.front().rec.index < end) {
        Pending p = std::move(ahead.pending.front());
        ahead.pending.pop_front();
        const size_t i = p.rec.index;
        const Step& step = p.step;
        StepRecord& rec = p.rec;
        auto diverge = [&](Divergence d) { report.divergences.push_back(at_step(std::move(d), i, step.line, step.op)); };
        bool diverged = false;
        if (p.check) {
            const ModelView& mine = *p.check;
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
                    report.deviations_as_recorded.push_back(at_step(std::move(d), i, step.line, step.op));
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
        step_done(p, options, report);
        if (diverged && options.stop_at_first) return true;
        report_model_divergences(ahead, i + 1, report);
    }
    return false;
}

}  // namespace

ReplayReport replay(const Sequence& seq, const Profile& profile, Executor* kernel, const ReplayOptions& options) {
    return replay(SequenceSteps(seq), profile, kernel, options);
}

// The model never depends on the kernel's answers, so it runs a stretch of
// steps first (ReplayOptions::model_ahead_steps) and the kernel runs them
// after it, each step still compared on its own. Interleaving the two cost
// replay more than the model's own work: every memslot change puts the task
// to sleep, and under TCG in qemu (where kernels under test run) the switch
// back makes qemu drop its software TLB and jump cache, so after every
// kernel call the model's code and data had to be found again
// (docs/performance.md).
ReplayReport replay(const StepSource& steps, const Profile& profile, Executor* kernel, const ReplayOptions& options) {
    ReplayReport report;
    report.rule_hits.assign(kRuleCount + 1, 0);
    World model(profile);
    model.set_mutant(options.mutant);
    auto pass = steps.pass();
    // A kernel has no rules: only model-only replay checks the rules a file names.
    ModelAhead ahead(*pass, profile, model, options, options.check_expectations && kernel == nullptr);
    bool kernel_stopped = false;
    while (!ahead.finished() && !kernel_stopped) {
        const size_t model_next = ahead.advance();
        if (kernel) {
            kernel_stopped = run_kernel(*kernel, options, ahead, model_next, report);
        } else {
            for (auto& p : ahead.pending) step_done(p, options, report);
            ahead.pending.clear();
            report_model_divergences(ahead, model_next, report);
        }
    }
    // The model's check after the last step comes after the kernel ran it.
    if (!kernel_stopped) report_model_divergences(ahead, report.steps_run, report);
    if (report.steps_run == ahead.steps_run()) {
        report.rule_passes.assign(model.rule_passes().begin(), model.rule_passes().end());
        return report;
    }
    // The kernel diverged before the model's last step: the rule counts are
    // those of the steps both ran, so the model runs them again on its own.
    World counted(profile);
    counted.set_mutant(options.mutant);
    each_step(steps, [&](size_t i, const Step& step) {
        if (i >= report.steps_run) return false;
        step_model(counted, step.op);
        return true;
    });
    report.rule_passes.assign(counted.rule_passes().begin(), counted.rule_passes().end());
    return report;
}

namespace {

// The model's outcome of a step, with the rule a file names for it: a
// rejection's deciding rule.
struct ModelAnswer {
    Outcome outcome;
    std::optional<RuleId> rule;
};

// Each step's answer under the profile; nullopt for a check.
std::vector<std::optional<ModelAnswer>> model_outcomes(const Sequence& seq, const Profile& profile) {
    World model(profile);
    std::vector<std::optional<ModelAnswer>> out;
    for (const auto& step : seq.steps) {
        if (std::holds_alternative<Check>(step.op)) {
            out.emplace_back();
            continue;
        }
        const Decision d = model.step(step.op);
        const auto rule = is_rejection(d.outcome) ? std::optional(d.rule) : std::nullopt;
        out.push_back(ModelAnswer{d.outcome, rule});
    }
    return out;
}

}  // namespace

Sequence with_model_expectations(const Sequence& seq, const Profile& profile) {
    Sequence out = seq;
    const auto main = model_outcomes(seq, profile);
    for (size_t i = 0; i < out.steps.size(); ++i) {
        const auto recorded = seq.steps[i].expect ? seq.steps[i].expect->kernel_deviation : std::nullopt;
        out.steps[i].expect.reset();
        if (main[i]) out.steps[i].expect = Expectation{main[i]->outcome, {}, recorded, main[i]->rule};
    }
    // For each variant the profile lacks, the outcomes with it switched on
    // become alternatives (and so does the same rejection by another rule).
    // Later variants in the table are newer kernels' behaviour, so they are
    // listed first: the first variant that is on wins.
    const auto& variants = variant_table();
    for (auto v = variants.rbegin(); v != variants.rend(); ++v) {
        if (profile.*(v->field)) continue;
        Profile flipped = profile;
        flipped.*(v->field) = true;
        const auto other = model_outcomes(seq, flipped);
        for (size_t i = 0; i < out.steps.size(); ++i)
            if (main[i] && other[i] && (other[i]->outcome != main[i]->outcome || other[i]->rule != main[i]->rule))
                out.steps[i].expect->alternatives.push_back({v->name, other[i]->outcome, other[i]->rule});
    }
    return out;
}

}  // namespace slotcheck
