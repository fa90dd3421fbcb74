// The kernels of the test matrix as `slotcheck probe` sees them inside the
// qemu VMs (docs/vm.md "Facts seen in the guest"): Debian's 6.12.118 and
// 7.3.4, and the 6.12 that scripts/build-kernel makes from Debian's source
// (with KVM_SW_PROTECTED_VM: VM type 1). All three: MAXPHYADDR 40, 5-level
// paging, SMM (two address spaces), kvm_amd with NPT.
#pragma once

#include <string>
#include <vector>

#include "model/profile.h"

namespace slotcheck {

inline KernelFacts facts_in_qemu() {
    KernelFacts f;
    f.cap_user_memory2 = 1;
    f.cap_nr_memslots = 32764;
    f.cap_multi_address_space = 2;
    f.cap_readonly_mem = 1;
    f.has_create_guest_memfd_ioctl = true;
    f.tdp_enabled = true;
    f.phys_addr_bits = 40;
    f.guest_phys_addr_bits = 40;
    f.five_level_paging = true;
    return f;
}

// Debian's 7.3.4: guest_memfd on default VMs with MMAP and INIT_SHARED,
// only VM type 0.
inline KernelFacts facts_debian_7_3() {
    KernelFacts f = facts_in_qemu();
    f.release = "7.3.4+deb13-amd64";
    f.major = 7, f.minor = 3, f.patch = 4;
    f.cap_guest_memfd_vm = 1;
    f.cap_guest_memfd_flags = 3;
    f.cap_vm_types = 1;
    f.has_set_memory_attributes_ioctl = false;
    return f;
}

// Debian's 6.12.118: KVM_CREATE_GUEST_MEMFD exists, but no VM type it
// creates can bind a guest_memfd (only type 0, GUEST_MEMFD 0 on the VM).
inline KernelFacts facts_debian_6_12() {
    KernelFacts f = facts_in_qemu();
    f.release = "6.12.118+deb12-amd64";
    f.major = 6, f.minor = 12, f.patch = 118;
    f.cap_vm_types = 1;
    f.cap_memory_fault_info = 1;
    f.has_set_memory_attributes_ioctl = true;
    f.kvm_module = "kvm_amd";
    return f;
}

// scripts/build-kernel 6.12: Debian's 6.12.118 plus KVM_SW_PROTECTED_VM, so
// VM types 0 and 1, and only type 1 binds guest_memfd.
inline KernelFacts facts_built_6_12() {
    KernelFacts f = facts_debian_6_12();
    f.release = "6.12.118-slotcheck";
    f.cap_vm_types = 3;
    return f;
}

struct MatrixKernel {
    std::string name;
    KernelFacts facts;
};

inline std::vector<MatrixKernel> matrix_kernels() {
    return {{"Debian 6.12.118", facts_debian_6_12()},
            {"built 6.12.118-slotcheck", facts_built_6_12()},
            {"Debian 7.3.4", facts_debian_7_3()}};
}

}  // namespace slotcheck
