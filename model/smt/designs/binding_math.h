// Arithmetic the designs share: the "reverse math" of design 4 (and of
// upstream kvm_gmem_invalidate_begin), and the file-range check at
// registration.
#pragma once

#include "model/smt/design.h"

namespace slotcheck::smt {

// An entry that exists (`present`) and whose file pages [pgoff, pgoff + npages)
// intersect the punch.
inline Expr present_and_intersects(const Expr& present, const Expr& pgoff, const Expr& npages, const Punch& p,
                                   Obligations& ob) {
    Obligations::Path on(ob, present);
    return present && overlaps(interval({pgoff, npages}, ob, "pgoff + npages"), {p.start, p.end});
}

// gfns [base + max(start, pgoff) - pgoff, base + min(end, pgoff + npages) - pgoff),
// computed left to right as the kernel does (checked: it must not wrap).
inline Interval reverse_math(const Expr& base, const Expr& pgoff, const Expr& npages, const Punch& p,
                             Obligations& ob) {
    Expr first = umax(p.start, pgoff);
    Expr last = umin(p.end, ob.add(pgoff, npages, "pgoff + npages"));
    return {ob.sub(ob.add(base, first, "base + max(start, pgoff)"), pgoff, "... - pgoff"),
            ob.sub(ob.add(base, last, "base + min(end, pgoff + npages)"), pgoff, "... - pgoff")};
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
