// The probe's page tables: guest virtual = guest physical for [0, limit)
// (limit = min(2^47, 2^MAXPHYADDR)),
// user-accessible and writable everywhere, held in the harness slot.
//
// Preferred form (CPUID pdpe1gb, which qemu -cpu max and current hardware
// report): one PML4 whose 256 low entries point at 256 PDPTs of 1 GiB pages.
// That is 257 pages, fully built once, never changed.
//
// Fallback without 1 GiB pages: identity mapping [0, 2^47) with 2 MiB pages
// would take 128 Ki page directories (512 MiB), far more than the 2 MiB slot.
// So tables are built on demand: before each run the probe calls try_map()
// for every address the run will touch, which adds the PDPT and PD
// (512 x 2 MiB pages) of that 1 GiB region from a pool of table pages.
// Filling non-present entries needs no TLB flush (x86 caches no not-present
// entries). When the pool is full, the probe ends the run's chunk there, and
// at the start of the next chunk reset()s: every table is dropped, which
// recycles table pages for other regions. A stale paging-structure cache
// could then translate with the old contents, so the rebuild goes into the
// *other* of two PML4 roots and the probe loads the new CR3 with
// KVM_SET_SREGS; a CR3 change there makes KVM reset the vCPU's MMU context
// and flush its guest TLB. Only reset() ever changes a present entry.
#pragma once

#include <cstdint>

namespace slotcheck {

class GuestPageTables {
public:
    // `harness` is the host view of the harness slot (kHarnessSize bytes).
    // `pool_limit` caps the table pages of the 2 MiB form (0: all of them);
    // tests use a tiny pool to exercise reset().
    // Only gpas below `limit` (the guest's 2^MAXPHYADDR, at most 2^47) are
    // mapped: an entry pointing higher would have reserved bits set.
    GuestPageTables(uint8_t* harness, bool one_gib_pages, uint64_t limit,
                    uint64_t pool_limit = 0);

    // gpa of the PML4 to load into CR3.
    uint64_t cr3() const;
    bool one_gib_pages() const { return one_gib_; }

    // Makes [va, va + len) translatable; false when the table pool is full
    // (part of the range may be mapped then, which is harmless).
    bool try_map(uint64_t va, uint64_t len);
    // Drops every mapping but the harness region's and switches roots: the
    // caller must load cr3() into the vCPU before the next run.
    void reset();

private:
    uint64_t* table(uint64_t offset) const;
    uint64_t alloc_table();  // offset of a zeroed pool page, or 0 when empty
    bool map_gib_region(uint64_t gib);  // false when the pool is empty

    uint8_t* mem_;
    bool one_gib_;
    int root_ = 0;  // index into probe_layout::kPml4Offset
    uint64_t pool_used_ = 0;
    uint64_t pool_pages_;
    uint64_t limit_;
};

}  // namespace slotcheck
