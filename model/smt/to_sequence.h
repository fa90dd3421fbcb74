// A counterexample as a slotcheck sequence that the real kernel can run: a
// VM, guest_memfd files with MMAP|INIT_SHARED (so the guest's native accesses
// go to the file), KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD for
// every registration (uaddr 0, which gmem-only slots allow), a guest write of
// a marker for every cached access, the punch (KEEP_SIZE|PUNCH_HOLE), and
// guest reads afterwards, so a stale page or an accepted aliasing
// registration would show. Expected outcomes are left empty: the reference
// model computes them.
#pragma once

#include "model/sequence.h"
#include "model/smt/counterexample.h"

namespace slotcheck::smt {

inline constexpr uint64_t kGmemFlags = 0x3;         // GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED
inline constexpr uint32_t kMemGuestMemfd = 0x4;     // KVM_MEM_GUEST_MEMFD
inline constexpr uint32_t kPunchMode = 0x3;         // FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE
inline constexpr uint64_t kMarkerBase = 0x5107510700000000ull;  // guest write n stores kMarkerBase + n

Sequence to_sequence(const Counterexample& c);

}  // namespace slotcheck::smt
