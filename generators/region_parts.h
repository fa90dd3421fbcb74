// The parts of the memslot generator (region_ops.cpp): where a new slot
// goes (region_placement.cpp), how an existing slot is changed or deleted
// (region_change.cpp), and the one field an implausible request gets wrong
// (region_break.cpp).
#pragma once

#include "generators/generation_state.h"
#include "generators/op_families.h"
#include "generators/range_choice.h"

namespace slotcheck::gen {

// --- region_placement.cpp

// A slot id not in use in the address space: small ids mostly, sometimes
// the neighbour of the harness's id (nr_memslots - 2).
uint32_t free_slot_id(const GenerationState& s, const Handle& vm, uint32_t as_id);

// A slot size in pages: one to a few pages mostly, sometimes 2 MiB or 1 GiB.
uint64_t slot_pages();

// A gfn range of about `npages` pages in the address space, placed against
// an existing slot (the harness's included) with the given share of
// overlapping placements, or in free space below 4 GiB.
PageRange gfn_range(const GenerationState& s, const Handle& vm, uint32_t as_id, uint64_t npages,
                    int overlap_percent);

// The userspace_addr of a slot of `npages` pages: inside a live mapping
// (sometimes the very address another slot uses: aliasing), a mapping made
// for it first (returned in `prefix`), or raw 0 when no mapping may be made.
HostAddr slot_backing(GenerationState& s, uint64_t npages, Ops& prefix);

// --- region_change.cpp

// The request that repeats what the slot is (region.noop as it stands).
SetRegion request_for(const GenerationState& s, const Handle& vm, const Slot& slot);
// Move, flag toggles (KVM_MEM_GUEST_MEMFD included), size or uaddr changes,
// or the same request again; moves are framed by guest reads.
Ops change_slot(GenerationState& s, const SlotRef& slot);
// Size 0: deletion, framed by guest accesses of a page of the slot.
Ops delete_slot(GenerationState& s, const SlotRef& slot);

// --- region_break.cpp

// Gets exactly one field of the request wrong: the slot id or address
// space past the limits, flag bits, unaligned or wrapping values, the
// largest gfn, the uaddr range, the guest_memfd offset and fd.
void break_region(GenerationState& s, SetRegion& r);

}  // namespace slotcheck::gen
