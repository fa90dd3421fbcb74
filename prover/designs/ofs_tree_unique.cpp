// Design 1, ofs-tree-unique: one per-VM index keyed by file page offset
// alone (not by file), which assumes its keys are disjoint, so a lookup of
// a page yields at most one slot. A registration stores its range over
// whatever was there (the newest entry owns a page, like xa_store_range);
// nothing checks file and offset at registration. A punch walks the pages
// of the range, and for each page zaps the gfn of the slot the index yields,
// whatever that slot's file is.
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

class OfsTreeUnique final : public Design {
public:
    int number() const override { return 1; }
    std::string name() const override { return "ofs-tree-unique"; }
    std::string summary() const override {
        return "per-VM index keyed by offset alone, one slot per lookup, no registration check";
    }

    Expr accepts(const World&, const State&, const NewSlot&, Obligations&) const override {
        return Expr::boolean(true);
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        std::vector<Zap> zaps = slot_zaps(s, p, ob, false, "newest index entry, slot", reverse_math_of(p));
        for (size_t j = 0; j < zaps.size(); ++j) {
            // The page behind gfn g is owned by entry j: no newer entry covers it.
            zaps[j].only = [slots = s.slots, j](const Expr& g) {
                const SlotVars& e = slots[j];
                Expr page = g - e.base + e.pgoff;
                std::vector<Expr> newer;
                for (size_t k = 0; k < slots.size(); ++k) {
                    if (k == j) continue;
                    const SlotVars& o = slots[k];
                    newer.push_back(o.bound && o.pgoff <= page && page < o.pgoff + o.npages &&
                                    o.stamp > e.stamp);
                }
                return !any_of(newer);
            };
        }
        return zaps;
    }
};

}  // namespace

std::unique_ptr<Design> make_ofs_tree_unique() { return std::make_unique<OfsTreeUnique>(); }

}  // namespace slotcheck::smt
