// What every command that boots a kernel under test needs: where the static
// slotcheck and the project's scripts are, and how one VM's spec and guest
// command are made (the probe first, then the job, both reporting on the
// event channel). Shared by `slotcheck vm` and `slotcheck minimize --vm`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/vm/vm_run.h"

namespace slotcheck::cli {

struct VmSettings {
    unsigned memory_mb = 2048, smp = 1;
    std::string accel = "auto";
    double silence_s = 150;
    // The guest's KVM on shadow paging (kvm_amd.npt=0, kvm_intel.ept=0): the
    // MMU whose per-slot metadata is allocated up front (docs/vm.md).
    bool shadow_paging = false;
    std::vector<std::string> guest_profile_args;  // --profile/--variant, passed through to the guest
    std::optional<std::string> inject;            // --inject-kmsg FILE@LABEL
};

// The static slotcheck that goes into the VM: $SLOTCHECK_STATIC_BINARY, else
// slotcheck-static next to this binary.
std::optional<std::string> static_binary(std::string& error);

class VmGuest {
public:
    VmGuest(VmSettings settings, std::string binary) : settings_(std::move(settings)), binary_(std::move(binary)) {}

    // A spec with the static slotcheck (and the injection file) as payloads.
    vm::VmSpec base_spec(const vm::KernelUnderTest& kernel, const std::string& work_dir, double time_limit_s) const;

    // The guest's command: `slotcheck probe`, then `slotcheck JOB...`, both
    // with --events on the event channel and the profile options.
    std::vector<std::string> guest_command(const std::vector<std::string>& job) const;

    const VmSettings& settings() const { return settings_; }

private:
    VmSettings settings_;
    std::string binary_;
};

}  // namespace slotcheck::cli
