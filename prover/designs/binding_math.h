// Arithmetic the designs share: the "reverse math" of design 4 (and of
// upstream kvm_gmem_invalidate_begin), and the file-range check at
// registration.
#pragma once

#include "prover/design.h"

namespace slotcheck::smt {

// An entry that exists (`present`) and whose file pages [pgoff, pgoff + npages)
// intersect the punch.
inline Expr present_and_intersects(const Expr& present, const Expr& pgoff, const Expr& npages, const Punch& p,
                                   Obligations& ob) {
    Obligations::Path on(ob, present);
    return present && overlaps(interval({pgoff, npages}, ob, "pgoff + npages"), {p.start, p.end});
}

// The file pages both punched and bound: [max(start, pgoff), min(end, pgoff + npages)).
inline Interval punched_pages(const Expr& pgoff, const Expr& npages, const Punch& p, Obligations& ob) {
    return {umax(p.start, pgoff), umin(p.end, ob.add(pgoff, npages, "pgoff + npages"))};
}

// gfns [base + max(start, pgoff) - pgoff, base + min(end, pgoff + npages) - pgoff),
// computed left to right as the kernel does (checked: it must not wrap).
inline Interval reverse_math(const Expr& base, const Expr& pgoff, const Expr& npages, const Punch& p,
                             Obligations& ob) {
    Interval pages = punched_pages(pgoff, npages, p, ob);
    return {ob.sub(ob.add(base, pages.lo, "base + max(start, pgoff)"), pgoff, "... - pgoff"),
            ob.sub(ob.add(base, pages.hi, "base + min(end, pgoff + npages)"), pgoff, "... - pgoff")};
}

// The invalidation of the designs whose entries are the slots themselves
// (1 to 6): one zap per bound slot whose file pages intersect the punch -
// of the punched file only, or of any file for a per-VM offset index - over
// the gfns `gfns_of(slot, ob)` computes for it. Zap k comes from slot k.
template <class GfnsOf>
std::vector<Zap> slot_zaps(const State& s, const Punch& p, Obligations& ob, bool same_file_only, const char* who,
                           GfnsOf gfns_of) {
    std::vector<Zap> zaps;
    for (size_t j = 0; j < s.slots.size(); ++j) {
        const SlotVars& e = s.slots[j];
        Expr present = same_file_only ? (e.bound && e.file == p.file) : e.bound;
        Expr when = present_and_intersects(present, e.pgoff, e.npages, p, ob);
        Obligations::Path on(ob, when);
        zaps.push_back({when, e.as, gfns_of(e, ob), nullptr, static_cast<int>(j), who});
    }
    return zaps;
}

// The reverse math of design 4 as a gfns_of for slot_zaps.
inline auto reverse_math_of(const Punch& p) {
    return [&p](const SlotVars& e, Obligations& ob) { return reverse_math(e.base, e.pgoff, e.npages, p, ob); };
}

// Some live guest_memfd slot already binds an overlapping page range of the
// same file (the registration check of designs 3 to 6).
inline Expr file_range_taken(const State& s, const NewSlot& n, Obligations& ob) {
    std::vector<Expr> hits;
    Interval mine = interval({n.slot.pgoff, n.slot.npages}, ob, "new pgoff + npages");
    for (const SlotVars& o : s.slots) {
        Obligations::Path on(ob, o.bound);
        hits.push_back(o.bound && o.file == n.slot.file && overlaps(slot_offsets(o, ob), mine));
    }
    return any_of(hits);
}

}  // namespace slotcheck::smt
