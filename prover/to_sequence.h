// A counterexample as a slotcheck sequence that the real kernel can run: a
// VM, guest_memfd files with MMAP|INIT_SHARED (so the guest's native accesses
// go to the file), KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD for
// every registration (uaddr 0, which gmem-only slots allow), a guest write of
// a marker for every cached access, the punch (KEEP_SIZE|PUNCH_HOLE), and
// guest reads afterwards, so a stale page or an accepted aliasing
// registration would show. Expected outcomes are left empty: the reference
// model computes them.
//
// The private form is the same counterexample on a software-protected VM
// (type 1) for kernels where only that type binds guest_memfd (6.12 with
// KVM_SW_PROTECTED_VM): files without flags (no MMAP before 6.18, no
// INIT_SHARED for a private VM ever) and every guest_memfd-bound gfn made
// PRIVATE right after the VM is created, so the guest's accesses still go
// to the file.
#pragma once

#include "prover/counterexample.h"
#include "seq/kvm_flags.h"
#include "seq/sequence.h"

namespace slotcheck::smt {

inline constexpr uint64_t kGmemFlags = kGmemFlagMmap | kGmemFlagInitShared;
inline constexpr uint32_t kPunchMode = kFallocKeepSize | kFallocPunchHole;
inline constexpr uint64_t kMarkerBase = 0x5107510700000000ull;  // guest write n stores kMarkerBase + n

enum class VmForm {
    Default,  // type 0, files with MMAP|INIT_SHARED
    Private,  // type 1, files without flags, bound gfns PRIVATE
};

Sequence to_sequence(const Counterexample& c, VmForm form = VmForm::Default);

}  // namespace slotcheck::smt
