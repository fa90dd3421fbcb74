// Fuzzing speed against a real kernel (needs /dev/kvm; `scripts/bench-in-vm
// fuzz` runs it inside qemu): in one run, the raw C ioctl loop, then
// `slotcheck fuzz` with one and with two jobs, as operations per second,
// with the share of the workers' time in generation, the model, kernel
// operations, observation (`check`) and isolation (fork, compare).
//
//   fuzz_bench [--seconds N]     (per campaign, default 20)
#include <cstdio>
#include <cstring>
#include <string>

#include "bench/raw_ioctl_loop.h"
#include "fuzz/campaign.h"
#include "harness/kernel_facts.h"
#include "model/deviation.h"
#include "seq/layout.h"

using namespace slotcheck;

int main(int argc, char** argv) {
    double seconds = 20;
    if (argc == 3 && !std::strcmp(argv[1], "--seconds")) seconds = std::stod(argv[2]);
    std::string why;
    if (!kvm_available(why)) {
        std::printf("fuzz_bench: /dev/kvm unavailable: %s\n", why.c_str());
        return 3;
    }
    const Profile profile = profile_with_baseline(gather_kernel_facts());
    const double raw = raw_ioctl_loop(2000, 64 * kPageSize);
    std::printf("raw ioctl loop: %.0f ops/s\n", raw);
    for (unsigned jobs : {1u, 2u}) {
        fuzz::CampaignOptions o;
        o.seconds = seconds;
        o.seed = 1;
        o.jobs = jobs;
        o.judge.profile = profile;
        auto r = fuzz::run_campaign(o, nullptr);
        const auto& s = r.stats;
        const double rate = s.ops / r.elapsed_s;
        const double busy = s.generate_s + s.model_s + s.judge_s;
        const double isolation = s.judge_s - s.oracle_ops_s - s.oracle_observe_s;
        std::printf(
            "fuzz, %u job(s): %.0f ops/s (%.2fx raw), %lu sequences, %lu divergences; time: generation %.0f%%, "
            "model %.0f%%, kernel ops %.0f%%, observation %.0f%%, isolation and compare %.0f%%\n",
            jobs, rate, rate / raw, static_cast<unsigned long>(s.sequences), static_cast<unsigned long>(s.failures),
            100 * s.generate_s / busy, 100 * s.model_s / busy, 100 * s.oracle_ops_s / busy,
            100 * s.oracle_observe_s / busy, 100 * isolation / busy);
    }
    return 0;
}
