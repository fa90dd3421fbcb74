#include "fuzz/worker.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <set>

#include "fuzz/shrink.h"
#include "fuzz/wire.h"
#include "replay/judging_child.h"

namespace slotcheck::fuzz {

namespace {

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

class Worker {
public:
    Worker(int fd, unsigned job, const CampaignOptions& options, Clock::time_point start, Clock::time_point deadline,
           Clock::time_point end)
        : fd_(fd), job_(job), options_(options), start_(start), deadline_(deadline), end_(end),
          last_flush_(Clock::now()), judging_(options.judge) {
        judging_.on_activity = [this](const std::string& what) { tell(what); };
        // Made here, in the worker process: each worker has a child of its own.
        if (!options.fork_per_sequence && judging_.oracle == OracleKind::Kernel)
            judging_.judging_child = make_judging_child(judging_);
    }

    // Returns the exit code of the worker process.
    int run() {
        baseline_fds_ = open_fds();
        for (uint64_t k = 0;; ++k) {
            const uint64_t index = options_.only ? *options_.only : job_ + k * options_.jobs;
            if (!options_.only && Clock::now() >= deadline_) break;
            if (!judge_one(index)) break;
            if (options_.only) break;
            if (Clock::now() - last_flush_ > std::chrono::milliseconds(250) && !flush()) return 1;
        }
        return flush() ? 0 : 1;
    }

private:
    // Judges sequence `index`; false when the worker should stop.
    bool judge_one(uint64_t index) {
        auto t0 = Clock::now();
        Sequence seq = generate_sequence(options_.judge.profile, options_.seed, index, options_.max_ops,
                                         sequence_memory_budget(options_));
        auto t1 = Clock::now();
        // The model's rule counters for coverage, from a model-only replay of
        // the whole sequence (the judged replay stops at a divergence).
        ReplayOptions counting;
        counting.check_expectations = false;
        counting.check_invariants = false;
        counting.stop_at_first = false;
        counting.mutant = options_.judge.mutant;
        coverage_.add(replay(seq, options_.judge.profile, nullptr, counting));
        if (options_.census) stats_.census.add(gen::take_census(seq, options_.judge.profile));
        auto t2 = Clock::now();
        Verdict verdict = judge(seq, judging_,
                                "fuzz seed " + std::to_string(options_.seed) + " index " + std::to_string(index));
        stats_.sequences++;
        stats_.ops += seq.steps.size();
        stats_.generate_s += seconds_between(t0, t1);
        stats_.model_s += seconds_between(t1, t2);
        stats_.judge_s += verdict.timing.total;
        stats_.oracle_ops_s += verdict.timing.oracle_ops;
        stats_.oracle_observe_s += verdict.timing.oracle_observe;
        if (verdict.slow) stats_.slow++;
        tell("");
        if (verdict.status == Verdict::Status::Flaky) return report_flaky(index, seq, verdict);
        if (!verdict.failed()) return true;
        stats_.failures++;
        const double found_after = seconds_between(start_, Clock::now());
        if (options_.keep_going && !reported_.insert(failure_signature(verdict)).second) return true;
        if (!flush()) return false;
        Finding f = finding_of(index, seq, verdict);
        f.found_after_s = found_after;
        Verdict final_verdict = verdict;
        if (options_.shrink) {
            // Shrinking ends in time for the campaign's end, keeping back
            // what judging the failing sequence took (with its re-runs): the
            // shrunk result is judged that way once more.
            const double budget = std::min(options_.shrink_seconds,
                                           seconds_between(Clock::now(), end_) - verdict.timing.total - 1.0);
            if (budget > 0) {
                ShrinkResult s = shrink_failure(seq, verdict, judging_, options_.same, budget,
                                                sequence_memory_budget(options_));
                f.shrunk = std::move(s.sequence);
                f.shrink_candidates = s.candidates;
                f.shrink_s = s.seconds;
                f.shrink_cut_short = s.cut_short && budget < options_.shrink_seconds;
                final_verdict = s.verdict;
            } else {
                f.shrink_cut_short = true;
            }
        }
        f.signature = failure_signature(final_verdict);
        f.verdict = std::move(final_verdict);
        tell("");
        if (!wire::write_frame(fd_, wire::FrameType::Finding, wire::encode_finding(f))) return false;
        return options_.keep_going;
    }

    Finding finding_of(uint64_t index, const Sequence& seq, const Verdict& verdict) const {
        Finding f;
        f.index = index;
        f.sequence_seed = sequence_seed(options_.seed, index);
        f.original = seq;
        f.shrunk = seq;
        f.verdict = verdict;
        f.signature = failure_signature(verdict);
        return f;
    }

    // A failure most re-runs did not show: counted and reported once per
    // kind of first failure, never shrunk, and the campaign goes on.
    bool report_flaky(uint64_t index, const Sequence& seq, const Verdict& verdict) {
        stats_.flaky++;
        Verdict first = verdict;
        first.status = verdict.first_status;
        if (!reported_.insert("flaky " + failure_signature(first)).second) return true;
        if (!flush()) return false;
        Finding f = finding_of(index, seq, verdict);
        f.found_after_s = seconds_between(start_, Clock::now());
        return wire::write_frame(fd_, wire::FrameType::Finding, wire::encode_finding(f));
    }

    // Sends what the worker is busy with, when it changed, at most a few
    // times a second ("" only once, when it is back to fresh sequences).
    void tell(const std::string& what) {
        const auto now = Clock::now();
        if (what == told_ || (!what.empty() && !told_.empty() && now - last_told_ < std::chrono::milliseconds(300)))
            return;
        told_ = what;
        last_told_ = now;
        wire::write_frame(fd_, wire::FrameType::Activity, what);
    }

    bool flush() {
        last_flush_ = Clock::now();
        // Every sequence runs in its own child, so the worker's own fds
        // must stay where they started; a leak is reported, once.
        if (!leak_reported_ && open_fds() > baseline_fds_ + 8) {
            leak_reported_ = true;
            wire::write_frame(fd_, wire::FrameType::Error,
                              "worker " + std::to_string(job_) + " holds " + std::to_string(open_fds()) +
                                  " fds, started with " + std::to_string(baseline_fds_));
        }
        bool ok = wire::write_frame(fd_, wire::FrameType::Stats, wire::encode_stats(stats_, coverage_));
        stats_ = {};
        coverage_ = {};
        return ok;
    }

    int fd_;
    unsigned job_;
    const CampaignOptions& options_;
    Clock::time_point start_, deadline_, end_, last_flush_, last_told_;
    JudgeOptions judging_;  // the campaign's, telling the parent what a judgement is busy with
    std::string told_;
    Stats stats_;  // since the last flush
    RuleCoverage coverage_;
    std::set<std::string> reported_;
    size_t baseline_fds_ = 0;
    bool leak_reported_ = false;

    static size_t open_fds() {
        std::error_code ec;
        size_t n = 0;
        for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
            ++n;
        return n;
    }
};

}  // namespace

void worker_main(int out_fd, unsigned job, const CampaignOptions& options, Clock::time_point start,
                 Clock::time_point deadline, Clock::time_point end) {
    // A worker never outlives the campaign.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    int code = 1;
    try {
        code = Worker(out_fd, job, options, start, deadline, end).run();
    } catch (const std::exception& e) {
        wire::write_frame(out_fd, wire::FrameType::Error, std::string("worker exception: ") + e.what());
        code = 3;
    }
    ::close(out_fd);
    _exit(code);  // no flush: stdio buffers are the parent's
}

}  // namespace slotcheck::fuzz
