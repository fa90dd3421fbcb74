#include "prover/properties.h"

namespace slotcheck::smt {

namespace {

std::string pair_label(const char* what, size_t i, size_t j) {
    return std::string(what) + " " + std::to_string(i) + " and " + std::to_string(j);
}

// Spec formulas record their arithmetic into a scratch Obligations that
// nobody checks: it is exact under the well-formedness invariant, which is
// proved separately.

std::vector<Instance> gfn_disjoint(const Design&, const World&, const State& s, const std::string&) {
    Obligations spec;
    std::vector<Instance> is;
    for (size_t i = 0; i < s.slots.size(); ++i)
        for (size_t j = i + 1; j < s.slots.size(); ++j) {
            const SlotVars &a = s.slots[i], &b = s.slots[j];
            is.push_back({!(a.live && b.live && a.as == b.as &&
                            overlaps(slot_gfns(a, spec), slot_gfns(b, spec))),
                          pair_label("slots", i, j)});
        }
    return is;
}

std::vector<Instance> offset_disjoint(const Design&, const World&, const State& s, const std::string&) {
    Obligations spec;
    std::vector<Instance> is;
    for (size_t i = 0; i < s.slots.size(); ++i)
        for (size_t j = i + 1; j < s.slots.size(); ++j) {
            const SlotVars &a = s.slots[i], &b = s.slots[j];
            is.push_back({!(a.bound && b.bound && a.file == b.file &&
                            overlaps(slot_offsets(a, spec), slot_offsets(b, spec))),
                          pair_label("bindings of slots", i, j)});
        }
    return is;
}

// (as, gfn) -> (file, offset) over the bound slots is a function and injective:
// for gfns g1 of slot i and g2 of slot j, same (as, gfn) <=> same (file, offset).
std::vector<Instance> one_to_one(const Design&, const World&, const State& s, const std::string& fresh) {
    Obligations spec;
    std::vector<Instance> is;
    for (size_t i = 0; i < s.slots.size(); ++i)
        for (size_t j = i; j < s.slots.size(); ++j) {
            const SlotVars &a = s.slots[i], &b = s.slots[j];
            std::string tag = "." + std::to_string(i) + "." + std::to_string(j);
            Expr g1 = Expr::var(fresh + ".g1" + tag), g2 = Expr::var(fresh + ".g2" + tag);
            Expr in = a.bound && b.bound && contains(slot_gfns(a, spec), g1) &&
                      contains(slot_gfns(b, spec), g2);
            Expr same_gfn = a.as == b.as && g1 == g2;
            Expr same_page = a.file == b.file && slot_backing(a, g1, spec) == slot_backing(b, g2, spec);
            is.push_back({implies(in, same_gfn == same_page), pair_label("slots", i, j)});
        }
    return is;
}

// The translation cache holds nothing stale: every valid entry is what its
// slot maps now, and no punch replaced its page while it survived.
std::vector<Instance> invalidation_sound(const Design&, const World&, const State& s, const std::string&) {
    Obligations spec;
    std::vector<Instance> is;
    for (size_t c = 0; c < s.cache.size(); ++c) {
        const CacheVars& e = s.cache[c];
        SlotVars slot = slot_at(s, e.ref);
        Expr current = slot.live && slot.bound && slot.as == e.as && contains(slot_gfns(slot, spec), e.gfn) &&
                       slot.file == e.file && slot_backing(slot, e.gfn, spec) == e.off;
        is.push_back({implies(e.valid, current && !e.stale), "cache entry " + std::to_string(c)});
    }
    return is;
}

// A punch invalidates only gfns whose backing lies in the punched range.
std::vector<Instance> invalidation_precise(const Design&, const World&, const State& s, const Transition& t,
                                          const std::string& fresh) {
    Obligations spec;
    if (t.kind != OpKind::Punch) return {};
    Expr as = Expr::var(fresh + ".as"), gfn = Expr::var(fresh + ".gfn");
    std::vector<Expr> backed;
    for (const SlotVars& sl : s.slots) {
        Expr off = slot_backing(sl, gfn, spec);
        backed.push_back(sl.bound && sl.as == as && contains(slot_gfns(sl, spec), gfn) && sl.file == t.punch.file &&
                         t.punch.start <= off && off < t.punch.end);
    }
    return {{implies(zapped(t.zaps, as, gfn), any_of(backed)), "punched gfns"}};
}

std::vector<Instance> no_wrap(const Design&, const World&, const State&, const Transition& t, const std::string&) {
    std::vector<Instance> is;
    for (const Obligations::Item& i : t.ob.items())
        is.push_back({implies(i.when, i.holds), std::string(op_name(t.kind)) + ": " + i.what});
    return is;
}

std::vector<Instance> no_dangling(const Design&, const World&, const State& s, const std::string&) {
    std::vector<Instance> is;
    for (size_t k = 0; k < s.bindings.size(); ++k) {
        const BindingVars& b = s.bindings[k];
        SlotVars slot = slot_at(s, b.ref);
        is.push_back({implies(b.valid, slot.live && slot.bound && slot.file == b.file && slot.pgoff == b.pgoff &&
                                           slot.npages == b.npages),
                      "binding " + std::to_string(k)});
    }
    return is;
}

bool always(const Design&) { return true; }

}  // namespace

const std::vector<Property>& properties() {
    static const std::vector<Property> table = {
        {"gfn-disjoint", "live slots of one address space never overlap in gfns", PropertyKind::State, always,
         gfn_disjoint, nullptr},
        {"offset-disjoint", "live bindings of one file never overlap in offsets", PropertyKind::State, always,
         offset_disjoint, nullptr},
        {"one-to-one", "(as, gfn) -> (file, offset) is a function and injective", PropertyKind::State, always,
         one_to_one, nullptr},
        {"invalidation-sound", "no cached translation is ever stale after a punch", PropertyKind::State, always,
         invalidation_sound, nullptr},
        {"invalidation-precise", "a punch invalidates only gfns backed by the punched pages", PropertyKind::Step,
         always, nullptr, invalidation_precise},
        {"no-wrap", "no checked computation of an accepted step wraps", PropertyKind::Step, always, nullptr,
         no_wrap},
        {"no-dangling-binding", "no binding refers to a dead slot", PropertyKind::State,
         [](const Design& d) { return d.has_binding_table(); }, no_dangling, nullptr},
    };
    return table;
}

const Property* find_property(const std::string& name) {
    for (const Property& p : properties())
        if (p.name == name) return &p;
    return nullptr;
}

std::vector<Instance> well_formed_instances(const World& w, const State& s) {
    std::vector<Instance> is;
    for (size_t i = 0; i < s.slots.size(); ++i)
        is.push_back({slot_well_formed(w, s, s.slots[i]), "slot " + std::to_string(i) + " well-formed"});
    return is;
}

Expr all_hold(const std::vector<Instance>& is) {
    std::vector<Expr> es;
    for (const Instance& i : is) es.push_back(i.holds);
    return all_of(es);
}

}  // namespace slotcheck::smt
