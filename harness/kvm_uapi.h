// The one place that defines the KVM user API slotcheck speaks.
//
// Why our own definitions: the distribution's <linux/kvm.h> is older than the
// kernels under test (Debian 12 ships 6.1 headers: no guest_memfd, no
// KVM_SET_USER_MEMORY_REGION2, no memory_fault exit). The old basics that have
// been stable for a decade (kvm_run, kvm_regs, kvm_sregs, CPUID, the basic
// ioctls) come from <linux/kvm.h>; everything guest_memfd-era is defined here
// under distinct names (namespace slotcheck::uapi, kSc... / Sc...) so that a
// newer distro header can never clash. Layouts and numbers are from
// include/uapi/linux/kvm.h (kernel-semantics.md §1); static_asserts pin them.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstddef>
#include <cstdint>

namespace slotcheck::uapi {

// --- KVM_SET_USER_MEMORY_REGION (v1, 32 bytes) and ..._REGION2 (160 bytes)
struct ScRegion1 {
    uint32_t slot;  // (as_id << 16) | id
    uint32_t flags;
    uint64_t guest_phys_addr;
    uint64_t memory_size;  // 0 deletes the slot
    uint64_t userspace_addr;
};
static_assert(sizeof(ScRegion1) == 32);

struct ScRegion2 {
    uint32_t slot;
    uint32_t flags;
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;
    uint64_t guest_memfd_offset;
    uint32_t guest_memfd;
    uint32_t pad1;
    uint64_t pad2[14];
};
static_assert(sizeof(ScRegion2) == 160);
static_assert(offsetof(ScRegion2, guest_memfd) == 40);

// --- KVM_CREATE_GUEST_MEMFD (vm ioctl, returns the new fd)
struct ScCreateGuestMemfd {
    uint64_t size;
    uint64_t flags;
    uint64_t reserved[6];
};
static_assert(sizeof(ScCreateGuestMemfd) == 64);

// --- KVM_SET_MEMORY_ATTRIBUTES (vm ioctl)
struct ScMemoryAttributes {
    uint64_t address;
    uint64_t size;
    uint64_t attributes;
    uint64_t flags;
};
static_assert(sizeof(ScMemoryAttributes) == 32);

// --- The memory_fault member of kvm_run's exit union (KVM_EXIT_MEMORY_FAULT).
struct ScMemoryFault {
    uint64_t flags;
    uint64_t gpa;
    uint64_t size;
};
// The exit union starts at offset 32 of struct kvm_run in every version.
inline constexpr size_t kRunExitUnionOffset = 32;
static_assert(offsetof(struct kvm_run, mmio) == kRunExitUnionOffset);
static_assert(offsetof(struct kvm_run, immediate_exit) == 1);

inline const ScMemoryFault& memory_fault_of(const struct kvm_run& run) {
    return *reinterpret_cast<const ScMemoryFault*>(reinterpret_cast<const char*>(&run) +
                                                   kRunExitUnionOffset);
}

// --- ioctl numbers (KVMIO = 0xAE)
inline constexpr unsigned long kScSetUserMemoryRegion = _IOW(KVMIO, 0x46, ScRegion1);
inline constexpr unsigned long kScSetUserMemoryRegion2 = _IOW(KVMIO, 0x49, ScRegion2);
inline constexpr unsigned long kScCreateGuestMemfd = _IOWR(KVMIO, 0xd4, ScCreateGuestMemfd);
inline constexpr unsigned long kScSetMemoryAttributes = _IOW(KVMIO, 0xd2, ScMemoryAttributes);
static_assert(kScSetUserMemoryRegion == 0x4020ae46ul);
static_assert(kScSetUserMemoryRegion2 == 0x40a0ae49ul);
static_assert(kScCreateGuestMemfd == 0xc040aed4ul);
static_assert(kScSetMemoryAttributes == 0x4020aed2ul);

// --- CPUID. <linux/kvm.h> declares kvm_cpuid2's entries[] with
// __DECLARE_FLEX_ARRAY, which in C++ wraps an empty struct (size 1), so
// sizeof(struct kvm_cpuid2) is 12 in C++ but 8 in C. The size is encoded in
// the ioctl number: the header's KVM_GET_SUPPORTED_CPUID / KVM_SET_CPUID2
// are wrong numbers when compiled as C++ (the kernel answers EINVAL, seen
// on 7.3). Hence our own header struct and numbers.
struct ScCpuid2 {
    uint32_t nent;
    uint32_t padding;
    // followed by nent struct kvm_cpuid_entry2
};
static_assert(sizeof(ScCpuid2) == 8);
static_assert(sizeof(struct kvm_cpuid_entry2) == 40);
inline constexpr unsigned long kScGetSupportedCpuid = _IOWR(KVMIO, 0x05, ScCpuid2);
inline constexpr unsigned long kScSetCpuid2 = _IOW(KVMIO, 0x90, ScCpuid2);
static_assert(kScGetSupportedCpuid == 0xc008ae05ul);
static_assert(kScSetCpuid2 == 0x4008ae90ul);

// --- KVM_CHECK_EXTENSION capabilities we read
inline constexpr long kScCapNrMemslots = 10;
inline constexpr long kScCapReadonlyMem = 81;
inline constexpr long kScCapMultiAddressSpace = 118;
inline constexpr long kScCapUserMemory2 = 231;
inline constexpr long kScCapMemoryFaultInfo = 232;
inline constexpr long kScCapMemoryAttributes = 233;
inline constexpr long kScCapGuestMemfd = 234;
inline constexpr long kScCapVmTypes = 235;
inline constexpr long kScCapPreFaultMemory = 236;
// Returns the supported GUEST_MEMFD_FLAG_* mask (a boolean "GUEST_MEMFD_MMAP"
// in 6.18-rc1 only).
inline constexpr long kScCapGuestMemfdFlags = 244;

// --- memslot flags (bits 0-15 are uAPI)
inline constexpr uint32_t kScMemLogDirtyPages = 1u << 0;
inline constexpr uint32_t kScMemReadonly = 1u << 1;
inline constexpr uint32_t kScMemGuestMemfd = 1u << 2;

// --- guest_memfd creation flags (6.18+)
inline constexpr uint64_t kScGuestMemfdFlagMmap = 1ull << 0;
inline constexpr uint64_t kScGuestMemfdFlagInitShared = 1ull << 1;

// --- memory attributes and memory_fault flags
inline constexpr uint64_t kScMemoryAttributePrivate = 1ull << 3;
inline constexpr uint64_t kScMemoryExitFlagPrivate = 1ull << 3;

// --- exit reasons newer than the distro header
inline constexpr uint32_t kScExitMemoryFault = 39;

// --- x86 VM types (KVM_CREATE_VM argument)
inline constexpr unsigned long kScX86DefaultVm = 0;
inline constexpr unsigned long kScX86SwProtectedVm = 1;

}  // namespace slotcheck::uapi
