// Deviation probes: each behaviour that no capability reports and that a
// kernel build may have other than its release (the binding code, F5) is
// asked of the kernel with a short sequence in the project's own language,
// run on the kernel in a scratch VM and on the model. The outcome of the
// probed step says whether the kernel behaves as the profile's release, as
// the release with that one variant flipped, or neither. The judging is pure
// (the kernel arrives as a KernelRunner), so tests give it a scripted kernel;
// harness/deviation_runner.h runs the sequences on /dev/kvm.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"
#include "seq/executor.h"
#include "seq/outcome.h"
#include "seq/sequence.h"

namespace slotcheck {

struct DeviationProbe {
    const char* variant;  // the one variant this probe tells on from off
    const char* asks;     // one line: what the probed step asks
    // A variant whose value changes what this probe can tell (the check
    // order shows only where an overlap is EEXIST): probed first, and this
    // probe is not measurable unless it got an answer.
    const char* needs;
    // The sequence on a VM of type `vm_type`; its last step is the probed one.
    std::string (*text)(uint64_t vm_type);
};
// In the order they run.
const std::vector<DeviationProbe>& deviation_probes();
bool is_probed_variant(const std::string& variant);

// The kernel's answers to a sequence: one outcome per step, or why it could
// not run at all (`failure`, e.g. "the probe child crashed: SIGSEGV").
struct KernelAnswers {
    std::vector<Outcome> outcomes;
    std::string failure;
};
using KernelRunner = std::function<KernelAnswers(const Sequence&)>;
// Every step of `seq` on `executor` (no `check` steps).
KernelAnswers run_on(Executor& executor, const Sequence& seq);

struct ProbeResult {
    enum class Status : uint8_t { AsRelease, Deviation, Unexplained, NotMeasurable };
    std::string variant;
    Status status = Status::NotMeasurable;
    bool kernel_value = false;  // AsRelease or Deviation: the variant's value on this kernel
    std::string reason;         // NotMeasurable: why, exactly
    // The probe as it ran: each step expects the profile's outcome, and the
    // probed step carries the kernel's as `!kernel:` where they differ.
    Sequence shown;
    std::optional<Outcome> kernel, profile;  // the probed step's outcomes, where it ran
    std::string probed_op;                   // the probed step in the sequence language
    // "as release", "deviation: variant X=on", "deviation: unexplained",
    // "not measurable: REASON".
    std::string verdict() const;
};

// The VM type the probes run on: a default VM where `context` lets it bind
// guest_memfd (6.18+), type 1 where software-protected VMs exist; nullopt
// with `why` saying exactly why neither can.
std::optional<uint64_t> probe_vm_type(const Profile& context, std::string& why);

// Runs every probe against `profile` (the release's behaviours, before any
// deviation is adopted). `kernel_profile` is the kernel's own profile
// (profile_for_kernel): each probe runs in its context, so that only the
// probed variant can differ (the VM type that binds, the largest gfn, and the
// answers of earlier probes are the kernel's). For a detected profile both
// are the same profile.
std::vector<ProbeResult> run_deviation_probes(const Profile& profile, const Profile& kernel_profile,
                                              const KernelRunner& kernel);

}  // namespace slotcheck
