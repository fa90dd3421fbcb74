#include "prover/bmc.h"

#include <algorithm>
#include <optional>
#include <set>

#include "prover/op_projection.h"
#include "smt/solver.h"

namespace slotcheck::smt {

namespace {

// The unrolled run: states S[0..k], steps v[1..k], and every kind's
// transition out of S[t-1].
struct Unrolling {
    World w;
    std::vector<State> states;
    std::vector<StepVars> steps;                 // steps[t-1] leads to states[t]
    std::vector<std::vector<Transition>> trans;  // trans[t-1][kind index]
    std::vector<OpKind> kinds;
};

Unrolling unroll(const Design& d, int k, Solver& sol) {
    Unrolling u;
    u.w = make_world("w", static_cast<size_t>(k), static_cast<size_t>(k));
    u.kinds = op_kinds(d);
    u.states.push_back(initial_state(u.w));
    for (int t = 1; t <= k; ++t) {
        std::string tag = std::to_string(t);
        u.steps.push_back(fresh_step("a" + tag));
        u.states.push_back(fresh_state(u.w, "s" + tag));
        std::vector<Transition> ts;
        std::vector<Expr> cases;
        for (OpKind kind : u.kinds) {
            ts.push_back(make_transition(d, u.w, u.states[t - 1], kind, u.steps.back()));
            cases.push_back(u.steps.back().kind == static_cast<uint64_t>(kind) && ts.back().taken &&
                            equal(u.states[t], ts.back().next));
        }
        sol.add(any_of(cases));
        u.trans.push_back(std::move(ts));
    }
    return u;
}

Expr violation(const Design& d, const Property& p, const Unrolling& u) {
    int k = static_cast<int>(u.steps.size());
    if (p.kind == PropertyKind::State) return !all_hold(p.state(d, u.w, u.states[k], "x"));
    std::vector<Expr> cases;
    for (size_t i = 0; i < u.kinds.size(); ++i) {
        std::vector<Instance> is = p.step(d, u.w, u.states[k - 1], u.trans[k - 1][i], "x");
        if (is.empty()) continue;
        cases.push_back(u.steps[k - 1].kind == static_cast<uint64_t>(u.kinds[i]) && !all_hold(is));
    }
    return any_of(cases);
}

OpKind kind_of(const Model& m, const StepVars& v) { return static_cast<OpKind>(m.uint(v.kind)); }

// Lexicographic minimization by iterative tightening: for each variable in
// priority order, the smallest value that keeps the formula satisfiable is
// found (try the lower bound, then binary search) and fixed.
class Minimizer {
public:
    Minimizer(Solver& s, Result& r) : sol_(s), best_(r) {}

    bool minimize(const Expr& x, uint64_t lower = 0) {
        uint64_t cur = best_.model().uint(x);
        if (cur <= lower) return fix(x, cur);
        if (try_bound(x == lower)) return fix(x, lower);
        uint64_t bad = lower;  // x <= bad is unsat
        while (cur - bad > 1) {
            uint64_t mid = bad + (cur - bad) / 2;
            if (try_bound(x <= mid)) cur = best_.model().uint(x);
            else if (!unknown_) bad = mid;
            else break;
        }
        return fix(x, cur);
    }

    bool prefer(const Expr& b, bool value) {
        if (best_.model().boolean(b) == value) {
            sol_.add(b == Expr::boolean(value));
            return true;
        }
        if (try_bound(b == Expr::boolean(value))) return true;
        sol_.add(b == Expr::boolean(!value));
        return true;
    }

    // Tries all of `xs` <= bound at once (a quick first squeeze).
    void squeeze(const std::vector<Expr>& xs, uint64_t bound) {
        std::vector<Expr> cs;
        for (const Expr& x : xs) cs.push_back(x <= bound);
        try_bound(all_of(cs));
    }

private:
    bool try_bound(const Expr& c) {
        sol_.push();
        sol_.add(c);
        Result r = sol_.check();
        if (r.sat()) {
            best_ = std::move(r);  // a model outlives the scope it was found in
            sol_.pop();
            sol_.add(c);
            return true;
        }
        unknown_ = r.unknown();
        sol_.pop();
        return false;
    }

