#include "prover/state.h"

#include "smt/bounds.h"

namespace slotcheck::smt {

namespace {

std::string name(const std::string& prefix, const char* field, size_t i) {
    return prefix + "." + field + "." + std::to_string(i);
}

// Renames entry indices a <-> b inside a stored reference.
Expr remap(const Expr& ref, size_t a, size_t b) {
    return ite(ref == a, Expr::bv(b), ite(ref == b, Expr::bv(a), ref));
}

}  // namespace

World make_world(const std::string& n, size_t nslots, size_t ncache) {
    World w;
    w.file_size = Expr::bv_array_var(n + ".file_size");
    w.nslots = nslots;
    w.ncache = ncache;
    return w;
}

State fresh_state(const World& w, const std::string& p) {
    State s;
    for (size_t i = 0; i < w.nslots; ++i) {
        s.slots.push_back({Expr::bool_var(name(p, "live", i)), Expr::var(name(p, "as", i)),
                           Expr::var(name(p, "base", i)), Expr::var(name(p, "npages", i)),
                           Expr::bool_var(name(p, "gmem", i)), Expr::var(name(p, "file", i)),
                           Expr::var(name(p, "pgoff", i)), Expr::bool_var(name(p, "bound", i)),
                           Expr::var(name(p, "stamp", i))});
        s.bindings.push_back({Expr::bool_var(name(p, "bvalid", i)), Expr::var(name(p, "bfile", i)),
                              Expr::var(name(p, "bpgoff", i)), Expr::var(name(p, "bnpages", i)),
                              Expr::var(name(p, "bref", i))});
    }
    for (size_t c = 0; c < w.ncache; ++c) {
        s.cache.push_back({Expr::bool_var(name(p, "cvalid", c)), Expr::var(name(p, "cas", c)),
                           Expr::var(name(p, "cgfn", c)), Expr::var(name(p, "cfile", c)),
                           Expr::var(name(p, "coff", c)), Expr::var(name(p, "cref", c)),
                           Expr::bool_var(name(p, "cstale", c))});
    }
    s.file_alive = Expr::bool_array_var(p + ".file_alive");
    s.clock = Expr::var(p + ".clock");
    return s;
}

State initial_state(const World& w) {
    State s;
    Expr f = Expr::boolean(false), z = Expr::bv(0);
    for (size_t i = 0; i < w.nslots; ++i) {
        s.slots.push_back({f, z, z, z, f, z, z, f, z});
        s.bindings.push_back({f, z, z, z, z});
    }
    for (size_t c = 0; c < w.ncache; ++c) s.cache.push_back({f, z, z, z, z, z, f});
    s.file_alive = Expr::bool_array_const(true);
    s.clock = z;
    return s;
}

Expr equal(const State& a, const State& b) {
    std::vector<Expr> es;
    for (size_t i = 0; i < a.slots.size(); ++i) {
        const SlotVars &x = a.slots[i], &y = b.slots[i];
        es.insert(es.end(), {x.live == y.live, x.as == y.as, x.base == y.base, x.npages == y.npages,
                             x.gmem == y.gmem, x.file == y.file, x.pgoff == y.pgoff,
                             x.bound == y.bound, x.stamp == y.stamp});
        const BindingVars &p = a.bindings[i], &q = b.bindings[i];
        es.insert(es.end(), {p.valid == q.valid, p.file == q.file, p.pgoff == q.pgoff,
                             p.npages == q.npages, p.ref == q.ref});
    }
    for (size_t c = 0; c < a.cache.size(); ++c) {
        const CacheVars &x = a.cache[c], &y = b.cache[c];
        es.insert(es.end(), {x.valid == y.valid, x.as == y.as, x.gfn == y.gfn, x.file == y.file,
                             x.off == y.off, x.ref == y.ref, x.stale == y.stale});
    }
    es.push_back(a.file_alive == b.file_alive);
    es.push_back(a.clock == b.clock);
    return all_of(es);
}

State restrict_to(const State& s, size_t keep) {
    State r = s;
    for (size_t i = 0; i < r.slots.size(); ++i) {
        if (i == keep) continue;
        r.slots[i].live = Expr::boolean(false);
        r.slots[i].bound = Expr::boolean(false);
        r.bindings[i].valid = Expr::boolean(false);
    }
    return r;
}

State drop_entry(const State& s, size_t drop) {
    State r = s;
    r.slots[drop].live = Expr::boolean(false);
    r.slots[drop].bound = Expr::boolean(false);
    r.bindings[drop].valid = Expr::boolean(false);
    for (CacheVars& c : r.cache) c.valid = c.valid && c.ref != drop;
    return r;
}

State swap_entries(const State& s, size_t a, size_t b) {
    State r = s;
    std::swap(r.slots[a], r.slots[b]);
    std::swap(r.bindings[a], r.bindings[b]);
    for (BindingVars& bv : r.bindings) bv.ref = remap(bv.ref, a, b);
    for (CacheVars& c : r.cache) c.ref = remap(c.ref, a, b);
    return r;
}

Interval slot_gfns(const SlotVars& s, Obligations& ob) {
    return interval({s.base, s.npages}, ob, "slot base gfn + npages");
}

Interval slot_offsets(const SlotVars& s, Obligations& ob) {
    return interval({s.pgoff, s.npages}, ob, "slot pgoff + npages");
}

Expr slot_maps(const SlotVars& s, const Expr& as, const Expr& gfn, Obligations& ob) {
    return s.live && s.as == as && contains(slot_gfns(s, ob), gfn);
}

Expr slot_backing(const SlotVars& s, const Expr& gfn, Obligations& ob) {
    return ob.add(ob.sub(gfn, s.base, "gfn - base"), s.pgoff, "gfn - base + pgoff");
}

SlotVars slot_at(const State& st, const Expr& index) {
    SlotVars r = st.slots.back();
    for (size_t i = st.slots.size() - 1; i-- > 0;) {
        const SlotVars& s = st.slots[i];
        Expr c = index == i;
        r = {ite(c, s.live, r.live),   ite(c, s.as, r.as),     ite(c, s.base, r.base),
             ite(c, s.npages, r.npages), ite(c, s.gmem, r.gmem), ite(c, s.file, r.file),
             ite(c, s.pgoff, r.pgoff), ite(c, s.bound, r.bound), ite(c, s.stamp, r.stamp)};
    }
    // An index past the last entry names no slot.
    r.live = r.live && index < st.slots.size();
    r.bound = r.bound && index < st.slots.size();
    return r;
}

Expr slot_well_formed(const World& w, const State& st, const SlotVars& s) {
    using namespace bounds;
    Expr size = select(w.file_size, s.file);
    return implies(s.live, s.as < kNrAddressSpaces && s.npages >= 1 && s.npages <= kMaxSlotPages &&
                               !wraps({s.base, s.npages}) && s.base + s.npages <= kMaxGfn + 1) &&
           implies(s.bound, s.live && s.gmem && select(st.file_alive, s.file) &&
                                !wraps({s.pgoff, s.npages}) && s.pgoff + s.npages <= size &&
                                size <= kMaxFilePages);
}

}  // namespace slotcheck::smt
