#include "model/differ.h"

#include <sstream>

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

// Runs the steps until the end or the first divergence (when asked to stop).
// Only these operations add, change or remove slots and bindings.
bool may_change_slots_or_bindings(const Op& op) {
    return std::holds_alternative<SetRegion>(op) || std::holds_alternative<Close>(op) ||
           std::holds_alternative<CreateVm>(op);
}

void run_steps(const Sequence& seq, const Profile& profile, World& model, Executor* kernel,
               const ReplayOptions& options, ReplayReport& report) {
    // Whether a step since the last invariant check went unchecked.
    bool unchecked = false;
    auto invariants_hold = [&](size_t i, RuleId rule) {
        auto problems = model.check_invariants();
        if (problems.empty()) return true;
        Divergence d;
        d.kind = Divergence::Kind::Invariant;
        d.rule = rule;
        d.invariant_problems = std::move(problems);
        d.step = i;
        d.line = seq.steps[i].line;
        d.op_text = print_op(seq.steps[i].op);
        report.divergences.push_back(std::move(d));
        return false;
    };
    report.steps.reserve(report.steps.size() + seq.steps.size());
    for (size_t i = 0; i < seq.steps.size(); ++i) {
        const Step& step = seq.steps[i];
        auto diverge = [&](Divergence d) {
            d.step = i;
            d.line = step.line;
            d.op_text = print_op(step.op);
            report.divergences.push_back(std::move(d));
        };
        if (std::holds_alternative<Check>(step.op)) {
            // Both sides observe exactly what the model plans, so a page the
            // model forgot about cannot hide (the plan covers slot edges and
            // neighbours).
            auto plan = model.observation_plan();
            auto mine = model.observe(plan);
            StepRecord rec{i, step.line, step.op, Outcome::ok(), RuleId::Count, std::nullopt, std::nullopt};
            if (kernel) {
                auto theirs = kernel->observe(plan);
                report.observations_compared += plan.size();
                Divergence d;
                d.kind = Divergence::Kind::View;
                for (size_t k = 0; k < plan.size() && k < theirs.size(); ++k) {
                    if (mine[k].outcome != theirs[k].outcome) {
                        d.model_view.push_back(mine[k]);
                        d.kernel_view.push_back(theirs[k]);
                    }
                }
                rec.kernel = d.model_view.empty() ? Outcome::ok() : Outcome::error(0);
                report.steps.push_back(rec);
                if (!d.model_view.empty()) {
                    diverge(std::move(d));
                    if (options.stop_at_first) return;
                }
            } else {
                report.steps.push_back(rec);
            }
            continue;
        }
        Decision decision = model.step(step.op);
        report.rule_hits[static_cast<size_t>(decision.rule)]++;
        // Built in place: replay keeps a record of every step, and copying
        // them was a good part of its own cost per step.
        StepRecord& rec = report.steps.emplace_back(i, step.line, step.op, decision.outcome, decision.rule,
                                                    std::nullopt, std::nullopt);
        if (kernel) rec.kernel = kernel->apply(step.op);
        if (step.expect) rec.expected = expected_outcome(*step.expect, profile);
        // The model's outcome disagrees with the kernel's or the file's.
        auto mismatch = [&](Divergence::Kind kind, const Outcome& other) {
            Divergence d;
            d.kind = kind;
            d.model = decision.outcome;
            d.rule = decision.rule;
            d.other = other;
            diverge(std::move(d));
        };
        const std::optional<Outcome> recorded = step.expect ? step.expect->kernel_deviation : std::nullopt;
        if (kernel && recorded) {
            // A known deviation holds only while the kernel answers exactly
            // what was recorded and the model still differs from it.
            if (*rec.kernel == *recorded && *recorded != decision.outcome) {
                Divergence d;
                d.kind = Divergence::Kind::Outcome;
                d.step = i;
                d.line = step.line;
                d.op_text = print_op(step.op);
                d.model = decision.outcome;
                d.rule = decision.rule;
                d.other = *rec.kernel;
                report.deviations_as_recorded.push_back(std::move(d));
            } else {
                Divergence d;
                d.kind = Divergence::Kind::DeviationChanged;
                d.model = decision.outcome;
                d.rule = decision.rule;
                d.other = *rec.kernel;
                d.recorded = recorded;
                diverge(std::move(d));
                if (options.stop_at_first) return;
            }
        } else if (kernel && *rec.kernel != decision.outcome) {
            mismatch(Divergence::Kind::Outcome, *rec.kernel);
            if (options.stop_at_first) return;
        }
        if (options.check_expectations && rec.expected && *rec.expected != decision.outcome) {
            mismatch(Divergence::Kind::Expectation, *rec.expected);
            if (options.stop_at_first) return;
        }
        // The invariants are about slots and bindings: checked after every
        // step that can change them, and once more after the last step,
        // which catches anything another step broke (the check walks the
        // whole state; skipping it after accesses, punches and mappings
        // keeps replay near the kernel's own speed).
        if (!options.check_invariants) continue;
        if (!may_change_slots_or_bindings(step.op)) {
            unchecked = true;
            continue;
        }
        unchecked = false;
        if (!invariants_hold(i, decision.rule) && options.stop_at_first) return;
    }
    if (options.check_invariants && unchecked && !seq.steps.empty())
        invariants_hold(seq.steps.size() - 1, RuleId::Count);
}

}  // namespace

ReplayReport replay(const Sequence& seq, const Profile& profile, Executor* kernel, const ReplayOptions& options) {
    ReplayReport report;
    report.rule_hits.assign(kRuleCount + 1, 0);
    World model(profile);
    model.set_mutant(options.mutant);
    run_steps(seq, profile, model, kernel, options, report);
    report.rule_passes.assign(model.rule_passes().begin(), model.rule_passes().end());
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
