// Design 7, per-file-bindings: what upstream guest_memfd does
// (virt/kvm/guest_memfd.c). Each file keeps an index from page offset to
// slot (the `bindings` xarray). Binding rejects any overlap in it
// (kvm_gmem_bind); a punch walks the bound slots in the range with the
// reverse math of design 4 (kvm_gmem_invalidate_begin); slot delete removes
// the slot's binding (kvm_gmem_unbind, after KVM zapped the slot); file
// release zaps every binding's whole range, clears the slots' file pointer
// and drops the bindings (kvm_gmem_release).
#include "prover/designs/binding_math.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {
namespace {

Expr binding_overlaps(const BindingVars& b, const Expr& file, const Interval& pages, Obligations& ob) {
    Obligations::Path on(ob, b.valid);
    return b.valid && b.file == file && overlaps(interval({b.pgoff, b.npages}, ob, "binding pgoff + npages"), pages);
}

class PerFileBindings final : public Design {
public:
    int number() const override { return 7; }
    std::string name() const override { return "per-file-bindings"; }
    std::string summary() const override {
        return "upstream: per-file offset->slot index, overlap rejected, reverse math, unbind on delete, zap on release";
    }
    bool has_delete() const override { return true; }
    bool has_close() const override { return true; }
    bool has_binding_table() const override { return true; }

    Expr accepts(const World&, const State& s, const NewSlot& n, Obligations& ob) const override {
        Interval mine = interval({n.slot.pgoff, n.slot.npages}, ob, "new pgoff + npages");
        std::vector<Expr> hits;
        for (const BindingVars& b : s.bindings) hits.push_back(binding_overlaps(b, n.slot.file, mine, ob));
        return !any_of(hits);
    }

    void registered(const World&, const State& s, State& next, const NewSlot& n) const override {
        for (size_t k = 0; k < s.bindings.size(); ++k) {
            Expr hit = n.index == k && n.slot.gmem;
            const BindingVars& o = s.bindings[k];
            next.bindings[k] = {ite(hit, Expr::boolean(true), o.valid), ite(hit, n.slot.file, o.file),
                                ite(hit, n.slot.pgoff, o.pgoff), ite(hit, n.slot.npages, o.npages),
                                ite(hit, n.index, o.ref)};
        }
    }

    std::vector<Zap> invalidate(const World&, const State& s, const Punch& p, Obligations& ob) const override {
        std::vector<Zap> zaps;
        for (size_t k = 0; k < s.bindings.size(); ++k) {
            const BindingVars& b = s.bindings[k];
            Expr when = present_and_intersects(b.valid && b.file == p.file, b.pgoff, b.npages, p, ob);
            Obligations::Path on(ob, when);
            SlotVars slot = slot_at(s, b.ref);
            zaps.push_back({when, slot.as, reverse_math(slot.base, slot.pgoff, slot.npages, p, ob), nullptr,
                            static_cast<int>(k), "binding of slot"});
        }
        return zaps;
    }

    void deleted(const World&, const State& s, State& next, const Expr& index) const override {
        for (size_t k = 0; k < s.bindings.size(); ++k)
            next.bindings[k].valid = s.bindings[k].valid && s.bindings[k].ref != index;
    }

    std::vector<Zap> closed(const World&, const State& s, State& next, const Expr& file,
                            Obligations& ob) const override {
        std::vector<Zap> zaps;
        Punch everything{file, Expr::bv(0), Expr::bv(~0ull)};
        for (size_t k = 0; k < s.bindings.size(); ++k) {
            const BindingVars& b = s.bindings[k];
            Expr when = b.valid && b.file == file;
            Obligations::Path on(ob, when);
            SlotVars slot = slot_at(s, b.ref);
            zaps.push_back({when, slot.as, reverse_math(slot.base, slot.pgoff, slot.npages, everything, ob),
                            nullptr, static_cast<int>(k), "release of the binding of slot"});
            next.bindings[k].valid = s.bindings[k].valid && !when;
        }
        // WRITE_ONCE(slot->gmem.file, NULL) for every bound slot of the file.
        for (size_t i = 0; i < s.slots.size(); ++i) {
            std::vector<Expr> refs;
            for (const BindingVars& b : s.bindings) refs.push_back(b.valid && b.file == file && b.ref == i);
            next.slots[i].bound = s.slots[i].bound && !any_of(refs);
        }
        return zaps;
    }

    std::vector<NamedExpr> lemmas(const World&, const State& s) const override {
        std::vector<NamedExpr> ls;
        for (size_t k = 0; k < s.slots.size(); ++k) {
            const BindingVars& b = s.bindings[k];
            const SlotVars& sl = s.slots[k];
            ls.push_back({"binding " + std::to_string(k) + " is stored by its slot",
                          implies(b.valid, b.ref == k)});
            ls.push_back({"bound slot " + std::to_string(k) + " has its binding",
                          implies(sl.bound, b.valid && b.file == sl.file && b.pgoff == sl.pgoff &&
                                                b.npages == sl.npages)});
        }
        return ls;
    }
};

}  // namespace

std::unique_ptr<Design> make_per_file_bindings() { return std::make_unique<PerFileBindings>(); }

}  // namespace slotcheck::smt
