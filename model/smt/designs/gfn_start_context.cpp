// Design 5, gfn-start-context: per registration (one per guest_memfd slot,
// on its file range), the notifier context carries only the slot's first
// gfn; the callback computes gfn = context + file offset for the
// intersection [max(start, pgoff), min(end, pgoff + npages)). That is right
// only when pgoff is 0. Registration rejects a file+offset overlap.
#include "model/smt/designs/binding_math.h"

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
        std::vector<Zap> zaps;
        for (size_t j = 0; j < s.slots.size(); ++j) {
            const SlotVars& e = s.slots[j];
            Expr when = present_and_intersects(e.bound && e.file == p.file, e.pgoff, e.npages, p, ob);
            Obligations::Path on(ob, when);
            const Expr& context = e.base;
            Expr first = umax(p.start, e.pgoff);
            Expr last = umin(p.end, ob.add(e.pgoff, e.npages, "pgoff + npages"));
            Interval gfns{ob.add(context, first, "context + offset"), ob.add(context, last, "context + offset")};
            zaps.push_back({when, e.as, gfns, nullptr, static_cast<int>(j), "gfn-start notifier of slot"});
        }
        return zaps;
    }
};

SLOTCHECK_REGISTER_DESIGN(GfnStartContext);

}  // namespace
}  // namespace slotcheck::smt
