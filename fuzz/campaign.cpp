#include "fuzz/campaign.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "fuzz/wire.h"
#include "fuzz/worker.h"
#include "generators/stateful_sequence.h"
#include "sys/process.h"

namespace slotcheck::fuzz {

void Stats::add(const Stats& o) {
    sequences += o.sequences;
    ops += o.ops;
    failures += o.failures;
    slow += o.slow;
    flaky += o.flaky;
    generate_s += o.generate_s;
    model_s += o.model_s;
    judge_s += o.judge_s;
    oracle_ops_s += o.oracle_ops_s;
    oracle_observe_s += o.oracle_observe_s;
    census.add(o.census);
}

double grace_seconds(double seconds) { return std::max(5.0, seconds / 10); }

uint64_t sequence_seed(uint64_t campaign_seed, uint64_t index) {
    // splitmix64 of the pair: neighbouring indexes get unrelated seeds.
    uint64_t z = campaign_seed * 0x9e3779b97f4a7c15ull + index + 0x632be59bd9b4e019ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t sequence_memory_budget(const CampaignOptions& options) {
    return options.kernel_memory_budget / (options.only ? 1 : std::max(1u, options.jobs));
}

Sequence generate_sequence(const Profile& profile, uint64_t campaign_seed, uint64_t index, size_t max_ops,
                           uint64_t kernel_memory_budget) {
    gen::FuzzShape shape;
    shape.max_ops = max_ops;
    shape.kernel_memory_budget = kernel_memory_budget;
    // RapidCheck's size scales the length; cycling it mixes short sequences
    // (fast, easy to shrink) with long ones (deep states).
    const int size = static_cast<int>(10 + index % 91);
    return gen::stateful_sequence(profile, shape)(rc::Random(sequence_seed(campaign_seed, index)), size).value();
}

namespace {

struct WorkerProcess {
    ChildProcess process;  // its output is the wire (fuzz/wire.h)
    std::string buffer;
    std::string activity;  // the last Activity frame ("" when judging fresh sequences)
    bool open() const { return process.output_fd() >= 0; }
};

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

}  // namespace

CampaignResult run_campaign(const CampaignOptions& options, const std::function<void(const Progress&)>& on_progress) {
    CampaignResult result;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
    // The whole campaign, shrinking included, ends within the grace after
    // the deadline: workers start no sequence after the deadline and end
    // their shrinking before the stop; what is still running is stopped.
    // Judging one sequence (--only, the `reproduce:` command) is given the
    // time its judgement and shrinking can take instead, so a re-run can
    // show what the campaign saw.
    auto span = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
    const auto hard_stop =
        options.only ? start + 2 * longest_judgement(options.judge) +
                           span((options.shrink ? options.shrink_seconds : 0) + grace_seconds(0))
                     : deadline + span(grace_seconds(options.seconds));
    const unsigned jobs = options.only ? 1 : std::max(1u, options.jobs);

    std::vector<WorkerProcess> workers(jobs);
    // Buffered output would be inherited by every worker and written again
    // when it exits.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    SpawnOptions options_for_workers;
    options_for_workers.out = Stdio::pipe();
    for (unsigned j = 0; j < jobs; ++j) {
        workers[j].process = ChildProcess::spawn(
            [&, j](int out_fd) -> int {
                // The pipes of the workers started before this one are not its own.
                for (unsigned k = 0; k < j; ++k) ::close(workers[k].process.output_fd());
                // A worker dies of SIGINT or SIGTERM as before; the parent reports.
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                worker_main(out_fd, j, options, start, deadline, hard_stop);
            },
            options_for_workers);
        if (!workers[j].process.running()) {
            result.worker_errors.push_back(workers[j].process.wait().describe());
            break;
        }
    }

    // Kills each worker's whole group and reaps it; what it wrote before is
    // still read from its pipe below.
    auto stop_all = [&]() {
        for (auto& w : workers) w.process.kill();
    };
    auto last_progress = start;
    bool stopping = false;
    for (;;) {
        std::vector<pollfd> polls;
        std::vector<WorkerProcess*> polled;
        for (auto& w : workers)
            if (w.open()) {
                polls.push_back({w.process.output_fd(), POLLIN, 0});
                polled.push_back(&w);
            }
        if (polls.empty()) break;
        ::poll(polls.data(), polls.size(), 200);
        for (size_t i = 0; i < polls.size(); ++i) {
            WorkerProcess& w = *polled[i];
            if (!polls[i].revents) continue;
            const bool more = w.process.read_output(w.buffer);
            std::string error;
            while (auto frame = wire::take_frame(w.buffer, error)) {
                if (frame->type == wire::FrameType::Activity) {
                    w.activity = frame->payload;
                } else if (frame->type == wire::FrameType::Stats) {
                    Stats s;
                    RuleCoverage c;
                    if (wire::decode_stats(frame->payload, s, c)) {
                        result.stats.add(s);
                        result.coverage.merge(c);
                    } else {
                        result.worker_errors.push_back("unreadable statistics from a worker");
                    }
                } else if (frame->type == wire::FrameType::Finding) {
                    auto f = wire::decode_finding(frame->payload, error);
                    const bool ends_campaign = f && !f->flaky();
                    if (f)
                        result.findings.push_back(std::move(*f));
                    else
                        result.worker_errors.push_back("unreadable finding from a worker: " + error);
                    if (ends_campaign && !options.keep_going && !stopping) {
                        stopping = true;
                        stop_all();
                    }
                } else {
                    result.worker_errors.push_back(frame->payload);
                }
            }
            if (!error.empty()) result.worker_errors.push_back(error);
            if (!more) {
                const WaitStatus ended = w.process.wait();
                result.worker_peak_rss_kb = std::max(result.worker_peak_rss_kb, ended.peak_rss_kb);
                if (!ended.ok() && !stopping)
                    result.worker_errors.push_back("worker " + std::to_string(&w - workers.data()) + " " +
                                                   ended.describe());
            }
        }
        const auto now = Clock::now();
        const bool asked_to_stop = options.stop_requested && *options.stop_requested;
        if ((now > hard_stop || asked_to_stop) && !stopping) {
            stopping = true;
            result.interrupted = asked_to_stop;
            for (const auto& w : workers) result.stopped_in_flight += w.open() ? 1 : 0;
            stop_all();
        }
        if (on_progress && now - last_progress >= std::chrono::seconds(1)) {
            last_progress = now;
            Progress p{seconds_between(start, now), result.stats, &result.coverage, result.findings.size(),
                       &result.findings, {}};
            for (size_t j = 0; j < workers.size(); ++j)
                if (workers[j].open() && !workers[j].activity.empty())
                    p.activities.push_back("worker " + std::to_string(j) + ": " + workers[j].activity);
            on_progress(p);
        }
    }
    result.elapsed_s = seconds_between(start, Clock::now());
    return result;
}

}  // namespace slotcheck::fuzz
