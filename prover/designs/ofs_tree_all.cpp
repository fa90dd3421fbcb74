// Design 2, ofs-tree-all: a per-VM index keyed by file page offset that
// returns every overlapping entry, of any file. No registration check. A
// punch zaps, for every entry whose offsets intersect the range, the gfns
// behind the intersection, whatever the entry's file is.
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

class OfsTreeAll final : public Design {
public:
    int number() const override { return 2; }
    std::string name() const override { return "ofs-tree-all"; }
    std::string summary() const override {
        return "per-VM offset index returning every overlapping entry of any file, no registration check";
    }

    Expr accepts(const World&, const State&, const NewSlot&, Obligations&) const override {
        return Expr::boolean(true);
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        return slot_zaps(s, p, ob, false, "index entry, slot", reverse_math_of(p));
    }
};

}  // namespace

std::unique_ptr<Design> make_ofs_tree_all() { return std::make_unique<OfsTreeAll>(); }

}  // namespace slotcheck::smt
