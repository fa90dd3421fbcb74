// Where generated guest accesses land: gpas at the edges of slots, and the
// gpas whose memory is a given page of a file, so that a punch, a delete or a
// close can be framed by guest reads of exactly the page it affects (the
// stale-page oracle: write X, punch, read).
#pragma once

#include <optional>
#include <vector>

#include "generators/generation_state.h"
#include "generators/op_families.h"

namespace slotcheck::gen {

struct GuestPage {
    Handle vm;
    uint64_t gpa = 0;
};

// What a sequence may name in a guest access (validate_handles): 8-byte
// aligned, below 2^47, outside the probe's own memory.
bool guest_accessible(uint64_t gpa);

// A gpa inside the slot, at its edges: the first or last page (or one in
// between), at the first or last 8 bytes of the page.
std::optional<uint64_t> gpa_in_slot(const Slot& s);

// The guest pages (address space 0 of VMs whose probe runs) that show page
// `file_page` of file object `object`: through a gmem-only binding, or
// through a slot's userspace_addr inside a live mapping of the object. This
// aims the generator; the model alone decides what an access reaches.
std::vector<GuestPage> guest_pages_of(const GenerationState& s, uint32_t object, uint64_t file_page);

// The file object and page that gfn `gfn` of the slot of `vm` shows, as far
// as the generator can tell (a private gfn's or a gmem-only binding, or
// userspace_addr in a live mapping of a file).
struct FilePage {
    uint32_t object = 0;
    uint64_t page = 0;
};
std::optional<FilePage> file_page_behind(const GenerationState& s, const Handle& vm, const Slot& slot, uint64_t gfn);

// A gfn of a random range of `set` (not empty), among the first `span`
// gfns of that range.
uint64_t gfn_in(const GfnRangeSet& set, uint64_t span = UINT64_MAX);

// The guest pages (address space 0 of VMs whose probe runs) whose
// userspace_addr lies inside the window of mapping handle `mapping`.
std::vector<GuestPage> guest_pages_through(const GenerationState& s, const Handle& mapping);

// The operation framed by guest accesses of the page: an optional write of a
// fresh value, a read before and a read after.
Ops read_around(const GuestPage& page, const Op& middle, bool write_first);

}  // namespace slotcheck::gen
