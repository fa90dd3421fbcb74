// A design: one way of finding "the gfns behind this file range". Each design
// is one file in designs/ that subclasses Design and exports a factory that
// designs/design_list.h declares and design_table.cpp lists; docs/proofs.md
// ("Adding a design") walks through it. KVM's own checks and effects (memslot overlap, bounds, the zap
// on slot delete, guest accesses filling the cache) live in transition.cpp
// and are the same for every design.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "prover/state.h"
#include "smt/range.h"

namespace slotcheck::smt {

// A registration that passed KVM's own checks: entry `index` becomes `slot`.
struct NewSlot {
    Expr index;
    SlotVars slot;
};

// fallocate(PUNCH_HOLE) of file pages [start, end).
struct Punch {
    Expr file;
    Expr start;
    Expr end;
};

// Part of what a step invalidates: the gfns `gfns` of address space `as`,
// when `when` holds, and (if set) only those gfns for which only(gfn) holds.
struct Zap {
    Expr when;
    Expr as;
    Interval gfns;
    std::function<Expr(const Expr& gfn)> only;
    int entry = -1;   // the slot or binding entry it comes from (-1: none)
    std::string who;  // for traces: "notifier of slot", "binding"
};

// The union of the zaps contains (as, gfn).
Expr zapped(const std::vector<Zap>& zaps, const Expr& as, const Expr& gfn);

struct NamedExpr {
    std::string name;
    Expr holds;
};

class Design {
public:
    virtual ~Design() = default;
    virtual int number() const = 0;          // 1..7, the order of the issue
    virtual std::string name() const = 0;    // "per-slot-context"
    virtual std::string summary() const = 0; // one line

    virtual bool has_delete() const { return false; }
    virtual bool has_close() const { return false; }
    virtual bool has_binding_table() const { return false; }

    // The design's check on a guest_memfd registration (KVM's own checks have
    // passed): true when it accepts. Designs without a check return true.
    virtual Expr accepts(const World& w, const State& s, const NewSlot& n, Obligations& ob) const = 0;
    // Bookkeeping after an accepted registration (default: none).
    virtual void registered(const World&, const State&, State& /*next*/, const NewSlot&) const {}

    // The invalidation function: which gfns a punch of file p.file, pages
    // [p.start, p.end) invalidates, as a union of zaps.
    virtual std::vector<Zap> invalidate(const World& w, const State& s, const Punch& p,
                                        Obligations& ob) const = 0;

    // Slot delete (KVM has already zapped the slot's gfns): bookkeeping.
    virtual void deleted(const World&, const State&, State& /*next*/, const Expr& /*index*/) const {}
    // Release of a file: what it invalidates, and bookkeeping.
    virtual std::vector<Zap> closed(const World&, const State&, State& /*next*/, const Expr& /*file*/,
                                    Obligations&) const {
        return {};
    }

    // Auxiliary invariants the design's induction needs (each is also proved).
    virtual std::vector<NamedExpr> lemmas(const World&, const State&) const { return {}; }
};

// Every design (designs/design_list.h), ordered by number().
const std::vector<const Design*>& designs();
// By name ("delta-context") or number ("6"); nullptr when unknown.
const Design* find_design(const std::string& name_or_number);

}  // namespace slotcheck::smt
