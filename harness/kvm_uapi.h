// The KVM user API slotcheck speaks, for the C++ harness.
//
// The definitions live once, in the executor core's C header
// (harness/c/uapi.h, which says why they are our own and not the
// distribution's <linux/kvm.h>). This header gives them C++ names in
// slotcheck::uapi and pins the old basics the rest of the harness still takes
// from <linux/kvm.h> (kvm_run, kvm_regs, kvm_sregs, the basic ioctls) to the
// core's, so the two can never disagree.
#pragma once

#include <linux/falloc.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>

#include "harness/c/uapi.h"
#include "seq/kvm_flags.h"

namespace slotcheck::uapi {

// --- structures (layouts: include/uapi/linux/kvm.h, kernel-semantics.md §1)
using ScRegion1 = sc_region1;
using ScRegion2 = sc_region2;
using ScCreateGuestMemfd = sc_create_guest_memfd;
using ScMemoryAttributes = sc_memory_attributes;
using ScMemoryFault = sc_kvm_exit_memory_fault;
using ScCpuid2 = sc_kvm_cpuid2;  // the header only: see uapi.h on the flexible array

// The exit union starts at offset 32 of struct kvm_run in every version.
inline constexpr size_t kRunExitUnionOffset = 32;
static_assert(offsetof(struct kvm_run, mmio) == kRunExitUnionOffset);
static_assert(offsetof(struct kvm_run, immediate_exit) == 1);

inline const ScMemoryFault& memory_fault_of(const struct kvm_run& run) {
    return *reinterpret_cast<const ScMemoryFault*>(reinterpret_cast<const char*>(&run) +
                                                   kRunExitUnionOffset);
}

// --- ioctl numbers
inline constexpr unsigned long kScSetUserMemoryRegion = SC_KVM_SET_USER_MEMORY_REGION;
inline constexpr unsigned long kScSetUserMemoryRegion2 = SC_KVM_SET_USER_MEMORY_REGION2;
inline constexpr unsigned long kScCreateGuestMemfd = SC_KVM_CREATE_GUEST_MEMFD;
inline constexpr unsigned long kScSetMemoryAttributes = SC_KVM_SET_MEMORY_ATTRIBUTES;
inline constexpr unsigned long kScGetSupportedCpuid = SC_KVM_GET_SUPPORTED_CPUID;
inline constexpr unsigned long kScSetCpuid2 = SC_KVM_SET_CPUID2;
static_assert(kScSetUserMemoryRegion == 0x4020ae46ul);
static_assert(kScSetUserMemoryRegion2 == 0x40a0ae49ul);
static_assert(kScCreateGuestMemfd == 0xc040aed4ul);
static_assert(kScSetMemoryAttributes == 0x4020aed2ul);
static_assert(kScGetSupportedCpuid == 0xc008ae05ul);
static_assert(kScSetCpuid2 == 0x4008ae90ul);

// The core's basics are the distribution header's.
static_assert(SC_KVM_API_VERSION == KVM_API_VERSION);
static_assert(SC_KVM_GET_API_VERSION == KVM_GET_API_VERSION);
static_assert(SC_KVM_CREATE_VM == KVM_CREATE_VM);
static_assert(SC_KVM_CHECK_EXTENSION == KVM_CHECK_EXTENSION);
static_assert(SC_KVM_GET_VCPU_MMAP_SIZE == KVM_GET_VCPU_MMAP_SIZE);
static_assert(SC_KVM_CREATE_VCPU == KVM_CREATE_VCPU);
static_assert(SC_KVM_RUN == KVM_RUN);
static_assert(SC_KVM_SET_REGS == KVM_SET_REGS);
static_assert(SC_KVM_GET_SREGS == KVM_GET_SREGS);
static_assert(SC_KVM_SET_SREGS == KVM_SET_SREGS);
static_assert(SC_KVM_SET_MP_STATE == KVM_SET_MP_STATE);
static_assert(SC_KVM_SET_VCPU_EVENTS == KVM_SET_VCPU_EVENTS);
static_assert(SC_KVM_EXIT_IO == KVM_EXIT_IO && SC_KVM_EXIT_IO_OUT == KVM_EXIT_IO_OUT);
static_assert(SC_KVM_EXIT_MMIO == KVM_EXIT_MMIO);
static_assert(SC_KVM_MP_STATE_RUNNABLE == KVM_MP_STATE_RUNNABLE);
static_assert(sizeof(sc_kvm_regs) == sizeof(struct kvm_regs));
static_assert(sizeof(sc_kvm_sregs) == sizeof(struct kvm_sregs));
static_assert(sizeof(sc_kvm_vcpu_events) == sizeof(struct kvm_vcpu_events));
static_assert(sizeof(sc_kvm_cpuid_entry2) == sizeof(struct kvm_cpuid_entry2));
static_assert(offsetof(sc_kvm_run, mmio) == offsetof(struct kvm_run, mmio));

// --- KVM_CHECK_EXTENSION capabilities we read
inline constexpr long kScCapNrMemslots = SC_KVM_CAP_NR_MEMSLOTS;
inline constexpr long kScCapReadonlyMem = SC_KVM_CAP_READONLY_MEM;
inline constexpr long kScCapMultiAddressSpace = SC_KVM_CAP_MULTI_ADDRESS_SPACE;
inline constexpr long kScCapUserMemory2 = SC_KVM_CAP_USER_MEMORY2;
inline constexpr long kScCapMemoryFaultInfo = SC_KVM_CAP_MEMORY_FAULT_INFO;
inline constexpr long kScCapMemoryAttributes = SC_KVM_CAP_MEMORY_ATTRIBUTES;
inline constexpr long kScCapGuestMemfd = SC_KVM_CAP_GUEST_MEMFD;
inline constexpr long kScCapVmTypes = SC_KVM_CAP_VM_TYPES;
inline constexpr long kScCapPreFaultMemory = SC_KVM_CAP_PRE_FAULT_MEMORY;
inline constexpr long kScCapGuestMemfdFlags = SC_KVM_CAP_GUEST_MEMFD_FLAGS;

// --- the flag values (seq/kvm_flags.h: memslot flags, guest_memfd flags,
// fallocate modes, memory attributes, VM types), pinned to the C core's and
// to the distribution's headers wherever those define them (older headers
// lack the newer ones; the values are uAPI and never change).
static_assert(SC_KVM_MEMORY_ATTRIBUTE_PRIVATE == kAttributePrivate);
static_assert(kMemLogDirtyPages == KVM_MEM_LOG_DIRTY_PAGES);
static_assert(kMemReadonly == KVM_MEM_READONLY);
#ifdef KVM_MEM_GUEST_MEMFD
static_assert(kMemGuestMemfd == KVM_MEM_GUEST_MEMFD);
#endif
#ifdef GUEST_MEMFD_FLAG_MMAP
static_assert(kGmemFlagMmap == GUEST_MEMFD_FLAG_MMAP);
#endif
#ifdef GUEST_MEMFD_FLAG_INIT_SHARED
static_assert(kGmemFlagInitShared == GUEST_MEMFD_FLAG_INIT_SHARED);
#endif
static_assert(kFallocKeepSize == FALLOC_FL_KEEP_SIZE);
static_assert(kFallocPunchHole == FALLOC_FL_PUNCH_HOLE);
#ifdef KVM_MEMORY_ATTRIBUTE_PRIVATE
static_assert(kAttributePrivate == KVM_MEMORY_ATTRIBUTE_PRIVATE);
#endif
#ifdef KVM_MEMORY_EXIT_FLAG_PRIVATE
static_assert(kMemoryExitFlagPrivate == KVM_MEMORY_EXIT_FLAG_PRIVATE);
#endif
#ifdef KVM_X86_DEFAULT_VM
static_assert(kVmTypeDefault == KVM_X86_DEFAULT_VM);
#endif
#ifdef KVM_X86_SW_PROTECTED_VM
static_assert(kVmTypeSwProtected == KVM_X86_SW_PROTECTED_VM);
#endif
#ifdef KVM_X86_SEV_VM
static_assert(kVmTypeSev == KVM_X86_SEV_VM);
#endif
#ifdef KVM_X86_SEV_ES_VM
static_assert(kVmTypeSevEs == KVM_X86_SEV_ES_VM);
#endif
#ifdef KVM_X86_SNP_VM
static_assert(kVmTypeSnp == KVM_X86_SNP_VM);
#endif
#ifdef KVM_X86_TDX_VM
static_assert(kVmTypeTdx == KVM_X86_TDX_VM);
#endif

// --- exit reasons newer than the distro header
inline constexpr uint32_t kScExitMemoryFault = SC_KVM_EXIT_MEMORY_FAULT;

}  // namespace slotcheck::uapi