    bool fix(const Expr& x, uint64_t v) {
        sol_.add(x == v);
        return true;
    }

    Solver& sol_;
    Result& best_;
    bool unknown_ = false;
};

struct ConcreteSlot {
    bool live = false, gmem = false, bound = false;
    uint64_t as = 0, base = 0, npages = 0, file = 0, pgoff = 0;
};

struct ConcreteCache {
    bool valid = false, stale = false;
    uint64_t as = 0, gfn = 0, file = 0, off = 0, ref = 0;
};

struct ConcreteBinding {
    bool valid = false;
    uint64_t file = 0, pgoff = 0, npages = 0, ref = 0;
};

struct ConcreteState {
    std::vector<ConcreteSlot> slots;
    std::vector<ConcreteCache> cache;
    std::vector<ConcreteBinding> bindings;
};

ConcreteState read_state(const Model& m, const State& s) {
    ConcreteState c;
    for (const SlotVars& v : s.slots)
        c.slots.push_back({m.boolean(v.live), m.boolean(v.gmem), m.boolean(v.bound), m.uint(v.as), m.uint(v.base),
                           m.uint(v.npages), m.uint(v.file), m.uint(v.pgoff)});
    for (const CacheVars& v : s.cache)
        c.cache.push_back({m.boolean(v.valid), m.boolean(v.stale), m.uint(v.as), m.uint(v.gfn), m.uint(v.file),
                           m.uint(v.off), m.uint(v.ref)});
    for (const BindingVars& v : s.bindings)
        c.bindings.push_back({m.boolean(v.valid), m.uint(v.file), m.uint(v.pgoff), m.uint(v.npages), m.uint(v.ref)});
    return c;
}

// gfns [lo, hi) of address space `as`, and what they are ("notifier of
// slot 1"): how the trace describes what a step zapped.
struct GfnRange {
    uint64_t as = 0;
    uint64_t lo = 0;
    uint64_t hi = 0;
    std::string who;
};

// Reads zaps back, splitting a zap with a filter into the ranges it keeps.
std::vector<GfnRange> read_zaps(const Model& m, const std::vector<Zap>& zaps) {
    std::vector<GfnRange> out;
    for (const Zap& z : zaps) {
        if (!m.boolean(z.when)) continue;
        uint64_t as = m.uint(z.as), lo = m.uint(z.gfns.lo), hi = m.uint(z.gfns.hi);
        if (hi <= lo) continue;
        std::string who = z.who + (z.entry >= 0 ? " " + std::to_string(z.entry) : "");
        if (!z.only || hi - lo > 256) {
            out.push_back({as, lo, hi, who});
            continue;
        }
        for (uint64_t g = lo; g < hi;) {
            if (!m.boolean(z.only(Expr::bv(g)))) { ++g; continue; }
            uint64_t e = g + 1;
            while (e < hi && m.boolean(z.only(Expr::bv(e)))) ++e;
            out.push_back({as, g, e, who});
            g = e;
        }
    }
    return out;
}

// The gfns backed by file pages [start, end) of `file`: the exact reverse math.
std::vector<GfnRange> backed(const ConcreteState& s, uint64_t file, uint64_t start, uint64_t end) {
    std::vector<GfnRange> out;
    for (size_t i = 0; i < s.slots.size(); ++i) {
        const ConcreteSlot& sl = s.slots[i];
        if (!sl.bound || sl.file != file) continue;
        uint64_t first = std::max(start, sl.pgoff), last = std::min(end, sl.pgoff + sl.npages);
        if (first >= last) continue;
        out.push_back({sl.as, sl.base + first - sl.pgoff, sl.base + last - sl.pgoff, "slot " + std::to_string(i)});
    }
    return out;
}

bool in_ranges(const std::vector<GfnRange>& rs, uint64_t as, uint64_t g) {
    for (const GfnRange& r : rs)
        if (r.as == as && r.lo <= g && g < r.hi) return true;
    return false;
}

std::string f(uint64_t file) { return "f" + std::to_string(file); }
std::string gfn_text(uint64_t as, uint64_t g) { return "gfn " + hex(g) + " (as " + std::to_string(as) + ")"; }
std::string range(uint64_t lo, uint64_t hi) { return "[" + hex(lo) + ", " + hex(hi) + ")"; }

std::string ranges(const std::vector<GfnRange>& rs) {
    if (rs.empty()) return "nothing";
    std::string out;
    for (const GfnRange& r : rs) {
        if (!out.empty()) out += ", ";
        out += "as " + std::to_string(r.as) + " gfns " + range(r.lo, r.hi);
        if (!r.who.empty()) out += " (" + r.who + ")";
    }
    return out;
}

// "slot 0: as 0, gfns [0x0, 0x1) -> f0 pages [0x0, 0x1)"
std::string slot_text(uint64_t id, const ConcreteSlot& s) {
    std::string t = "slot " + std::to_string(id) + ": as " + std::to_string(s.as) + ", gfns " +
                    range(s.base, s.base + s.npages);
    if (s.gmem) t += " -> " + f(s.file) + " pages " + range(s.pgoff, s.pgoff + s.npages);
    else t += " (no guest_memfd)";
    return t;
}

// What the last step zapped, and (a punch) what it should have.
struct LastStep {
    std::vector<GfnRange> zapped;
    std::vector<GfnRange> expected;
};

// The concrete story of the violation, and where the sequence should look.
void explain(const Property& p, const Model& m, const Unrolling& u, const LastStep& s, TraceWriter& c) {
    int k = static_cast<int>(u.steps.size());
    ConcreteState last = read_state(m, u.states[k]);
    ConcreteState before = read_state(m, u.states[k - 1]);
    const std::string& name = p.name;
    auto both = [](const ConcreteSlot& a, const ConcreteSlot& b, bool bound) {
        return bound ? a.bound && b.bound : a.live && b.live;
    };
    if (name == "gfn-disjoint" || name == "offset-disjoint" || name == "one-to-one") {
        for (size_t i = 0; i < last.slots.size(); ++i)
            for (size_t j = i + 1; j < last.slots.size(); ++j) {
                const ConcreteSlot &a = last.slots[i], &b = last.slots[j];
                if (name == "gfn-disjoint") {
                    if (!both(a, b, false) || a.as != b.as) continue;
                    uint64_t lo = std::max(a.base, b.base), hi = std::min(a.base + a.npages, b.base + b.npages);
                    if (lo >= hi) continue;
                    c.violation("slots " + std::to_string(i) + " and " + std::to_string(j) + " both map " +
                                gfn_text(a.as, lo));
                    c.read_after_last({a.as, lo});
                    return;
                }
                if (!both(a, b, true)) continue;
                if (a.file == b.file) {
                    uint64_t lo = std::max(a.pgoff, b.pgoff), hi = std::min(a.pgoff + a.npages, b.pgoff + b.npages);
                    if (lo < hi) {
                        uint64_t g1 = a.base + lo - a.pgoff, g2 = b.base + lo - b.pgoff;
                        if (name == "offset-disjoint")
                            c.violation("slots " + std::to_string(i) + " and " + std::to_string(j) + " both bind " +
                                        f(a.file) + " page " + hex(lo));
                        else
                            c.violation(gfn_text(a.as, g1) + " of slot " + std::to_string(i) + " and " +
                                        gfn_text(b.as, g2) + " of slot " + std::to_string(j) + " both map to " +
                                        f(a.file) + " page " + hex(lo) + ": the map is not injective");
                        c.write_after_last({a.as, g1});
                        c.read_after_last({b.as, g2});
                        return;
                    }
                }
                if (name == "one-to-one" && a.as == b.as) {
                    uint64_t lo = std::max(a.base, b.base), hi = std::min(a.base + a.npages, b.base + b.npages);
                    if (lo < hi) {
                        c.violation(gfn_text(a.as, lo) + " maps to two file pages: the map is not a function");
                        c.read_after_last({a.as, lo});
                        return;
                    }
                }
            }
        c.violation("(the pair could not be read back)");
        return;
    }
    if (name == "invalidation-sound") {
        for (const ConcreteCache& e : last.cache) {
            if (!e.valid) continue;
            bool current = false;
            if (e.ref < last.slots.size()) {
                const ConcreteSlot& s = last.slots[e.ref];
                current = s.live && s.bound && s.as == e.as && s.base <= e.gfn && e.gfn < s.base + s.npages &&
                          s.file == e.file && e.gfn - s.base + s.pgoff == e.off;
            }
            if (e.stale) {
                c.violation(gfn_text(e.as, e.gfn) + " is still cached -> " + f(e.file) + " page " + hex(e.off) +
                            ", but that page was replaced: the guest sees stale data");
            } else if (!current) {
                c.violation(gfn_text(e.as, e.gfn) + " is still cached -> " + f(e.file) + " page " + hex(e.off) +
                            ", which its slot no longer maps");
            } else {
                continue;
            }
            c.read_after_last({e.as, e.gfn});
            return;
        }
        c.violation("(the stale entry could not be read back)");
        return;
    }
    if (name == "invalidation-precise") {
        for (const GfnRange& z : s.zapped)
            for (uint64_t g = z.lo; g < z.hi && g - z.lo < 64; ++g) {
                if (in_ranges(s.expected, z.as, g)) continue;
                std::string why = "nothing";
                for (size_t i = 0; i < before.slots.size(); ++i) {
                    const ConcreteSlot& sl = before.slots[i];
                    if (sl.live && sl.as == z.as && sl.base <= g && g < sl.base + sl.npages) {
                        why = sl.gmem ? f(sl.file) + " page " + hex(g - sl.base + sl.pgoff) + " (slot " +
                                            std::to_string(i) + "), which was not punched"
                                      : "slot " + std::to_string(i) + " (no guest_memfd)";
                        if (sl.bound) c.write_before_last({z.as, g}, "marker before the last step");
                    }
                }
                c.violation(gfn_text(z.as, g) + " was zapped, but it is backed by " + why);
                c.read_after_last({z.as, g});
                return;
            }
        c.violation("(the wrongly zapped gfn could not be read back)");
        return;
    }
    if (name == "no-wrap") {
        bool found = false;
        for (size_t i = 0; i < u.kinds.size(); ++i) {
            if (u.kinds[i] != kind_of(m, u.steps[k - 1])) continue;
            for (const Obligations::Item& it : u.trans[k - 1][i].ob.items())
                if (m.boolean(it.when) && !m.boolean(it.holds)) {
                    c.violation(std::string(op_name(u.kinds[i])) + ": " + it.what + " wraps");
                    found = true;
                }
        }
        if (!found) c.violation("(the wrapping computation could not be read back)");
        return;
    }
    if (name == "no-dangling-binding") {
        bool found = false;
        for (size_t k2 = 0; k2 < last.bindings.size(); ++k2) {
            const ConcreteBinding& b = last.bindings[k2];
            if (!b.valid) continue;
            bool ok = b.ref < last.slots.size() && last.slots[b.ref].live && last.slots[b.ref].bound;
            if (!ok) {
                c.violation("binding of " + f(b.file) + " pages [" + hex(b.pgoff) + ", " + hex(b.pgoff + b.npages) +
                            ") refers to slot " + std::to_string(b.ref) + ", which is gone");
                found = true;
            }
        }
        if (!found) c.violation("(the dangling binding could not be read back)");
        return;
    }
    c.violation("property " + name + " fails");
}

// Reads the run out of the model as its sequence. Empty when a step has no
// op: a guest access in address space 1 (the probe vCPU runs in 0).
std::optional<Counterexample> read_counterexample(const Design& d, const Property& p, const Model& m,
                                                  const Unrolling& u) {
    TraceWriter c(d.name(), p.name);
    LastStep last;
    for (size_t t = 0; t < u.steps.size(); ++t) {
        const StepVars& v = u.steps[t];
        ConcreteState before = read_state(m, u.states[t]);
        OpKind kind = kind_of(m, v);
        size_t ki = std::find(u.kinds.begin(), u.kinds.end(), kind) - u.kinds.begin();
        const Transition& tr = u.trans[t][ki];
        uint32_t id = static_cast<uint32_t>(m.uint(v.slot));
        last = {};
        switch (kind) {
        case OpKind::Register: {
            ConcreteSlot s;
            s.as = m.uint(v.as);
            s.base = m.uint(v.base);
            s.npages = m.uint(v.npages);
            s.gmem = m.boolean(v.gmem);
            s.file = m.uint(v.file);
            s.pgoff = m.uint(v.pgoff);
            c.registration(id, s.as, s.base, s.npages, s.gmem, s.file, s.pgoff, "register " + slot_text(id, s));
            break;
        }
        case OpKind::Delete: {
            const ConcreteSlot& s = before.slots[id];
            last.zapped = read_zaps(m, tr.zaps);
            c.deletion(id, s.as, s.base, "delete slot " + std::to_string(id) + "; zaps " + ranges(last.zapped));
            break;
        }
        case OpKind::Close: {
            uint64_t file = m.uint(v.file);
            last.zapped = read_zaps(m, tr.zaps);
            c.close(file, "close " + f(file) + "; zaps " + ranges(last.zapped));
            break;
        }
        case OpKind::Access: {
            const ConcreteSlot& s = before.slots[id];
            uint64_t gfn = m.uint(v.gfn);
            if (!c.access(s.as, gfn,
                          "guest access as " + std::to_string(s.as) + " gfn " + hex(gfn) + " -> " + f(s.file) +
                              " page " + hex(gfn - s.base + s.pgoff) + " (slot " + std::to_string(id) +
                              "), translation cached"))
                return std::nullopt;
            break;
        }
        case OpKind::Punch: {
            uint64_t file = m.uint(v.file), start = m.uint(v.start), end = m.uint(v.end);
            last.zapped = read_zaps(m, tr.zaps);
            last.expected = backed(before, file, start, end);
            c.punch(file, start, end,
                    "punch " + f(file) + " pages " + range(start, end) + "; design zaps " + ranges(last.zapped) +
                        "; backed by the punched pages: " + ranges(last.expected));
            break;
        }
        }
    }
    explain(p, m, u, last, c);
    // A final punch: its pages should read back as zero through every gfn they back.
    for (const GfnRange& r : last.expected) c.write_before_last({r.as, r.lo}, "marker on a punched page");
    return c.finish();
}

void minimize(Minimizer& mz, const Model& first, const Unrolling& u) {
    std::vector<Expr> pgoffs, ases, files, bases, npages, slots, gfns, caches, starts, ends, all;
    for (const StepVars& v : u.steps) {
        switch (kind_of(first, v)) {
        case OpKind::Register:
            pgoffs.push_back(v.pgoff);
            ases.push_back(v.as);
            files.push_back(v.file);
            bases.push_back(v.base);
            npages.push_back(v.npages);
            slots.push_back(v.slot);
            break;
        case OpKind::Delete: slots.push_back(v.slot); break;
        case OpKind::Close: files.push_back(v.file); break;
        case OpKind::Access:
            slots.push_back(v.slot);
            gfns.push_back(v.gfn);
            caches.push_back(v.cache);
            break;
        case OpKind::Punch:
            files.push_back(v.file);
            starts.push_back(v.start);
            ends.push_back(v.end);
            break;
        }
    }
    for (const auto* group : {&pgoffs, &ases, &files, &bases, &npages, &slots, &gfns, &caches, &starts, &ends})
        all.insert(all.end(), group->begin(), group->end());
    mz.squeeze(all, 15);
    for (const StepVars& v : u.steps)
        if (kind_of(first, v) == OpKind::Register) mz.prefer(v.gmem, true);
    for (const auto* group : {&pgoffs, &ases, &files, &bases, &npages, &slots, &gfns, &caches})
        for (const Expr& x : *group) mz.minimize(x);
    // Punches: the shortest range first, then the lowest start.
    for (size_t i = 0; i < ends.size(); ++i) {
        mz.minimize(ends[i] - starts[i], 1);
        mz.minimize(starts[i]);
    }
}

}  // namespace

BmcResult shortest_counterexample(const Design& d, const Property& p, int max_depth) {
    auto start = std::chrono::steady_clock::now();
    BmcResult res;
    for (int k = 1; k <= max_depth; ++k) {
        Solver sol;
        Unrolling u = unroll(d, k, sol);
        sol.add(violation(d, p, u));
        Result r = sol.check();
        if (r.unknown()) {
            res.status = BmcResult::Status::Unknown;
            res.reason = "depth " + std::to_string(k) + ": " + r.reason();
            res.depth = k;
            res.seconds = seconds_since(start);
            return res;
        }
        if (r.unsat()) continue;
        // Fix the operation kinds, then minimize the values.
        for (const StepVars& v : u.steps) sol.add(v.kind == r.model().uint(v.kind));
        Result best = sol.check();
        if (!best.sat()) best = std::move(r);
        {
            Minimizer mz(sol, best);
            minimize(mz, best.model(), u);
        }
        std::optional<Counterexample> cex = read_counterexample(d, p, best.model(), u);
        res.status = cex ? BmcResult::Status::Found : BmcResult::Status::Unknown;
        res.depth = k;
        if (cex) res.cex = std::move(*cex);
        else res.reason = "depth " + std::to_string(k) + ": the counterexample has a guest access in address space 1, "
                          "which a sequence cannot express (the probe vCPU runs in address space 0)";
        res.seconds = seconds_since(start);
        return res;
    }
    res.status = BmcResult::Status::NoneWithinDepth;
    res.depth = max_depth;
    res.seconds = seconds_since(start);
    return res;
}

PremiseResult check_non_vacuous(const Design& d) {
    PremiseResult pr;
    pr.name = "non-vacuous";
    pr.holds = true;
    auto start = std::chrono::steady_clock::now();
    // Two registrations, both accepted.
    {
        Solver sol;
        Unrolling u = unroll(d, 2, sol);
        sol.add(u.steps[0].kind == static_cast<uint64_t>(OpKind::Register));
        sol.add(u.steps[1].kind == static_cast<uint64_t>(OpKind::Register));
        sol.add(u.states[2].slots[0].bound && u.states[2].slots[1].bound);
        Result r = sol.check();
        if (!r.sat()) {
            pr.holds = false;
            pr.unknown = r.unknown();
            pr.detail = "two guest_memfd registrations are never both accepted";
        }
    }
    // register, access, then each invalidating kind zaps the cached gfn.
    std::vector<OpKind> zappers{OpKind::Punch};
    if (d.has_delete()) zappers.push_back(OpKind::Delete);
    if (d.has_close()) zappers.push_back(OpKind::Close);
    for (OpKind z : zappers) {
        Solver sol;
        Unrolling u = unroll(d, 3, sol);
        sol.add(u.steps[0].kind == static_cast<uint64_t>(OpKind::Register));
        sol.add(u.steps[1].kind == static_cast<uint64_t>(OpKind::Access));
        sol.add(u.steps[2].kind == static_cast<uint64_t>(z));
        std::vector<Expr> zapped_entry;
        for (size_t c = 0; c < u.states[2].cache.size(); ++c)
            zapped_entry.push_back(u.states[2].cache[c].valid && !u.states[3].cache[c].valid);
        sol.add(any_of(zapped_entry));
        Result r = sol.check();
        if (!r.sat()) {
            pr.holds = false;
            pr.unknown = pr.unknown || r.unknown();
            pr.detail += std::string(pr.detail.empty() ? "" : "; ") + "no " + op_name(z) +
                         " ever invalidates a cached gfn";
        }
    }
    pr.seconds = seconds_since(start);
    return pr;
}

PremiseResult recheck_with_bitvectors(const Design& d, const Property& p, const Counterexample& c) {
    PremiseResult pr;
    pr.name = "bit-vector re-check";
    auto start = std::chrono::steady_clock::now();
    Encoding saved = encoding();
    set_encoding(Encoding::BitVector);
    {
        Solver sol;
        Unrolling u = unroll(d, static_cast<int>(c.trace.size()), sol);
        for (size_t t = 0; t < c.trace.size(); ++t) {
            std::optional<ProjectedStep> step = project(c.sequence.steps.at(c.trace[t]).op, u.steps[t], u.states[t]);
            sol.add(step ? step->fixes : Expr::boolean(false));
        }
        sol.add(violation(d, p, u));
        Result r = sol.check();
        pr.holds = r.sat();
        pr.unknown = r.unknown();
        pr.detail = r.sat() ? "" : r.unknown() ? "unknown: " + r.reason() : "the steps do not violate the property";
    }
    set_encoding(saved);
    pr.seconds = seconds_since(start);
    return pr;
}

}  // namespace slotcheck::smt
