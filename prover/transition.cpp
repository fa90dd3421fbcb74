#include "prover/transition.h"

#include "smt/bounds.h"

namespace slotcheck::smt {

const char* op_name(OpKind k) {
    switch (k) {
    case OpKind::Register: return "register";
    case OpKind::Delete: return "delete";
    case OpKind::Close: return "close";
    case OpKind::Access: return "access";
    case OpKind::Punch: return "punch";
    }
    return "?";
}

std::vector<OpKind> op_kinds(const Design& d) {
    std::vector<OpKind> ks{OpKind::Register, OpKind::Access, OpKind::Punch};
    if (d.has_delete()) ks.push_back(OpKind::Delete);
    if (d.has_close()) ks.push_back(OpKind::Close);
    return ks;
}

StepVars fresh_step(const std::string& p) {
    return {Expr::var(p + ".kind"),  Expr::var(p + ".slot"),  Expr::var(p + ".as"),
            Expr::var(p + ".base"),  Expr::var(p + ".npages"), Expr::bool_var(p + ".gmem"),
            Expr::var(p + ".file"),  Expr::var(p + ".pgoff"),  Expr::var(p + ".cache"),
            Expr::var(p + ".gfn"),   Expr::var(p + ".start"),  Expr::var(p + ".end")};
}

namespace {

NewSlot new_slot(const State& s, const StepVars& v) {
    return {v.slot, {Expr::boolean(true), v.as, v.base, v.npages, v.gmem, v.file, v.pgoff, v.gmem, s.clock}};
}

// KVM's checks on a CREATE (kernel-semantics.md 3.2 and 3.3), in page units.
Expr kernel_accepts(const World& w, const State& s, const NewSlot& n, Obligations& ob) {
    using namespace bounds;
    const SlotVars& ns = n.slot;
    std::vector<Expr> checks;
    checks.push_back(n.index < s.slots.size());
    checks.push_back(!slot_at(s, n.index).live);  // CREATE: no slot with this id
    checks.push_back(ns.as < kNrAddressSpaces);
    checks.push_back(ns.npages >= 1 && ns.npages <= kMaxSlotPages);
    checks.push_back(!wraps({ns.base, ns.npages}));
    Interval gfns = slot_gfns(ns, ob);
    checks.push_back(gfns.hi <= kMaxGfn + 1);
    // EEXIST: another slot of the address space overlaps the gfns.
    for (const SlotVars& o : s.slots) {
        Obligations::Path on(ob, o.live);
        checks.push_back(!(o.live && o.as == ns.as && overlaps(slot_gfns(o, ob), gfns)));
    }
    Obligations::Path on(ob, ns.gmem);
    Expr size = select(w.file_size, ns.file);
    Expr gmem_ok = select(s.file_alive, ns.file) && size <= kMaxFilePages &&
                   !wraps({ns.pgoff, ns.npages}) && slot_offsets(ns, ob).hi <= size;
    checks.push_back(implies(ns.gmem, gmem_ok));
    return all_of(checks);
}

void fill_cache_entry(State& next, const State& s, const Expr& index, const CacheVars& entry) {
    for (size_t c = 0; c < s.cache.size(); ++c) {
        Expr hit = index == c;
        const CacheVars& o = s.cache[c];
        next.cache[c] = {ite(hit, entry.valid, o.valid), ite(hit, entry.as, o.as),
                         ite(hit, entry.gfn, o.gfn),     ite(hit, entry.file, o.file),
                         ite(hit, entry.off, o.off),     ite(hit, entry.ref, o.ref),
                         ite(hit, entry.stale, o.stale)};
    }
}

// Applies the zaps to the cache; entries that survive while their page was
// replaced (`replaced(file, off)`) become stale.
template <class Replaced>
void apply_zaps(State& next, const State& s, const std::vector<Zap>& zaps, Replaced replaced) {
    for (size_t c = 0; c < s.cache.size(); ++c) {
        const CacheVars& o = s.cache[c];
        Expr z = zapped(zaps, o.as, o.gfn);
        next.cache[c].valid = o.valid && !z;
        next.cache[c].stale = o.stale || (o.valid && !z && replaced(o.file, o.off));
    }
}

}  // namespace

Expr registration_guard(const Design& d, const World& w, const State& s, const StepVars& v,
                        Obligations& ob) {
    NewSlot n = new_slot(s, v);
    Expr kernel = kernel_accepts(w, s, n, ob);
    Obligations::Path p(ob, kernel && v.gmem);
    return kernel && implies(v.gmem, d.accepts(w, s, n, ob));
}

Transition make_transition(const Design& d, const World& w, const State& s, OpKind kind,
                           const StepVars& v) {
    using namespace bounds;
    Transition t;
    t.kind = kind;
    t.next = s;
    switch (kind) {
    case OpKind::Register: {
        NewSlot n = new_slot(s, v);
        t.taken = registration_guard(d, w, s, v, t.ob);
        for (size_t i = 0; i < s.slots.size(); ++i) {
            Expr hit = v.slot == i;
            const SlotVars& o = s.slots[i];
            const SlotVars& ns = n.slot;
            t.next.slots[i] = {ite(hit, ns.live, o.live),   ite(hit, ns.as, o.as),
                               ite(hit, ns.base, o.base),   ite(hit, ns.npages, o.npages),
                               ite(hit, ns.gmem, o.gmem),   ite(hit, ns.file, o.file),
                               ite(hit, ns.pgoff, o.pgoff), ite(hit, ns.bound, o.bound),
                               ite(hit, ns.stamp, o.stamp)};
        }
        t.next.clock = s.clock + 1;  // only orders registrations (design 1)
        d.registered(w, s, t.next, n);
        break;
    }
    case OpKind::Delete: {
        SlotVars o = slot_at(s, v.slot);
        t.taken = v.slot < s.slots.size() && o.live;
        {
            Obligations::Path p(t.ob, t.taken);
            // kvm_invalidate_memslot -> kvm_arch_flush_shadow_memslot: zap the slot's gfns.
            t.zaps.push_back({Expr::boolean(true), o.as, slot_gfns(o, t.ob), nullptr, -1, "KVM slot delete"});
        }
        for (size_t i = 0; i < s.slots.size(); ++i) {
            Expr hit = v.slot == i;
            t.next.slots[i].live = s.slots[i].live && !hit;
            t.next.slots[i].bound = s.slots[i].bound && !hit;
        }
        apply_zaps(t.next, s, t.zaps, [](const Expr&, const Expr&) { return Expr::boolean(false); });
        d.deleted(w, s, t.next, v.slot);
        break;
    }
    case OpKind::Close: {
        t.taken = select(s.file_alive, v.file);
        t.next.file_alive = store(s.file_alive, v.file, Expr::boolean(false));
        {
            Obligations::Path p(t.ob, t.taken);
            t.zaps = d.closed(w, s, t.next, v.file, t.ob);
        }
        // The release frees the file's pages: a surviving translation is stale.
        Expr file = v.file;
        apply_zaps(t.next, s, t.zaps, [file](const Expr& f, const Expr&) { return f == file; });
        break;
    }
    case OpKind::Access: {
        SlotVars o = slot_at(s, v.slot);
        Interval gfns = slot_gfns(o, t.ob);
        t.taken = v.slot < s.slots.size() && o.live && o.bound && contains(gfns, v.gfn) &&
                  v.cache < s.cache.size();
        Obligations::Path p(t.ob, t.taken);
        // kvm_gmem_get_pfn: file index = gfn - base_gfn + pgoff.
        CacheVars entry{Expr::boolean(true), o.as, v.gfn, o.file, slot_backing(o, v.gfn, t.ob),
                        v.slot, Expr::boolean(false)};
        fill_cache_entry(t.next, s, v.cache, entry);
        break;
    }
    case OpKind::Punch: {
        t.punch = {v.file, v.start, v.end};
        t.taken = select(s.file_alive, v.file) && v.start < v.end && v.end <= kMaxFilePages;
        {
            Obligations::Path p(t.ob, t.taken);
            t.zaps = d.invalidate(w, s, t.punch, t.ob);
        }
        Punch pu = t.punch;
        apply_zaps(t.next, s, t.zaps, [pu](const Expr& f, const Expr& off) {
            return f == pu.file && pu.start <= off && off < pu.end;
        });
        break;
    }
    }
    return t;
}

Expr transition_relation(const Design& d, const World& w, const State& s, const State& next,
                         const StepVars& v) {
    std::vector<Expr> cases;
    for (OpKind k : op_kinds(d)) {
        Transition t = make_transition(d, w, s, k, v);
        cases.push_back(v.kind == static_cast<uint64_t>(k) && t.taken && equal(next, t.next));
    }
    return any_of(cases);
}

}  // namespace slotcheck::smt
