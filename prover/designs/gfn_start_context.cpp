// Design 5, gfn-start-context: per registration (one per guest_memfd slot,
// on its file range), the notifier context carries only the slot's first
// gfn; the callback computes gfn = context + file offset for the
// intersection [max(start, pgoff), min(end, pgoff + npages)). That is right
// only when pgoff is 0. Registration rejects a file+offset overlap.
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

class GfnStartContext final : public Design {
public:
    int number() const override { return 5; }
    std::string name() const override { return "gfn-start-context"; }
    std::string summary() const override {
        return "per-registration context holding only the gfn start, gfn = start + offset";
    }

    Expr accepts(const World&, const State& s, const NewSlot& n, Obligations& ob) const override {
        return !file_range_taken(s, n, ob);
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        return slot_zaps(s, p, ob, true, "gfn-start notifier of slot", [&p](const SlotVars& e, Obligations& ob) {
            const Expr& context = e.base;
            Interval pages = punched_pages(e.pgoff, e.npages, p, ob);
            return Interval{ob.add(context, pages.lo, "context + offset"), ob.add(context, pages.hi, "context + offset")};
        });
    }
};

}  // namespace

std::unique_ptr<Design> make_gfn_start_context() { return std::make_unique<GfnStartContext>(); }

}  // namespace slotcheck::smt
