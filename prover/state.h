// The symbolic world the designs act on: a fixed number of slot entries,
// the per-file binding entries of designs that keep a binding table, a
// translation cache, and the files. docs/proofs.md ("The encoding") explains
// every field and why a fixed number of entries is enough.
#pragma once

#include <string>
#include <vector>

#include "smt/expr.h"
#include "smt/range.h"

namespace slotcheck::smt {

// One memslot. Entry i is KVM slot id i of its address space.
struct SlotVars {
    Expr live;    // bool: the slot exists
    Expr as;      // address space
    Expr base;    // base gfn
    Expr npages;  // page count
    Expr gmem;    // bool: created with KVM_MEM_GUEST_MEMFD
    Expr file;    // guest_memfd file id (meaningful when gmem)
    Expr pgoff;   // first file page (meaningful when gmem)
    Expr bound;   // bool: the slot's file pointer is set (gmem and file not released)
    Expr stamp;   // registration order (design 1's index keeps the newest entry)
};

// An entry of a per-file binding table (design 7): written by the binding
// of slot k into entry k, it says which slot backs [pgoff, pgoff + npages) of
// `file`. `ref` is the slot it points to, a stored value like the slot
// pointer in the kernel's xarray.
struct BindingVars {
    Expr valid;
    Expr file;
    Expr pgoff;
    Expr npages;
    Expr ref;
};

// A cached translation (a shadow/TDP PTE): (as, gfn) -> (file, off), filled
// by a guest access through slot `ref`. `stale` is set when a punch replaced
// the page while the entry survived (the ghost form of a page version).
struct CacheVars {
    Expr valid;
    Expr as;
    Expr gfn;
    Expr file;
    Expr off;
    Expr ref;
    Expr stale;
};

struct State {
    std::vector<SlotVars> slots;
    std::vector<BindingVars> bindings;  // same length as slots
    std::vector<CacheVars> cache;
    Expr file_alive;  // bool array: file id -> its fd is open
    Expr clock;       // the next registration stamp
};

// Things that never change along a run.
struct World {
    Expr file_size;  // bv array: file id -> size in pages
    size_t nslots = 0;
    size_t ncache = 0;
};

World make_world(const std::string& name, size_t nslots, size_t ncache);
// Every field a fresh variable named prefix.field.index.
State fresh_state(const World& w, const std::string& prefix);
// No slots, no bindings, empty cache, every file open, clock 0.
State initial_state(const World& w);
Expr equal(const State& a, const State& b);

// The same state with every slot and binding entry other than `keep` removed
// (the projection used by the small-model argument).
State restrict_to(const State& s, size_t keep);
// The same state without entry `drop`: its slot and binding removed, and the
// cache entries that were filled through it invalidated.
State drop_entry(const State& s, size_t drop);
// The same state with entries a and b exchanged (slot ids renamed, stored
// references remapped).
State swap_entries(const State& s, size_t a, size_t b);

// --- spec functions (exact under the well-formedness invariant)
Interval slot_gfns(const SlotVars& s, Obligations& ob);
Interval slot_offsets(const SlotVars& s, Obligations& ob);
// The slot maps (as, gfn).
Expr slot_maps(const SlotVars& s, const Expr& as, const Expr& gfn, Obligations& ob);
// The file page behind gfn in slot s: gfn - base + pgoff.
Expr slot_backing(const SlotVars& s, const Expr& gfn, Obligations& ob);
// The slot entry with index `index` (an expression), field by field.
SlotVars slot_at(const State& s, const Expr& index);

// Well-formedness of a slot under the stated bounds (bounds.h).
Expr slot_well_formed(const World& w, const State& st, const SlotVars& s);

}  // namespace slotcheck::smt
