#include "replay/sequence_oracle.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "harness/event_log.h"
#include "harness/isolation.h"
#include "harness/kvm_backend.h"
#include "replay/judging_child.h"
#include "model/world.h"
#include "seq/text_scan.h"

namespace slotcheck {

std::string oracle_kind_name(OracleKind k) { return k == OracleKind::Kernel ? "kernel" : "model"; }

std::string verdict_status_name(Verdict::Status s) {
    switch (s) {
    case Verdict::Status::Agree: return "agree";
    case Verdict::Status::Diverge: return "diverge";
    case Verdict::Status::Crashed: return "crashed";
    case Verdict::Status::TimedOut: return "timeout";
    case Verdict::Status::Flaky: return "flaky";
    }
    return "?";
}

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

std::string trimmed(const std::string& s) {
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The first divergence travels from the replay child as lines of
// "key value"; outcomes in their sequence-file text form.
std::string serialize(const Divergence& d) {
    std::ostringstream o;
    o << "kind " << static_cast<int>(d.kind) << "\nstep " << d.step << "\nline " << d.line << "\nrule "
      << static_cast<int>(d.rule) << "\nmodel " << to_string(d.model) << "\nother " << to_string(d.other) << "\n";
    for (size_t i = 0; i < d.model_view.size() && i < d.kernel_view.size(); ++i) {
        const auto& m = d.model_view[i];
        o << "view " << (m.where == Observation::Where::Guest ? 'g' : 'h') << " " << static_cast<int>(m.handle.kind)
          << " " << m.handle.index << " " << m.address << " " << to_string(m.outcome) << "|"
          << to_string(d.kernel_view[i].outcome) << "\n";
    }
    if (d.recorded) o << "recorded " << to_string(*d.recorded) << "\n";
    if (d.named_rule) o << "named " << static_cast<int>(*d.named_rule) << "\n";
    for (const auto& p : d.invariant_problems) o << "problem " << p << "\n";
    return o.str();
}

std::optional<Divergence> deserialize(const std::string& text) {
    Divergence d;
    std::istringstream in(text);
    std::string line, error;
    bool saw_kind = false;
    auto outcome = [&](const std::string& s) {
        auto o = parse_outcome(s, error);
        return o ? *o : Outcome::error(0);
    };
    while (std::getline(in, line)) {
        auto space = line.find(' ');
        if (space == std::string::npos) return std::nullopt;
        std::string key = line.substr(0, space), value = line.substr(space + 1);
        if (key == "kind") {
            d.kind = static_cast<Divergence::Kind>(std::stoi(value));
            saw_kind = true;
        } else if (key == "step") {
            d.step = std::stoull(value);
        } else if (key == "line") {
            d.line = std::stoi(value);
        } else if (key == "rule") {
            d.rule = static_cast<RuleId>(std::stoi(value));
        } else if (key == "model") {
            d.model = outcome(value);
        } else if (key == "other") {
            d.other = outcome(value);
        } else if (key == "recorded") {
            d.recorded = outcome(value);
        } else if (key == "named") {
            d.named_rule = static_cast<RuleId>(std::stoi(value));
        } else if (key == "problem") {
            d.invariant_problems.push_back(value);
        } else if (key == "view") {
            std::istringstream v(value);
            char where = 0;
            int kind = 0;
            Observation m, k;
            v >> where >> kind >> m.handle.index >> m.address;
            std::string rest;
            std::getline(v, rest);
            auto bar = rest.find('|');
            if (bar == std::string::npos) return std::nullopt;
            m.where = where == 'g' ? Observation::Where::Guest : Observation::Where::Host;
            m.handle.kind = static_cast<HandleKind>(kind);
            k = m;
            m.outcome = outcome(trimmed(rest.substr(0, bar)));
            k.outcome = outcome(trimmed(rest.substr(bar + 1)));
            d.model_view.push_back(m);
            d.kernel_view.push_back(k);
        }
    }
    if (!saw_kind) return std::nullopt;
    return d;
}

// Measures the time an executor spends in its operations and observations.
class TimedExecutor : public Executor {
public:
    explicit TimedExecutor(Executor& inner) : inner_(inner) {}
    Outcome apply(const Op& op) override {
        auto t0 = Clock::now();
        Outcome o = inner_.apply(op);
        timing.oracle_ops += seconds_since(t0);
        return o;
    }
    std::vector<Observation> observe(const std::vector<ObservationRequest>& requests) override {
        auto t0 = Clock::now();
        auto o = inner_.observe(requests);
        timing.oracle_observe += seconds_since(t0);
        return o;
    }
    JudgeTiming timing;

private:
    using Clock = std::chrono::steady_clock;
    static double seconds_since(Clock::time_point t0) {
        return std::chrono::duration<double>(Clock::now() - t0).count();
    }
    Executor& inner_;
};

ReplayOptions replay_options(const JudgeOptions& options) {
    ReplayOptions r;
    r.check_expectations = options.check_expectations;
    r.check_invariants = options.check_invariants;
    r.stop_at_first = true;
    r.mutant = options.mutant;
    return r;
}

Verdict from_report(const Sequence& seq, ReplayReport report) {
    Verdict v;
    if (report.divergences.empty()) return v;
    v.status = Verdict::Status::Diverge;
    v.divergence = std::move(report.divergences.front());
    if (v.divergence->step < seq.steps.size()) v.divergence->op_text = print_op(seq.steps[v.divergence->step].op);
    v.detail = v.divergence->summary();
    return v;
}

}  // namespace

static Verdict judge_once(const Sequence& seq, const JudgeOptions& options, std::chrono::milliseconds limit) {
    const ReplayOptions replay_opts = replay_options(options);
    if (options.oracle == OracleKind::Model) {
        World reference(options.profile);
        TimedExecutor timed(reference);
        Verdict v = from_report(seq, replay(seq, options.profile, &timed, replay_opts));
        v.timing = timed.timing;
        // The other side is the reference model here, not a kernel: say so.
        for (auto pos = v.detail.find(", kernel "); pos != std::string::npos; pos = v.detail.find(", kernel ", pos))
            v.detail.replace(pos, 9, ", reference model ");
        return v;
    }
    const IsolatedResult child =
        options.judging_child ? options.judging_child->run(seq, options, limit)
                              : run_isolated([&]() { return kernel_run_report(seq, options); }, limit);
    return verdict_of_child(seq, child);
}

std::string kernel_run_report(const Sequence& seq, const JudgeOptions& options) {
    std::unique_ptr<Executor> kernel = options.make_kernel ? options.make_kernel() : std::make_unique<KvmBackend>();
    TimedExecutor timed(*kernel);
    auto report = replay(seq, options.profile, &timed, replay_options(options));
    std::ostringstream o;
    o << "time " << timed.timing.oracle_ops << " " << timed.timing.oracle_observe << "\n";
    if (!report.divergences.empty()) o << serialize(report.divergences.front());
    return o.str();
}

Verdict verdict_of_child(const Sequence& seq, const IsolatedResult& isolated) {
    Verdict v;
    switch (isolated.status) {
    case IsolatedResult::Status::Ok: {
        std::istringstream first_line(isolated.output.substr(0, isolated.output.find('\n')));
        std::string word;
        JudgeTiming timing;
        first_line >> word >> timing.oracle_ops >> timing.oracle_observe;
        const std::string rest =
            isolated.output.find('\n') == std::string::npos ? "" : isolated.output.substr(isolated.output.find('\n') + 1);
        v.timing = timing;
        if (rest.empty()) return v;
        ReplayReport report;
        std::optional<Divergence> d;
        try {
            d = deserialize(rest);
        } catch (const std::exception&) {  // std::stoi on a garbled line
        }
        if (!d) {
            v.status = Verdict::Status::Crashed;
            v.detail = "the replay child sent an unreadable report";
            return v;
        }
        report.divergences.push_back(std::move(*d));
        Verdict diverged = from_report(seq, std::move(report));
        diverged.timing = timing;
        return diverged;
    }
    case IsolatedResult::Status::TimedOut:
        v.status = Verdict::Status::TimedOut;
        break;
    default:
        v.status = Verdict::Status::Crashed;
        break;
    }
    v.detail = "the replay child " + isolated.describe();
    return v;
}

Verdict judge(const Sequence& seq, const JudgeOptions& options, std::string_view label) {
    auto t0 = std::chrono::steady_clock::now();
    const bool logged = options.events && options.oracle == OracleKind::Kernel;
    const std::string id = logged ? options.events->begin_sequence(label, seq) : std::string();
    // (The model oracle never times out, so only the kernel's runs are ever retried.)
    auto tell = [&](const std::string& what) {
        if (options.on_activity) options.on_activity(what);
    };
    auto one_judgement = [&]() {
        return judge_confirming_timeouts(
            [&](std::chrono::milliseconds limit) {
                if (limit > options.timeout)
                    tell("re-running a slow sequence for " + std::to_string(limit.count() / 1000) + " s");
                return judge_once(seq, options, limit);
            },
            options.timeout, options.confirm_timeouts);
    };
    unsigned run = 1;
    Verdict v = confirm_by_reruns(seq, one_judgement(), options.runs, [&]() {
        tell("re-running a failure, run " + std::to_string(++run) + " of " + std::to_string(options.runs));
        return one_judgement();
    });
    if (logged) options.events->end_sequence(id, verdict_status_name(v.status));
    v.timing.total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return v;
}

Verdict judge_confirming_timeouts(const std::function<Verdict(std::chrono::milliseconds)>& attempt,
                                  std::chrono::milliseconds limit, bool confirm) {
    Verdict first = attempt(limit);
    if (first.status != Verdict::Status::TimedOut || !confirm) return first;
    Verdict again = attempt(kTimeoutRetryFactor * limit);
    again.timing.oracle_ops += first.timing.oracle_ops;
    again.timing.oracle_observe += first.timing.oracle_observe;
    if (again.status == Verdict::Status::TimedOut) {
        again.detail = first.detail + ", and again after " + std::to_string((kTimeoutRetryFactor * limit).count()) +
                       " ms";
        return again;
    }
    again.slow = true;
    return again;
}

Verdict confirm_by_reruns(const Sequence& seq, Verdict first, unsigned runs, const std::function<Verdict()>& rerun) {
    if (!first.failed() || runs <= 1) return first;
    const std::string signature = failure_signature(seq, first);
    first.reproduction = reproduce(runs, [&]() {
        Verdict again = rerun();
        first.timing.oracle_ops += again.timing.oracle_ops;
        first.timing.oracle_observe += again.timing.oracle_observe;
        first.slow = first.slow || again.slow;
        return again.failed() && failure_signature(seq, again) == signature;
    });
    if (!first.reproduction.stands()) {
        first.first_status = first.status;
        first.status = Verdict::Status::Flaky;
        first.detail = verdict_status_name(first.first_status) + " in " +
                       std::to_string(first.reproduction.reproduced) + " of " +
                       std::to_string(first.reproduction.runs) + " runs: " + first.detail;
    }
    return first;
}

std::chrono::milliseconds longest_judgement(const JudgeOptions& options) {
    const auto one = options.confirm_timeouts ? (1 + kTimeoutRetryFactor) * options.timeout : options.timeout;
    return std::max(1u, options.runs) * one;
}

std::optional<Sameness> sameness_from_name(const std::string& name) {
    if (name == "any") return Sameness::Any;
    if (name == "op") return Sameness::Op;
    if (name == "rule") return Sameness::Rule;
    return std::nullopt;
}

namespace {

// The operation kind at the diverging step ("" when there is none).
std::string diverging_op(const Sequence& seq, const Verdict& v) {
    if (!v.divergence || v.divergence->step >= seq.steps.size()) return "";
    return op_keyword(seq.steps[v.divergence->step].op);
}

}  // namespace

bool same_failure(const Sequence& seq_a, const Verdict& a, const Sequence& seq_b, const Verdict& b, Sameness how) {
    if (!a.failed() || !b.failed()) return false;
    if (how == Sameness::Any) return true;
    if (a.status != b.status) return false;
    // A crash or a hang has no step the parent can name.
    if (!a.divergence || !b.divergence) return a.divergence.has_value() == b.divergence.has_value();
    if (a.divergence->kind != b.divergence->kind) return false;
    if (diverging_op(seq_a, a) != diverging_op(seq_b, b)) return false;
    return how == Sameness::Op || a.divergence->rule == b.divergence->rule;
}

std::string failure_signature(const std::string& divergence_kind, const std::string& rule_name,
                              const std::string& op_keyword) {
    return divergence_kind + " " + (rule_name.empty() ? "no-rule" : rule_name) + " at " + op_keyword;
}

std::string failure_signature(const Sequence& seq, const Verdict& v) {
    if (!v.divergence) return verdict_status_name(v.status);
    const auto& d = *v.divergence;
    return failure_signature(divergence_kind_name(d.kind), d.rule == RuleId::Count ? "" : rule(d.rule).name,
                             diverging_op(seq, v));
}

}  // namespace slotcheck
