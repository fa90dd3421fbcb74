// Design 4, per-slot-context: each guest_memfd slot registers a notifier on
// its file range [pgoff, pgoff + npages) with the slot as context. The file
// calls the notifiers whose range intersects a punch; the callback reverses
// the math: gfns [base + max(start, pgoff) - pgoff,
// base + min(end, pgoff + npages) - pgoff). Registration rejects a file+offset
// overlap with a live registration.
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

class PerSlotContext final : public Design {
public:
    int number() const override { return 4; }
    std::string name() const override { return "per-slot-context"; }
    std::string summary() const override {
        return "per-slot notifier with the slot as context, reverse math, registration rejects overlap";
    }

    Expr accepts(const World&, const State& s, const NewSlot& n, Obligations& ob) const override {
        return !file_range_taken(s, n, ob);
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        return slot_zaps(s, p, ob, true, "notifier of slot", reverse_math_of(p));
    }
};

}  // namespace

std::unique_ptr<Design> make_per_slot_context() { return std::make_unique<PerSlotContext>(); }

}  // namespace slotcheck::smt
