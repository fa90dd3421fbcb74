// Design 3, ofs-tree-checked: design 2's per-VM offset index (a lookup
// returns every overlapping entry of any file), plus a registration check
// that rejects a (file, offset range) overlapping a live binding.
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

class OfsTreeChecked final : public Design {
public:
    int number() const override { return 3; }
    std::string name() const override { return "ofs-tree-checked"; }
    std::string summary() const override {
        return "per-VM offset index returning every overlapping entry, registration rejects file+offset overlap";
    }

    Expr accepts(const World&, const State& s, const NewSlot& n, Obligations& ob) const override {
        return !file_range_taken(s, n, ob);
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        return slot_zaps(s, p, ob, false, "index entry, slot", reverse_math_of(p));
    }
};

}  // namespace

std::unique_ptr<Design> make_ofs_tree_checked() { return std::make_unique<OfsTreeChecked>(); }

}  // namespace slotcheck::smt
