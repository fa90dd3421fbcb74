#include "prover/induction.h"

#include <functional>

#include "smt/solver.h"

namespace slotcheck::smt {

namespace {

using Instances = std::function<std::vector<Instance>(const State&, const std::string& fresh)>;

struct Candidate {
    std::string name;
    Instances instances;
    bool active = true;
    InvariantResult result;
};

std::string failing_label(const Model& m, const std::vector<Instance>& is) {
    for (const Instance& i : is)
        if (!m.boolean(i.holds)) return i.label;
    return "?";
}

std::vector<Candidate> candidates(const Design& d, const World& w) {
    std::vector<Candidate> cs;
    cs.push_back({"well-formed", [&w](const State& s, const std::string&) { return well_formed_instances(w, s); }});
    cs.push_back({"design lemmas", [&d, &w](const State& s, const std::string&) {
                      std::vector<Instance> is;
                      for (const NamedExpr& l : d.lemmas(w, s)) is.push_back({l.holds, l.name});
                      return is;
                  }});
    for (const Property& p : properties()) {
        if (p.kind != PropertyKind::State || !p.applies(d)) continue;
        const Property* pp = &p;
        cs.push_back({p.name, [pp, &d, &w](const State& s, const std::string& fresh) {
                          return pp->state(d, w, s, fresh);
                      }});
    }
    for (Candidate& c : cs) c.result.name = c.name;
    return cs;
}

Expr invariant(const std::vector<Candidate>& cs, const State& s) {
    std::vector<Expr> es;
    for (const Candidate& c : cs)
        if (c.active) es.push_back(all_hold(c.instances(s, "h")));
    return all_of(es);
}

// Z3 answers one query: `goal` is unsat (the premise holds).
PremiseResult premise(const std::string& name, const Expr& assumptions, const Expr& negated_goal) {
    PremiseResult p;
    p.name = name;
    Solver s;
    s.add(assumptions);
    s.add(negated_goal);
    Result r = s.check();
    p.seconds = r.seconds();
    p.holds = r.unsat();
    p.unknown = r.unknown();
    if (r.unknown()) p.detail = "unknown: " + r.reason();
    if (r.sat()) p.detail = "fails";
    return p;
}

Punch punch_of(const StepVars& v) { return {v.file, v.start, v.end}; }

}  // namespace

const InvariantResult* InductionReport::find(const std::string& name) const {
    for (const InvariantResult& r : invariants)
        if (r.name == name) return &r;
    for (const InvariantResult& r : steps)
        if (r.name == name) return &r;
    return nullptr;
}

std::vector<std::string> premises_needed(const std::string& property) {
    std::vector<std::string> ps{"guard-is-per-slot", "entries-symmetric", "invariant-survives-projection"};
    if (property == "invalidation-sound" || property == "invalidation-precise")
        ps.push_back("invalidation-is-per-entry");
    return ps;
}

InductionReport prove_by_induction(const Design& d, size_t nslots, size_t ncache) {
    auto start = std::chrono::steady_clock::now();
    InductionReport rep;
    rep.nslots = nslots;
    rep.ncache = ncache;
    World w = make_world("w", nslots, ncache);
    State s = fresh_state(w, "s");
    StepVars v = fresh_step("a");
    std::vector<Candidate> cs = candidates(d, w);

    // Initiation.
    State init = initial_state(w);
    for (Candidate& c : cs) {
        Solver sol;
        std::vector<Instance> is = c.instances(init, "i");
        sol.add(!all_hold(is));
        Result r = sol.check();
        c.result.seconds += r.seconds();
        if (!r.unsat()) {
            c.active = false;
            c.result.unknown = r.unknown();
            c.result.detail = r.unknown() ? "unknown: " + r.reason() : "fails in the initial state";
        }
    }

    std::vector<Transition> ts;
    for (OpKind k : op_kinds(d)) ts.push_back(make_transition(d, w, s, k, v));

    // Houdini: drop what the conjunction does not preserve, until nothing drops.
    for (bool dropped = true; dropped;) {
        dropped = false;
        Expr inv = invariant(cs, s);
        std::vector<bool> drop(cs.size(), false);
        for (const Transition& t : ts) {
            Solver sol;
            sol.add(inv);
            sol.add(t.taken);
            for (size_t ci = 0; ci < cs.size(); ++ci) {
                Candidate& c = cs[ci];
                if (!c.active || drop[ci]) continue;
                std::vector<Instance> is = c.instances(t.next, "n");
                sol.push();
                sol.add(!all_hold(is));
                Result r = sol.check();
                c.result.seconds += r.seconds();
                if (!r.unsat()) {
                    drop[ci] = true;
                    c.result.unknown = r.unknown();
                    c.result.detail = r.unknown() ? "unknown: " + r.reason()
                                                  : std::string("not preserved by ") + op_name(t.kind) + ": " +
                                                        failing_label(r.model(), is);
                }
                sol.pop();
            }
        }
        for (size_t ci = 0; ci < cs.size(); ++ci)
            if (drop[ci]) {
                cs[ci].active = false;
                dropped = true;
            }
    }
    for (Candidate& c : cs) {
        c.result.proved = c.active;
        rep.invariants.push_back(c.result);
    }

    // Step properties from any state satisfying the final invariant.
    Expr inv = invariant(cs, s);
    for (const Property& p : properties()) {
        if (p.kind != PropertyKind::Step || !p.applies(d)) continue;
        InvariantResult res;
        res.name = p.name;
        res.proved = true;
        for (const Transition& t : ts) {
            std::vector<Instance> is = p.step(d, w, s, t, "x");
            if (is.empty()) continue;
            Solver sol;
            sol.add(inv);
            sol.add(t.taken);
            sol.add(!all_hold(is));
            Result r = sol.check();
            res.seconds += r.seconds();
            if (!r.unsat()) {
                res.proved = false;
                res.unknown = r.unknown();
                res.detail = r.unknown() ? "unknown: " + r.reason()
                                         : std::string("fails for ") + op_name(t.kind) + ": " +
                                               failing_label(r.model(), is);
                break;
            }
        }
        rep.steps.push_back(res);
    }

    // Premises of the small-model argument, under the final invariant.
    {
        Obligations scratch;
        Expr guard = registration_guard(d, w, s, v, scratch);
        std::vector<Expr> parts;
        for (size_t x = 0; x < nslots; ++x) parts.push_back(registration_guard(d, w, restrict_to(s, x), v, scratch));
        rep.premises.push_back(premise("guard-is-per-slot", inv, guard != all_of(parts)));
    }
    {
        Obligations scratch;
        Expr as = Expr::var("p.as"), gfn = Expr::var("p.gfn");
        Punch pu = punch_of(v);
        Expr whole = zapped(d.invalidate(w, s, pu, scratch), as, gfn);
        std::vector<Expr> parts;
        for (size_t x = 0; x < nslots; ++x) parts.push_back(zapped(d.invalidate(w, restrict_to(s, x), pu, scratch), as, gfn));
        Expr differs = whole != any_of(parts);
        if (d.has_close()) {
            State scratch_next = s;
            Expr whole_close = zapped(d.closed(w, s, scratch_next, v.file, scratch), as, gfn);
            std::vector<Expr> cparts;
            for (size_t x = 0; x < nslots; ++x) {
                State r = restrict_to(s, x), rn = r;
                cparts.push_back(zapped(d.closed(w, r, rn, v.file, scratch), as, gfn));
            }
            differs = differs || whole_close != any_of(cparts);
        }
        rep.premises.push_back(premise("invalidation-is-per-entry", inv, differs));
    }
    {
        std::vector<Expr> broken;
        for (size_t x = 0; x < nslots; ++x) {
            State dropped = drop_entry(s, x);
            std::vector<Expr> es;
            for (const Candidate& c : cs)
                if (c.active) es.push_back(all_hold(c.instances(dropped, "d" + std::to_string(x))));
            broken.push_back(!all_of(es));
        }
        rep.premises.push_back(premise("invariant-survives-projection", inv, any_of(broken)));
    }
    if (nslots >= 2) {
        Obligations scratch;
        State sw = swap_entries(s, 0, 1);
        StepVars vs = v;
        vs.slot = ite(v.slot == 0, Expr::bv(1), ite(v.slot == 1, Expr::bv(0), v.slot));
        Expr as = Expr::var("p.as"), gfn = Expr::var("p.gfn");
        Punch pu = punch_of(v);
        Expr differs = registration_guard(d, w, s, v, scratch) != registration_guard(d, w, sw, vs, scratch) ||
                       zapped(d.invalidate(w, s, pu, scratch), as, gfn) != zapped(d.invalidate(w, sw, pu, scratch), as, gfn);
        rep.premises.push_back(premise("entries-symmetric", inv, differs));
    }
    rep.seconds = seconds_since(start);
    return rep;
}

}  // namespace slotcheck::smt
