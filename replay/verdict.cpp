#include "replay/verdict.h"

#include <algorithm>

#include "seq/text_scan.h"
#include "sys/record.h"

namespace slotcheck {

std::string Reproduction::text() const {
    if (runs <= 1) return "";
    return "reproduced " + std::to_string(reproduced) + "/" + std::to_string(runs);
}

Reproduction reproduce(unsigned runs, const std::function<bool()>& shows_again) {
    Reproduction r;
    r.runs = std::max(1u, runs);
    for (unsigned run = 1; run < r.runs; ++run) r.reproduced += shows_again() ? 1 : 0;
    return r;
}

namespace {

constexpr Verdict::Status kStatuses[] = {
    Verdict::Status::Agree,  Verdict::Status::Diverge,    Verdict::Status::Crashed, Verdict::Status::TimedOut,
    Verdict::Status::Flaky,  Verdict::Status::NotReached, Verdict::Status::Skipped, Verdict::Status::Error,
};

// An outcome in its sequence-file text form, read back.
Outcome outcome_field(const record::Reader& r, std::string_view key) {
    std::string error;
    auto o = parse_outcome(r.text(key), error);
    if (!o) throw record::BadField{"field " + std::string(key) + ": " + error};
    return *o;
}

void write_observation(record::Writer& w, std::string_view key, const Observation& o) {
    record::Writer view;
    view.text("where", o.where == Observation::Where::Guest ? "guest" : "host")
        .u64("handle_kind", static_cast<uint64_t>(o.handle.kind))
        .u64("handle_index", o.handle.index)
        .u64("address", o.address)
        .text("outcome", to_string(o.outcome));
    w.text(key, view.str());
}

Observation read_observation(std::string_view text) {
    std::string error;
    auto r = record::Reader::parse(text, error);
    if (!r) throw record::BadField{"observation: " + error};
    Observation o;
    o.where = r->text("where") == "guest" ? Observation::Where::Guest : Observation::Where::Host;
    const uint64_t kind = r->u64("handle_kind");
    if (kind > static_cast<uint64_t>(HandleKind::Mapping)) throw record::BadField{"observation: no handle kind"};
    o.handle.kind = static_cast<HandleKind>(kind);
    o.handle.index = static_cast<decltype(o.handle.index)>(r->u64("handle_index"));
    o.address = r->u64("address");
    o.outcome = outcome_field(*r, "outcome");
    return o;
}

// Rules travel by name ("" for none), so a record means the same to a
// build with more rules (the VM event channel, a recorded fixture).
std::string rule_text(RuleId id) { return id == RuleId::Count ? "" : std::string(rule(id).name); }

RuleId rule_field(const record::Reader& r, std::string_view key) {
    const std::string& name = r.text(key);
    if (name.empty()) return RuleId::Count;
    if (const auto id = rule_by_name(name)) return *id;
    throw record::BadField{"field " + std::string(key) + ": no rule " + name};
}

Divergence read_divergence(const record::Reader& r) {
    Divergence d;
    const auto kind = divergence_kind_from_name(r.text("kind"));
    if (!kind) throw record::BadField{"field kind: no divergence kind " + r.text("kind")};
    d.kind = *kind;
    d.step = r.u64("step");
    d.line = static_cast<int>(r.i64("line"));
    d.op_text = r.text("op");
    d.model = outcome_field(r, "model");
    d.rule = rule_field(r, "rule");
    d.other = outcome_field(r, "other");
    if (r.has("named")) d.named_rule = rule_field(r, "named");
    if (r.has("recorded")) d.recorded = outcome_field(r, "recorded");
    for (auto view : r.all("model_view")) d.model_view.push_back(read_observation(view));
    for (auto view : r.all("kernel_view")) d.kernel_view.push_back(read_observation(view));
    for (auto problem : r.all("problem")) d.invariant_problems.emplace_back(problem);
    return d;
}

Divergence nested_divergence(std::string_view text) {
    std::string error;
    auto r = record::Reader::parse(text, error);
    if (!r) throw record::BadField{"divergence: " + error};
    return read_divergence(*r);
}

}  // namespace

std::optional<Divergence::Kind> divergence_kind_from_name(const std::string& name) {
    for (auto k : {Divergence::Kind::Outcome, Divergence::Kind::View, Divergence::Kind::Expectation,
                   Divergence::Kind::Invariant, Divergence::Kind::DeviationChanged})
        if (divergence_kind_name(k) == name) return k;
    return std::nullopt;
}

std::string verdict_status_name(Verdict::Status s) {
    switch (s) {
    case Verdict::Status::Agree: return "agree";
    case Verdict::Status::Diverge: return "diverge";
    case Verdict::Status::Crashed: return "crashed";
    case Verdict::Status::TimedOut: return "timeout";
    case Verdict::Status::Flaky: return "flaky";
    case Verdict::Status::NotReached: return "not-reached";
    case Verdict::Status::Skipped: return "skip";
    case Verdict::Status::Error: return "error";
    }
    return "?";
}

std::optional<Verdict::Status> verdict_status_from_name(const std::string& name) {
    for (auto s : kStatuses)
        if (verdict_status_name(s) == name) return s;
    return std::nullopt;
}

std::string encode(const Divergence& d) {
    record::Writer w;
    w.text("kind", divergence_kind_name(d.kind))
        .u64("step", d.step)
        .i64("line", d.line)
        .text("op", d.op_text)
        .text("model", to_string(d.model))
        .text("rule", rule_text(d.rule))
        .text("other", to_string(d.other));
    if (d.named_rule) w.text("named", rule_text(*d.named_rule));
    if (d.recorded) w.text("recorded", to_string(*d.recorded));
    for (const auto& o : d.model_view) write_observation(w, "model_view", o);
    for (const auto& o : d.kernel_view) write_observation(w, "kernel_view", o);
    for (const auto& p : d.invariant_problems) w.text("problem", p);
    return w.str();
}

std::optional<Divergence> decode_divergence(const std::string& text, std::string& error) {
    try {
        return nested_divergence(text);
    } catch (const record::BadField& bad) {
        error = bad.what;
        return std::nullopt;
    }
}

std::string encode(const Verdict& v) {
    record::Writer w;
    w.text("status", verdict_status_name(v.status))
        .text("first_status", verdict_status_name(v.first_status))
        .text("detail", v.detail)
        .real("oracle_ops_s", v.timing.oracle_ops)
        .real("oracle_observe_s", v.timing.oracle_observe)
        .real("total_s", v.timing.total)
        .flag("slow", v.slow)
        .u64("runs", v.reproduction.runs)
        .u64("reproduced", v.reproduction.reproduced)
        .u64("steps", v.steps_run)
        .u64("observations", v.observations)
        .i64("stopped_line", v.stopped_line);
    if (v.divergence) w.text("divergence", encode(*v.divergence));
    for (const auto& d : v.deviations_as_recorded) w.text("deviation", encode(d));
    if (v.stopped_step) w.u64("stopped_step", *v.stopped_step);
    for (const auto& n : v.needs) w.text("needs", n);
    for (const auto& t : v.trace) w.text("trace", t);
    // Last: a record cut between two fields still lacks it.
    w.text("end", "");
    return w.str();
}

std::optional<Verdict> decode_verdict(const std::string& text, std::string& error) {
    auto r = record::Reader::parse(text, error);
    if (!r) return std::nullopt;
    try {
        auto status = [&](std::string_view key) {
            auto s = verdict_status_from_name(r->text(key));
            if (!s) throw record::BadField{"field " + std::string(key) + ": no such verdict"};
            return *s;
        };
        Verdict v;
        v.status = status("status");
        v.first_status = status("first_status");
        v.detail = r->text("detail");
        v.timing.oracle_ops = r->real("oracle_ops_s");
        v.timing.oracle_observe = r->real("oracle_observe_s");
        v.timing.total = r->real("total_s");
        v.slow = r->flag("slow");
        v.reproduction.runs = static_cast<unsigned>(r->u64("runs"));
        v.reproduction.reproduced = static_cast<unsigned>(r->u64("reproduced"));
        v.steps_run = r->u64("steps");
        v.observations = r->u64("observations");
        v.stopped_line = static_cast<int>(r->i64("stopped_line"));
        if (const auto* d = r->find("divergence")) v.divergence = nested_divergence(*d);
        for (auto d : r->all("deviation")) v.deviations_as_recorded.push_back(nested_divergence(d));
        if (r->has("stopped_step")) v.stopped_step = r->u64("stopped_step");
        for (auto n : r->all("needs")) v.needs.emplace_back(n);
        for (auto t : r->all("trace")) v.trace.emplace_back(t);
        if (v.status == Verdict::Status::Diverge && !v.divergence) throw record::BadField{"a divergence without one"};
        if (!r->has("end")) throw record::BadField{"the verdict is cut short (no end field)"};
        return v;
    } catch (const record::BadField& bad) {
        error = bad.what;
        return std::nullopt;
    }
}

std::string failure_signature(const std::string& divergence_kind, const std::string& rule_name,
                              const std::string& op_keyword) {
    return divergence_kind + " " + (rule_name.empty() ? "no-rule" : rule_name) + " at " + op_keyword;
}

std::string failure_signature(const Verdict& v) {
    if (!v.divergence) return verdict_status_name(v.status);
    const auto& d = *v.divergence;
    return failure_signature(divergence_kind_name(d.kind), d.rule == RuleId::Count ? "" : rule(d.rule).name,
                             d.op_text.substr(0, d.op_text.find(' ')));
}

}  // namespace slotcheck
