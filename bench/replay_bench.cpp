// One op mix, three ways, in one run (needs /dev/kvm; `scripts/bench-in-vm`
// runs it inside qemu): a raw C ioctl loop, the KvmBackend alone, and full
// differential replay (model + backend + comparison of every outcome).
// The mix: create a one-page guest_memfd slot, punch its page, delete it.
// Target (issue 2, docs/performance.md): replay >= 0.8x the raw loop.
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "bench/raw_ioctl_loop.h"
#include "harness/kernel_facts.h"
#include "harness/kvm_backend.h"
#include "harness/kvm_uapi.h"
#include "model/differ.h"
#include "model/world.h"

using namespace slotcheck;

namespace {

constexpr int kRounds = 2000;  // 3 ops each
constexpr uint64_t kFileSize = 64 * kPageSize;

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// This process's context switches so far (voluntary + involuntary, from
// /proc/self/status): under TCG each switch reloads CR3 and drops qemu's
// software TLB, which is what the interleaving cost is suspected of.
long context_switches() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return -1;
    long total = 0;
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
        long n = 0;
        if (std::sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1 ||
            std::sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) == 1)
            total += n;
    }
    std::fclose(f);
    return total;
}

Sequence mix() {
    Sequence seq;
    const Handle vm{HandleKind::Vm, 0}, gmem{HandleKind::Gmem, 0};
    seq.steps.push_back({CreateVm{vm, 0}});
    seq.steps.push_back({CreateGmem{gmem, vm, kFileSize, 3}});
    for (int i = 0; i < kRounds; ++i) {
        SetRegion r;
        r.vm = vm;
        r.slot = 1;
        r.flags = kMemGuestMemfd;
        r.gpa = 0x100000;
        r.size = kPageSize;
        r.gmem = FdRef{FdRef::Kind::Handle, gmem};
        r.gmem_offset = (i % 64) * kPageSize;
        seq.steps.push_back({r});
        seq.steps.push_back({Fallocate{gmem, 3, (i % 64) * kPageSize, kPageSize}});
        r.size = 0;
        seq.steps.push_back({r});
    }
    return seq;
}

double backend_alone(const Sequence& seq) {
    KvmBackend b;
    b.apply(seq.steps[0].op);
    b.apply(seq.steps[1].op);
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 2; i < seq.steps.size(); ++i) b.apply(seq.steps[i].op);
    return (seq.steps.size() - 2) / seconds_since(t0);
}

// Replay cannot start after the setup the way the other two do (the model
// must see the VM and file being created), so the setup's own cost, timed
// by replaying just those two steps on a fresh backend, is taken out.
double timed_replay(const Sequence& seq, const Profile& profile, bool& agreed) {
    KvmBackend b;
    auto t0 = std::chrono::steady_clock::now();
    auto report = replay(seq, profile, &b, ReplayOptions{});
    double s = seconds_since(t0);
    agreed = report.agreed();
    return s;
}

double full_replay(const Sequence& seq, const Profile& profile, bool& agreed) {
    Sequence setup = seq;
    setup.steps.resize(2);
    bool setup_agreed = false;
    const double setup_s = timed_replay(setup, profile, setup_agreed);
    const double all_s = timed_replay(seq, profile, agreed);
    agreed = agreed && setup_agreed;
    return (seq.steps.size() - 2) / (all_s - setup_s);
}

// The backend with the model stepped beside it, no differ: whether the
// cost of replay comes from interleaving model work with kernel calls.
double backend_with_model(const Sequence& seq, const Profile& profile) {
    KvmBackend b;
    World model(profile);
    for (size_t i = 0; i < 2; ++i) {
        model.step(seq.steps[i].op);
        b.apply(seq.steps[i].op);
    }
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 2; i < seq.steps.size(); ++i) {
        model.step(seq.steps[i].op);
        b.apply(seq.steps[i].op);
    }
    return (seq.steps.size() - 2) / seconds_since(t0);
}

// The model and the differ alone, in the same process: what replay adds to
// the kernel's work, measured where the kernel runs (under TCG in qemu).
double model_only_replay(const Sequence& seq, const Profile& profile) {
    auto t0 = std::chrono::steady_clock::now();
    replay(seq, profile, nullptr, ReplayOptions{});
    return seq.steps.size() / seconds_since(t0);
}

}  // namespace

int main() {
    std::string why;
    if (!kvm_available(why)) {
        std::printf("replay_bench: /dev/kvm unavailable: %s\n", why.c_str());
        return 3;
    }
    Profile profile = profile_for_kernel(gather_kernel_facts());
    Sequence seq = mix();
    for (int round = 0; round < 3; ++round) {
        const long switches_before = context_switches();
        double raw = raw_ioctl_loop(kRounds, kFileSize);
        const long switches_raw = context_switches() - switches_before;
        double backend = backend_alone(seq);
        bool agreed = false;
        double replayed = full_replay(seq, profile, agreed);
        double model = model_only_replay(seq, profile);
        double interleaved = backend_with_model(seq, profile);
        std::printf("round %d: backend with the model stepped beside it %.0f ops/s (%.2fx)\n", round, interleaved,
                    interleaved / raw);
        std::printf("round %d: raw loop: %.2f context switches per op\n", round,
                    static_cast<double>(switches_raw) / (3.0 * kRounds));
        std::printf("round %d: raw loop %.0f ops/s, backend %.0f ops/s (%.2fx), replay %.0f ops/s (%.2fx)%s; "
                    "model and differ alone %.0f ops/s (%.1f us/op)\n",
                    round, raw, backend, backend / raw, replayed, replayed / raw, agreed ? "" : "  [DIVERGED]", model,
                    1e6 / model);
    }
    return 0;
}
