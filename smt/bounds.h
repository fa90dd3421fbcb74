// Every bound the prover assumes, in one place. The encoding uses 64-bit
// bit-vectors for every gfn, page count and file page offset; these are the
// limits under which its answers hold (docs/proofs.md, "Assumptions").
// All quantities are in pages (4096 bytes): gfns, slot sizes, file offsets
// and punch ranges are page-granular because the kernel rejects unaligned
// values before any of the modelled code runs (kernel-semantics.md 2.4, 3.2).
#pragma once

#include <cstdint>

namespace slotcheck::smt::bounds {

// Largest gfn a slot may reach: kvm_mmu_max_gfn() is 2^(MAXPHYADDR-12)-1
// with TDP and 2^40-1 under shadow paging; 2^40-1 is also the TDP value for a
// 52-bit physical address width, the architectural maximum on x86-64.
inline constexpr uint64_t kMaxGfn = (1ull << 40) - 1;

// Largest page count of one memslot: KVM_MEM_MAX_NR_PAGES = 2^31-1.
inline constexpr uint64_t kMaxSlotPages = (1ull << 31) - 1;

// A file holds fewer than 2^63 bytes (size is a positive loff_t), and a
// punch ends at or below MAX_LFS_FILESIZE = 2^63-1 (EFBIG otherwise); both
// are page-aligned, so every file page index and every punch end is at most
// 2^51-1 (in pages).
inline constexpr uint64_t kMaxFilePages = (1ull << 51) - 1;

// Address spaces per VM: 2 on x86 with SMM, 1 otherwise.
inline constexpr uint64_t kNrAddressSpaces = 2;

}  // namespace slotcheck::smt::bounds
