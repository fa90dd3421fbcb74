// What each x86 VM type (KVM_CREATE_VM's argument, KVM_CAP_VM_TYPES) brings
// to the memslot and guest_memfd rules. From kvm_arch_init_vm()
// (arch/x86/kvm/x86.c) and the SEV/TDX init code; kernel-semantics.md §1.
#pragma once

#include <cstdint>

#include "seq/kvm_flags.h"  // the type values

namespace slotcheck {

struct VmTypeTraits {
    // kvm_arch_has_private_mem(): guest_memfd slots may bind before 6.18,
    // PRIVATE is a supported memory attribute, GUEST_MEMFD_FLAG_INIT_SHARED
    // is not offered, and there is one address space (no SMM).
    bool private_mem = false;
    // kvm->arch.has_protected_state: no read-only memslots.
    bool protected_state = false;
    // The PRIVATE attribute alone decides whether a guest access is private
    // (kvm_mmu_page_fault sets PFERR_PRIVATE_ACCESS for SW_PROTECTED VMs);
    // SNP and TDX guests decide it with page-table bits the probe never sets.
    bool attributes_decide_private = false;
};

inline VmTypeTraits vm_type_traits(uint64_t type) {
    switch (type) {
    case kVmTypeSwProtected: return {true, false, true};
    case kVmTypeSevEs: return {false, true, false};
    case kVmTypeSnp:
    case kVmTypeTdx: return {true, true, false};
    default: return {};
    }
}

}  // namespace slotcheck
