// `slotcheck minimize --vm KERNEL`: each candidate is replayed in a fresh VM
// booted with the kernel under test, so a candidate that crashes the kernel
// costs one throwaway VM. A candidate "still fails" when it brings back the
// same failure as the input: the same kernel report title (a WARNING, BUG,
// KASAN... tied to it), the same divergence signature, or the same way of
// killing the VM.
#pragma once

#include <optional>
#include <string>

#include "harness/vm/kernel_log.h"
#include "harness/vm/vm_run.h"
#include "orchestration/vm_session.h"
#include "replay/sequence_oracle.h"
#include "seq/sequence.h"

namespace slotcheck::cli {

// What a candidate's VM brought back, the first of these that it shows: a
// kernel report tied to it, the replay's failing verdict, or a VM that
// did not end as it should.
struct VmFailure {
    std::optional<vm::SplatKind> report;
    std::string report_title;
    std::optional<Verdict> verdict;
    std::optional<vm::VmEnd> end;
    std::string detail;  // one line for people: the report title, the verdict's detail, how the VM ended

    // warning, kasan, ... (a report); divergence, crashed, timeout, error (a
    // verdict); died, hung, ... (the VM's end)
    std::string kind() const;
    // A report's title, or a divergence's "outcome RULE at OP"; "" for the rest.
    std::string signature() const;
    std::string describe() const { return kind() + (signature().empty() ? "" : ": " + signature()); }
};

// How a boot ended when it tells nothing about the candidate (no /dev/kvm in
// the guest, qemu missing): minimizing cannot go on.
struct VmOracleBroken {
    std::string reason;
};

class VmOracle {
public:
    VmOracle(VmGuest guest, vm::KernelUnderTest kernel, std::string work_dir)
        : guest_(std::move(guest)), kernel_(std::move(kernel)), work_dir_(std::move(work_dir)) {}

    // Replays `seq` (its expectations ignored: the model under the kernel's
    // profile judges) in a new VM. nullopt: it passed. Throws VmOracleBroken
    // when the VM could not judge it.
    std::optional<VmFailure> run(const Sequence& seq);

    // Whether `b` is the failure `a` is, as much as `how` asks: any failure;
    // else the same report (kind and title), the same failing verdict as the
    // judge compares them (same_failure()), or the same end of the VM.
    static bool same(const VmFailure& a, const VmFailure& b, Sameness how);

    const vm::KernelUnderTest& kernel() const { return kernel_; }
    size_t boots() const { return boots_; }

private:
    VmGuest guest_;
    vm::KernelUnderTest kernel_;
    std::string work_dir_;
    size_t boots_ = 0;
};

}  // namespace slotcheck::cli
