// The flag values of the KVM and guest_memfd user API that sequences carry
// (`region ... flags=`, `gmem ... flags=`, `fallocate ... mode=`,
// `attributes ... attributes=`, `vm ... type=`), written once: the model
// decides with them, the prover writes them into sequences, the kernel
// backend hands them to the kernel. harness/kvm_uapi.h pins each against
// <linux/kvm.h> and <linux/falloc.h> where the distribution's headers have it,
// and against the C core's harness/c/uapi.h, which is C and cannot include this.
#pragma once

#include <cstdint>

namespace slotcheck {

// Memslot flags (kvm_userspace_memory_region2.flags; bits 0-15 are uAPI).
inline constexpr uint32_t kMemLogDirtyPages = 1u << 0;  // KVM_MEM_LOG_DIRTY_PAGES
inline constexpr uint32_t kMemReadonly = 1u << 1;       // KVM_MEM_READONLY
inline constexpr uint32_t kMemGuestMemfd = 1u << 2;     // KVM_MEM_GUEST_MEMFD

// guest_memfd creation flags (kvm_create_guest_memfd.flags, 6.18+).
inline constexpr uint64_t kGmemFlagMmap = 1ull << 0;        // GUEST_MEMFD_FLAG_MMAP
inline constexpr uint64_t kGmemFlagInitShared = 1ull << 1;  // GUEST_MEMFD_FLAG_INIT_SHARED

// fallocate(2) modes.
inline constexpr uint32_t kFallocKeepSize = 0x01;   // FALLOC_FL_KEEP_SIZE
inline constexpr uint32_t kFallocPunchHole = 0x02;  // FALLOC_FL_PUNCH_HOLE

// Memory attributes and the flags of a KVM_EXIT_MEMORY_FAULT.
inline constexpr uint64_t kAttributePrivate = 1ull << 3;       // KVM_MEMORY_ATTRIBUTE_PRIVATE
inline constexpr uint64_t kMemoryExitFlagPrivate = 1ull << 3;  // KVM_MEMORY_EXIT_FLAG_PRIVATE

// x86 VM types (KVM_CREATE_VM's argument); what each brings is model/vm_type.h.
inline constexpr uint64_t kVmTypeDefault = 0;      // KVM_X86_DEFAULT_VM
inline constexpr uint64_t kVmTypeSwProtected = 1;  // KVM_X86_SW_PROTECTED_VM
inline constexpr uint64_t kVmTypeSev = 2;          // KVM_X86_SEV_VM
inline constexpr uint64_t kVmTypeSevEs = 3;        // KVM_X86_SEV_ES_VM
inline constexpr uint64_t kVmTypeSnp = 4;          // KVM_X86_SNP_VM
inline constexpr uint64_t kVmTypeTdx = 5;          // KVM_X86_TDX_VM

}  // namespace slotcheck
