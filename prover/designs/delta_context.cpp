// Design 6, delta-context: per registration the notifier context is
// base_gfn - pgoff modulo 2^64 (it wraps whenever pgoff > base_gfn, on
// purpose); the callback computes gfn = offset + context modulo 2^64 for the
// intersection [max(start, pgoff), min(end, pgoff + npages)). Both modular
// operations are the design's intent, so they are not no-wrap obligations;
// invalidation-sound and -precise check that the results are the exact gfns.
// Registration rejects a file+offset overlap.
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

class DeltaContext final : public Design {
public:
    int number() const override { return 6; }
    std::string name() const override { return "delta-context"; }
    std::string summary() const override {
        return "per-registration context base - pgoff mod 2^64, gfn = offset + context";
    }

    Expr accepts(const World&, const State& s, const NewSlot& n, Obligations& ob) const override {
        return !file_range_taken(s, n, ob);
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        return slot_zaps(s, p, ob, true, "delta notifier of slot", [&p](const SlotVars& e, Obligations& ob) {
            Expr context = e.base - e.pgoff;  // modulo 2^64 by design
            Interval pages = punched_pages(e.pgoff, e.npages, p, ob);
            return Interval{pages.lo + context, pages.hi + context};  // modulo 2^64 by design
        });
    }
};

}  // namespace

std::unique_ptr<Design> make_delta_context() { return std::make_unique<DeltaContext>(); }

}  // namespace slotcheck::smt
