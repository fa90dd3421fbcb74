// Design 3, ofs-tree-checked: design 2's per-VM offset index (a lookup
// returns every overlapping entry of any file), plus a registration check
// that rejects a (file, offset range) overlapping a live binding.
#include "model/smt/designs/binding_math.h"

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
        std::vector<Zap> zaps;
        for (size_t j = 0; j < s.slots.size(); ++j) {
            const SlotVars& e = s.slots[j];
            Expr when = present_and_intersects(e.bound, e.pgoff, e.npages, p, ob);
            Obligations::Path on(ob, when);
            zaps.push_back({when, e.as, reverse_math(e.base, e.pgoff, e.npages, p, ob), nullptr,
                            static_cast<int>(j), "index entry, slot"});
        }
        return zaps;
    }
};

SLOTCHECK_REGISTER_DESIGN(OfsTreeChecked);

}  // namespace
}  // namespace slotcheck::smt
