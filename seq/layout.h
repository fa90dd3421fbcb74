// Fixed facts about the world a sequence runs in, shared by the model and
// the kernel backend so both agree on every number without talking.
#pragma once

#include <cstdint>

namespace slotcheck {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kPageShift = 12;

// Host mappings are placed deterministically: mapping handle m<i> lives at
// kMappingArenaBase + i * kMappingStride (MAP_FIXED_NOREPLACE). The model can
// therefore compute the numeric userspace_addr of "m3+0x1000" exactly, which
// KVM's alignment and access_ok checks depend on.
inline constexpr uint64_t kMappingArenaBase = 0x200000000000ull;  // 2^45
inline constexpr uint64_t kMappingStride = 0x100000000ull;        // 4 GiB
inline constexpr uint64_t kMaxMappingSize = kMappingStride;
inline constexpr uint32_t kMaxMappings = 4096;

constexpr uint64_t mapping_address(uint32_t index) {
    return kMappingArenaBase + static_cast<uint64_t>(index) * kMappingStride;
}

// Every VM the harness creates gets one memslot of its own for the probe
// vCPU's code, stack, command page and page tables: the highest user slot id
// of address space 0 at this gpa range. The model creates the same slot, so
// a sequence that collides with it gets the kernel's real answer (EEXIST,
// EINVAL); a sequence that deletes it loses the probe (Outcome::NoProbe).
inline constexpr uint64_t kHarnessGpa = 0xC0000000ull;
inline constexpr uint64_t kHarnessSize = 0x200000ull;  // 2 MiB
// The harness slot's memory is private to the harness; the model only needs
// to know that no sequence address equals it. This marker stands for it.
inline constexpr uint64_t kHarnessUaddrMarker = 0xFFFFFFFFFFFFF000ull;
// Whether [gpa, gpa + size) reaches into the harness's gpa range (a range
// that wraps past 2^64 is refused by the kernel before this matters).
inline constexpr bool touches_harness(uint64_t gpa, uint64_t size) {
    return gpa < kHarnessGpa + kHarnessSize && gpa + size > kHarnessGpa;
}

// The probe maps guest-virtual = guest-physical for [0, 2^47), so guest
// accesses exist for gpas below this bound only (a sequence check).
inline constexpr uint64_t kGuestAccessLimit = 1ull << 47;

// What the harness answers when the guest reads an address with no memslot
// (KVM_EXIT_MMIO): a recognisable filler, so a completed MMIO read is never
// mistaken for memory.
inline constexpr uint64_t kMmioFiller = 0xEEEEEEEEEEEEEEEEull;

// A file descriptor number that the harness guarantees is never open, for
// FdRef::NeverOpen.
inline constexpr int kNeverOpenFd = 999999;

}  // namespace slotcheck
