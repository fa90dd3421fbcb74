#include "replay/sequence_oracle.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "harness/event_log.h"
#include "harness/isolation.h"
#include "harness/kvm_backend.h"
#include "model/world.h"
#include "replay/judging_child.h"
#include "seq/text_scan.h"

namespace slotcheck {

std::string oracle_kind_name(OracleKind k) {
    switch (k) {
    case OracleKind::Kernel: return "kernel";
    case OracleKind::Model: return "model";
    case OracleKind::None: return "none";
    }
    return "?";
}

namespace {

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

ReplayOptions replay_options(const JudgeOptions& options, bool trace) {
    ReplayOptions r;
    r.check_expectations = options.check_expectations;
    r.check_invariants = options.check_invariants;
    r.stop_at_first = true;
    r.mutant = options.mutant;
    // The verdict needs no step records; a trace needs them all.
    if (!trace) r.keep_steps = 0;
    return r;
}

std::string trace_line(const StepRecord& s) {
    std::ostringstream o;
    o << "step " << s.index + 1 << ": " << print_op(s.op) << "  model " << to_string(s.model);
    if (s.rule != RuleId::Count) o << " [" << rule(s.rule).name << "]";
    if (s.kernel)
        o << "  kernel "
          << (std::holds_alternative<Check>(s.op) ? (s.kernel->kind == Outcome::Kind::Ok ? "same view" : "view differs")
                                                  : to_string(*s.kernel));
    if (s.expected) o << "  expected " << to_string(*s.expected);
    return o.str();
}

// One replay of the steps against `oracle` (nullptr: the model alone), as a
// verdict: the first divergence, else whether the file's point was reached.
Verdict replay_verdict(const StepSource& steps, const JudgeOptions& options, const FileJudging& file,
                       Executor* oracle) {
    std::optional<TimedExecutor> timed;
    if (oracle) timed.emplace(*oracle);
    ReplayOptions replay_opts = replay_options(options, file.trace);
    std::optional<PointWatch> watch;
    if (file.point) {
        watch.emplace(options.profile, file.point);
        replay_opts.on_step = [&](const Step& step, const StepRecord& rec) { watch->see(step, rec); };
    }
    ReplayReport report = replay(steps, options.profile, timed ? &*timed : nullptr, replay_opts);
    Verdict v;
    if (timed) v.timing = timed->timing;
    if (const auto unread = steps.error()) {
        v.status = Verdict::Status::Error;
        v.stopped_line = unread->line;
        v.detail = "the file could not be read again after it was checked: " + unread->to_string();
        return v;
    }
    v.steps_run = report.steps_run;
    v.observations = report.observations_compared;
    v.deviations_as_recorded = std::move(report.deviations_as_recorded);
    if (file.trace)
        for (const auto& s : report.steps) v.trace.push_back(trace_line(s));
    if (!report.divergences.empty()) {
        v.status = Verdict::Status::Diverge;
        v.divergence = std::move(report.divergences.front());
        v.detail = v.divergence->summary();
        return v;
    }
    if (watch) {
        const PointReach reach = watch->reach(report.steps_run);
        if (!reach.reached) {
            v.status = Verdict::Status::NotReached;
            v.stopped_step = reach.blocked_at.value_or(0);
            v.stopped_line = reach.blocked_line;
            v.detail = reach.why;
        }
    }
    return v;
}

}  // namespace

// `seq`: the steps' sequence when they are one in memory (a judging child
// is sent its text), nullptr for a file read a step at a time.
static Verdict judge_once(const StepSource& steps, const Sequence* seq, const JudgeOptions& options,
                          const FileJudging& file, std::chrono::milliseconds limit) {
    if (options.oracle == OracleKind::None) return replay_verdict(steps, options, file, nullptr);
    if (options.oracle == OracleKind::Model) {
        World reference(options.profile);
        Verdict v = replay_verdict(steps, options, file, &reference);
        // The other side is the reference model here, not a kernel: say so.
        for (auto pos = v.detail.find(", kernel "); pos != std::string::npos; pos = v.detail.find(", kernel ", pos))
            v.detail.replace(pos, 9, ", reference model ");
        return v;
    }
    const IsolatedResult child =
        options.judging_child && seq
            ? options.judging_child->run(*seq, options, limit)
            : run_isolated([&]() { return kernel_run_report(steps, options, file); }, limit);
    return verdict_of_child(child);
}

std::string kernel_run_report(const StepSource& steps, const JudgeOptions& options, const FileJudging& file) {
    std::unique_ptr<Executor> kernel = options.make_kernel ? options.make_kernel() : std::make_unique<KvmBackend>();
    return encode(replay_verdict(steps, options, file, kernel.get()));
}

Verdict verdict_of_child(const IsolatedResult& isolated) {
    Verdict v;
    switch (isolated.status) {
    case IsolatedResult::Status::Ok: {
        std::string error;
        if (auto decoded = decode_verdict(isolated.output, error)) return *decoded;
        v.status = Verdict::Status::Crashed;
        v.detail = "the replay child sent an unreadable report (" + error + ")";
        return v;
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

// Every judgement: a timeout confirmed with a longer limit, a failure
// re-run until most runs agree on it.
static Verdict judge_steps(const StepSource& steps, const Sequence* seq, const JudgeOptions& options,
                           const FileJudging& file) {
    auto t0 = std::chrono::steady_clock::now();
    // (Only a kernel's runs ever time out, so only they are ever retried.)
    auto tell = [&](const std::string& what) {
        if (options.on_activity) options.on_activity(what);
    };
    auto one_judgement = [&]() {
        return judge_confirming_timeouts(
            [&](std::chrono::milliseconds limit) {
                if (limit > options.timeout)
                    tell("re-running a slow sequence for " + std::to_string(limit.count() / 1000) + " s");
                return judge_once(steps, seq, options, file, limit);
            },
            options.timeout, options.confirm_timeouts);
    };
    unsigned run = 1;
    Verdict v = confirm_by_reruns(one_judgement(), options.runs, [&]() {
        tell("re-running a failure, run " + std::to_string(++run) + " of " + std::to_string(options.runs));
        return one_judgement();
    });
    v.timing.total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return v;
}

Verdict judge(const StepSource& steps, const JudgeOptions& options, const FileJudging& file) {
    return judge_steps(steps, nullptr, options, file);
}

Verdict judge(const Sequence& seq, const JudgeOptions& options, std::string_view label) {
    const bool logged = options.events && options.oracle == OracleKind::Kernel;
    const std::string id = logged ? options.events->begin_sequence(label, seq) : std::string();
    Verdict v = judge_steps(SequenceSteps(seq), &seq, options, FileJudging{});
    if (logged) options.events->end_sequence(id, verdict_status_name(v.status), encode(v));
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

Verdict confirm_by_reruns(Verdict first, unsigned runs, const std::function<Verdict()>& rerun) {
    if (!first.failed() || runs <= 1) return first;
    const std::string signature = failure_signature(first);
    first.reproduction = reproduce(runs, [&]() {
        Verdict again = rerun();
        first.timing.oracle_ops += again.timing.oracle_ops;
        first.timing.oracle_observe += again.timing.oracle_observe;
        first.slow = first.slow || again.slow;
        return again.failed() && failure_signature(again) == signature;
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
std::string diverging_op(const Verdict& v) {
    if (!v.divergence) return "";
    return v.divergence->op_text.substr(0, v.divergence->op_text.find(' '));
}

}  // namespace

bool same_failure(const Verdict& a, const Verdict& b, Sameness how) {
    if (!a.failed() || !b.failed()) return false;
    if (how == Sameness::Any) return true;
    if (a.status != b.status) return false;
    // A crash or a hang has no step the parent can name.
    if (!a.divergence || !b.divergence) return a.divergence.has_value() == b.divergence.has_value();
    if (a.divergence->kind != b.divergence->kind) return false;
    if (diverging_op(a) != diverging_op(b)) return false;
    return how == Sameness::Op || a.divergence->rule == b.divergence->rule;
}

}  // namespace slotcheck
