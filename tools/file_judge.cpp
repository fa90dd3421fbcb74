#include "tools/file_judge.h"

#include "harness/isolation.h"
#include "harness/kvm_backend.h"

namespace slotcheck::cli {

FileResult replay_file(const std::string& file, const StepSource& steps, const std::optional<PointFinder::Last>& point,
                       const Profile& profile, Executor* kernel, ReplayOptions options, bool trace) {
    PointWatch watch(profile, point);
    options.on_step = [&](const Step& step, const StepRecord& rec) { watch.see(step, rec); };
    if (!trace) options.keep_steps = 0;  // nothing else prints them
    const ReplayReport report = replay(steps, profile, kernel, options);
    if (const auto unread = steps.error()) {
        FileResult failed;
        failed.file = file;
        failed.verdict = "error";
        FileResult::Finding f;
        f.kind = "error";
        f.line = unread->line;
        f.summary = "the file could not be read again after it was checked: " + unread->to_string();
        failed.findings.push_back(f);
        return failed;
    }
    return from_report(file, report, watch.reach(report.steps_run), trace);
}

FileResult run_file_isolated(const std::string& file, const StepSource& steps,
                             const std::optional<PointFinder::Last>& point, const Profile& profile,
                             const ReplayOptions& options, bool trace, std::chrono::milliseconds limit,
                             const JudgeOptions& judging) {
    auto isolated = run_isolated(
        [&]() {
            std::unique_ptr<Executor> kernel =
                judging.make_kernel ? judging.make_kernel() : std::make_unique<KvmBackend>();
            return serialize(replay_file(file, steps, point, profile, kernel.get(), options, trace));
        },
        limit);
    std::optional<FileResult> r;
    if (isolated.status == IsolatedResult::Status::Ok) r = deserialize(isolated.output);
    if (r) return *r;
    FileResult failed;
    failed.file = file;
    failed.verdict = isolated.status == IsolatedResult::Status::TimedOut ? "timeout" : "crashed";
    FileResult::Finding f;
    f.kind = failed.verdict;
    f.summary = "the replay child " + isolated.describe();
    failed.findings.push_back(f);
    return failed;
}

std::string file_signature(const FileResult& r) {
    if (r.findings.empty()) return r.verdict;
    const auto& f = r.findings.front();
    return r.verdict + " " + failure_signature(f.kind, f.rule, f.op.substr(0, f.op.find(' ')));
}

FileResult judge_file(const std::function<FileResult(std::chrono::milliseconds)>& attempt,
                      const JudgeOptions& judging) {
    // The same confirmation and reruns as judge(), over a file's result.
    auto one_run = [&]() {
        FileResult first = attempt(judging.timeout);
        if (first.verdict != "timeout" || !judging.confirm_timeouts) return first;
        FileResult again = attempt(kTimeoutRetryFactor * judging.timeout);
        if (again.verdict == "timeout" && !again.findings.empty())
            again.findings.front().summary +=
                ", and before that after " + std::to_string(judging.timeout.count()) + " ms";
        return again;
    };
    FileResult r = one_run();
    if (!r.diverged() || judging.runs <= 1) return r;
    const std::string signature = file_signature(r);
    r.reproduction = reproduce(judging.runs, [&]() {
        FileResult again = one_run();
        return again.diverged() && file_signature(again) == signature;
    });
    if (r.reproduction.stands()) return r;
    if (!r.findings.empty())
        r.findings.front().summary = r.verdict + " in " + std::to_string(r.reproduction.reproduced) + " of " +
                                     std::to_string(r.reproduction.runs) + " runs: " + r.findings.front().summary;
    r.verdict = "flaky";
    return r;
}

}  // namespace slotcheck::cli
