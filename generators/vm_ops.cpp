// KVM_CREATE_VM and closing a VM.
#include <algorithm>

#include "generators/draw.h"
#include "generators/op_families.h"
#include "model/vm_type.h"

namespace slotcheck::gen {

namespace {

// A type the kernel has; type 0 (the default VM) is the one every kernel
// has. Where software-protected VMs exist, half the VMs are one: private
// memory is where stale pages after a punch-hole matter. Where they are the
// only VMs that bind guest_memfd (before 6.18), three quarters: every
// binding rule is tried on them alone.
uint64_t supported_type(const Profile& p) {
    if (p.vm_type_supported(kVmTypeSwProtected) && chance(p.gmem_on_default_vm ? 50 : 75)) return kVmTypeSwProtected;
    std::vector<uint64_t> types;
    for (uint64_t t = 0; t < 64; ++t)
        if (p.vm_type_supported(t)) types.push_back(t);
    if (types.empty() || chance(70)) return 0;
    return one_of(types);
}

uint64_t unsupported_type(const Profile& p) {
    for (int tries = 0; tries < 4; ++tries) {
        const uint64_t t = one_of<uint64_t>({1, 2, 3, 4, 5, 63, 64, 1ull << 63, UINT64_MAX});
        if (!p.vm_type_supported(t)) return t;
    }
    return 64;
}

}  // namespace

Ops vm_ops(GenerationState& s, Intent intent) {
    const auto open = s.open_vms();
    if (intent == Intent::Plausible) {
        if (s.may_create_vm() && (open.empty() || chance(80)))
            return {CreateVm{s.fresh(HandleKind::Vm), supported_type(s.profile())}};
        if (!open.empty()) return {Close{one_of(open)}};
        return {};
    }
    // A closed VM closed again, or a type the kernel does not have.
    const auto all = s.vms();
    if (all.size() > open.size() && chance(30)) {
        for (const Handle& vm : all)
            if (std::find(open.begin(), open.end(), vm) == open.end()) return {Close{vm}};
    }
    return {CreateVm{s.fresh(HandleKind::Vm), unsupported_type(s.profile())}};
}

}  // namespace slotcheck::gen
