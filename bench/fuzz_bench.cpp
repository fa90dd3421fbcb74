// Fuzzing speed against a real kernel (needs /dev/kvm; `scripts/bench-in-vm
// fuzz` runs it inside qemu): in one run, the raw C ioctl loop, then
// `slotcheck fuzz` with one and with two jobs, as operations per second,
// with the share of the workers' time in generation, the model, kernel
// operations, observation (`check`) and isolation (fork, compare). Then one
// job judging through a fork per sequence beside one job judging through
// its long-lived child (replay/judging_child.h), same seed, and a check
// that both ways give the same verdict on a fixed set of sequences.
//
//   fuzz_bench [--seconds N] [--model-kernel]
//
// --model-kernel judges against the reference model standing in for the
// kernel, still in the isolated child: no /dev/kvm needed, and what it
// measures is the isolation itself (fork per sequence or child loop).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/raw_ioctl_loop.h"
#include "fuzz/campaign.h"
#include "harness/kernel_facts.h"
#include "harness/kvm_backend.h"
#include "model/deviation.h"
#include "model/world.h"
#include "replay/differ.h"
#include "replay/judging_child.h"
#include "seq/layout.h"

using namespace slotcheck;

namespace {

constexpr uint64_t kSeed = 1;
constexpr size_t kMaxOps = 64;
constexpr uint64_t kVerdictSequences = 100;

fuzz::CampaignResult campaign(const JudgeOptions& judge, double seconds, unsigned jobs, bool fork_per_sequence) {
    fuzz::CampaignOptions o;
    o.seconds = seconds;
    o.seed = kSeed;
    o.jobs = jobs;
    o.max_ops = kMaxOps;
    o.judge = judge;
    o.fork_per_sequence = fork_per_sequence;
    return fuzz::run_campaign(o, nullptr);
}

// Judges sequences 0..kVerdictSequences-1 of the bench's seed both ways;
// returns how many verdicts (status and failure signature) differ.
unsigned verdicts_differing(const JudgeOptions& judge, unsigned& failing) {
    JudgeOptions forked = judge, served = judge;
    served.judging_child = make_judging_child(judge);
    fuzz::CampaignOptions one_job;  // the sequences a one-job campaign judges
    one_job.jobs = 1;
    const uint64_t budget = fuzz::sequence_memory_budget(one_job);
    unsigned differing = 0;
    failing = 0;
    for (uint64_t index = 0; index < kVerdictSequences; ++index) {
        const Sequence seq = fuzz::generate_sequence(judge.profile, kSeed, index, kMaxOps, budget);
        const Verdict a = slotcheck::judge(seq, forked), b = slotcheck::judge(seq, served);
        if (a.failed()) ++failing;
        if (a.status != b.status || failure_signature(a) != failure_signature(b)) {
            ++differing;
            std::printf("  index %lu: fork per sequence %s, judging child %s\n", static_cast<unsigned long>(index),
                        failure_signature(a).c_str(), failure_signature(b).c_str());
        }
    }
    return differing;
}

// Where one judged sequence's time goes apart from its operations, in this
// process (no child): making the executor, replaying the sequence on it
// (the model beside it and the comparison included), tearing it down
// (for KvmBackend: closing its VMs, vCPUs, guest_memfds and mappings), and
// one fork of this process with its exit and reaping, the cost the judging
// child saves per run.
void print_breakdown(const JudgeOptions& judge) {
    using Clock = std::chrono::steady_clock;
    auto seconds = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
    fuzz::CampaignOptions one_job;
    one_job.jobs = 1;
    const uint64_t budget = fuzz::sequence_memory_budget(one_job);
    ReplayOptions replaying;
    replaying.check_expectations = false;
    replaying.stop_at_first = true;
    double make = 0, run = 0, teardown = 0;
    constexpr uint64_t kSequences = 50;
    for (uint64_t index = 0; index < kSequences; ++index) {
        const Sequence seq = fuzz::generate_sequence(judge.profile, kSeed, index, kMaxOps, budget);
        const auto t0 = Clock::now();
        auto executor = judge.make_kernel ? judge.make_kernel() : std::make_unique<KvmBackend>();
        const auto t1 = Clock::now();
        replay(seq, judge.profile, executor.get(), replaying);
        const auto t2 = Clock::now();
        executor.reset();
        const auto t3 = Clock::now();
        make += seconds(t0, t1);
        run += seconds(t1, t2);
        teardown += seconds(t2, t3);
    }
    double fork_s = 0;
    constexpr int kForks = 50;
    for (int i = 0; i < kForks; ++i) {
        const auto t0 = Clock::now();
        const pid_t pid = fork();
        if (pid == 0) _exit(0);
        int status = 0;
        waitpid(pid, &status, 0);
        fork_s += seconds(t0, Clock::now());
    }
    std::printf("per sequence, in-process (%lu sequences): executor made %.2f ms, replayed %.2f ms, torn down %.2f ms; "
                "a fork, exit and wait of this process %.2f ms\n",
                static_cast<unsigned long>(kSequences), 1000 * make / kSequences, 1000 * run / kSequences,
                1000 * teardown / kSequences, 1000 * fork_s / kForks);
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 20;
    bool model_kernel = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = std::stod(argv[++i]);
        } else if (!std::strcmp(argv[i], "--model-kernel")) {
            model_kernel = true;
        } else {
            std::fprintf(stderr, "usage: fuzz_bench [--seconds N] [--model-kernel]\n");
            return 2;
        }
    }
    JudgeOptions judge;
    if (model_kernel) {
        judge.profile = upstream_profile();
        judge.make_kernel = [profile = judge.profile]() -> std::unique_ptr<Executor> {
            return std::make_unique<World>(profile);
        };
        std::printf("kernel: the reference model in the isolated child (--model-kernel)\n");
    } else {
        std::string why;
        if (!kvm_available(why)) {
            std::printf("fuzz_bench: /dev/kvm unavailable: %s\n", why.c_str());
            return 3;
        }
        judge.profile = profile_with_baseline(gather_kernel_facts());
    }
    const double raw = model_kernel ? 0 : raw_ioctl_loop(2000, 64 * kPageSize);
    if (!model_kernel) std::printf("raw ioctl loop: %.0f ops/s\n", raw);
    for (unsigned jobs : {1u, 2u}) {
        auto r = campaign(judge, seconds, jobs, false);
        const auto& s = r.stats;
        const double rate = s.ops / r.elapsed_s;
        const double busy = s.generate_s + s.model_s + s.judge_s;
        const double isolation = s.judge_s - s.oracle_ops_s - s.oracle_observe_s;
        std::printf(
            "fuzz, %u job(s): %.0f ops/s (%.2fx raw), %lu sequences, %lu divergences; time: generation %.0f%%, "
            "model %.0f%%, kernel ops %.0f%%, observation %.0f%%, isolation and compare %.0f%%\n",
            jobs, rate, raw > 0 ? rate / raw : 0.0, static_cast<unsigned long>(s.sequences),
            static_cast<unsigned long>(s.failures), 100 * s.generate_s / busy, 100 * s.model_s / busy,
            100 * s.oracle_ops_s / busy, 100 * s.oracle_observe_s / busy, 100 * isolation / busy);
    }

    // Old and new side by side: one job, the same seed, the same time.
    double seq_rate[2] = {0, 0};
    for (bool fork_per_sequence : {true, false}) {
        auto r = campaign(judge, seconds, 1, fork_per_sequence);
        const auto& s = r.stats;
        const double busy = s.generate_s + s.model_s + s.judge_s;
        const double isolation = s.judge_s - s.oracle_ops_s - s.oracle_observe_s;
        seq_rate[fork_per_sequence ? 0 : 1] = s.sequences / r.elapsed_s;
        std::printf("1 job, %-17s: %.1f sequences/s, %.0f ops/s, %lu sequences, %lu failures, isolation and compare %.0f%%\n",
                    fork_per_sequence ? "fork per sequence" : "judging child", s.sequences / r.elapsed_s,
                    s.ops / r.elapsed_s, static_cast<unsigned long>(s.sequences),
                    static_cast<unsigned long>(s.failures), 100 * isolation / busy);
    }
    std::printf("judging child / fork per sequence: %.2fx sequences/s per worker\n",
                seq_rate[0] > 0 ? seq_rate[1] / seq_rate[0] : 0.0);
    print_breakdown(judge);
    unsigned failing = 0;
    const unsigned differing = verdicts_differing(judge, failing);
    std::printf("verdicts on sequences 0..%lu of seed %lu, both ways: %s (%u differ; %u failing)\n",
                static_cast<unsigned long>(kVerdictSequences - 1), static_cast<unsigned long>(kSeed),
                differing == 0 ? "the same" : "DIFFERENT", differing, failing);
    return differing == 0 ? 0 : 1;
}
