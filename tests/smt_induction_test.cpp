// The proof machinery itself: the premises of the small-model argument as Z3
// establishes them for each design, and mutated designs that each break one
// property, to show that the properties have teeth (a property that no
// mutant can break would prove nothing).
#include <gtest/gtest.h>

#include "prover/bmc.h"
#include "prover/induction.h"

namespace slotcheck::smt {
namespace {

const PremiseResult* premise(const std::vector<PremiseResult>& ps, const std::string& name) {
    for (const PremiseResult& p : ps)
        if (p.name == name) return &p;
    return nullptr;
}

TEST(Designs, AreNumberedInTableOrder) {
    ASSERT_EQ(designs().size(), 7u);
    for (std::size_t i = 0; i < designs().size(); ++i) {
        EXPECT_EQ(designs()[i]->number(), static_cast<int>(i) + 1) << designs()[i]->name();
        EXPECT_EQ(find_design(std::to_string(i + 1)), designs()[i]);
        EXPECT_EQ(find_design(designs()[i]->name()), designs()[i]);
    }
}

TEST(Premises, HoldForEveryDesignExceptDesign1sInvalidation) {
    ASSERT_EQ(designs().size(), 7u);
    for (const Design* d : designs()) {
        InductionReport r = prove_by_induction(*d);
        for (const char* name : {"guard-is-per-slot", "entries-symmetric", "invariant-survives-projection"}) {
            const PremiseResult* p = premise(r.premises, name);
            ASSERT_NE(p, nullptr) << name;
            EXPECT_TRUE(p->holds) << d->name() << ": " << name << " " << p->detail;
        }
        const PremiseResult* zap = premise(r.premises, "invalidation-is-per-entry");
        ASSERT_NE(zap, nullptr);
        // Design 1's index yields the newest owner of a page, so adding an
        // entry can remove a zap: its invalidation is not a union over entries.
        EXPECT_EQ(zap->holds, d->number() != 1) << d->name();
        EXPECT_TRUE(check_non_vacuous(*d).holds) << d->name();
        const InvariantResult* wf = r.find("well-formed");
        ASSERT_NE(wf, nullptr);
        EXPECT_TRUE(wf->proved) << d->name() << ": " << wf->detail;
        const InvariantResult* lemmas = r.find("design lemmas");
        ASSERT_NE(lemmas, nullptr);
        EXPECT_TRUE(lemmas->proved) << d->name() << ": " << lemmas->detail;
    }
}

TEST(Premises, TheSoundDesignsAreInductiveWithMoreSlotsToo) {
    // Not needed by the argument, but a cheap cross-check of it: 4 slots and
    // 2 cache entries give the same answers as 3 and 1.
    for (const char* name : {"per-slot-context", "delta-context", "per-file-bindings"}) {
        const Design* d = find_design(name);
        ASSERT_NE(d, nullptr);
        InductionReport r = prove_by_induction(*d, 4, 2);
        for (const InvariantResult& i : r.invariants) EXPECT_TRUE(i.proved) << name << ": " << i.name << " " << i.detail;
        for (const InvariantResult& i : r.steps) EXPECT_TRUE(i.proved) << name << ": " << i.name << " " << i.detail;
    }
}

// A design that forwards everything to another one; mutants override one hook.
class Forward : public Design {
public:
    explicit Forward(const char* base) : b_(*find_design(base)) {}
    int number() const override { return 100; }
    std::string name() const override { return "mutant of " + b_.name(); }
    std::string summary() const override { return "mutant"; }
    bool has_delete() const override { return b_.has_delete(); }
    bool has_close() const override { return b_.has_close(); }
    bool has_binding_table() const override { return b_.has_binding_table(); }
    Expr accepts(const World& w, const State& s, const NewSlot& n, Obligations& ob) const override {
        return b_.accepts(w, s, n, ob);
    }
    void registered(const World& w, const State& s, State& next, const NewSlot& n) const override {
        b_.registered(w, s, next, n);
    }
    std::vector<Zap> invalidate(const World& w, const State& s, const Punch& p, Obligations& ob) const override {
        return b_.invalidate(w, s, p, ob);
    }
    void deleted(const World& w, const State& s, State& next, const Expr& i) const override {
        b_.deleted(w, s, next, i);
    }
    std::vector<Zap> closed(const World& w, const State& s, State& next, const Expr& f,
                            Obligations& ob) const override {
        return b_.closed(w, s, next, f, ob);
    }
    std::vector<NamedExpr> lemmas(const World& w, const State& s) const override { return b_.lemmas(w, s); }

protected:
    const Design& b_;
};

int shortest(const Design& d, const char* property) {
    BmcResult r = shortest_counterexample(d, *find_property(property), 5);
    return r.status == BmcResult::Status::Found ? r.depth : -1;
}

bool proved(const Design& d, const char* property) {
    InductionReport r = prove_by_induction(d);
    const InvariantResult* i = r.find(property);
    return i && i->proved;
}

TEST(Mutants, ForgettingTheUnbindOnDeleteLeavesADanglingBinding) {
    struct M : Forward {
        M() : Forward("per-file-bindings") {}
        void deleted(const World&, const State&, State&, const Expr&) const override {}
    } m;
    EXPECT_FALSE(proved(m, "no-dangling-binding"));
    EXPECT_EQ(shortest(m, "no-dangling-binding"), 2);  // register, delete
}

TEST(Mutants, ARelease_WithoutZapLeavesStaleTranslations) {
    struct M : Forward {
        M() : Forward("per-file-bindings") {}
        std::vector<Zap> closed(const World& w, const State& s, State& next, const Expr& f,
                                Obligations& ob) const override {
            b_.closed(w, s, next, f, ob);  // keep the bookkeeping, drop the zaps
            return {};
        }
    } m;
    EXPECT_FALSE(proved(m, "invalidation-sound"));
    EXPECT_EQ(shortest(m, "invalidation-sound"), 3);  // register, access, close
}

TEST(Mutants, ReverseMathWithoutMaxWraps) {
    // gfns [base + start - pgoff, ...): wraps below gfn 0 when start < pgoff.
    struct M : Forward {
        M() : Forward("per-slot-context") {}
        std::vector<Zap> invalidate(const World& w, const State& s, const Punch& p, Obligations& ob) const override {
            std::vector<Zap> zs = b_.invalidate(w, s, p, ob);
            for (size_t j = 0; j < zs.size(); ++j) {
                const SlotVars& e = s.slots[j];
                Obligations::Path on(ob, zs[j].when);
                zs[j].gfns.lo = ob.sub(ob.add(e.base, p.start, "base + start"), e.pgoff, "... - pgoff");
            }
            return zs;
        }
    } m;
    InductionReport r = prove_by_induction(m);
    ASSERT_NE(r.find("no-wrap"), nullptr);
    EXPECT_FALSE(r.find("no-wrap")->proved);
    EXPECT_EQ(shortest(m, "no-wrap"), 2);  // register with pgoff 1, punch from page 0
}

TEST(Mutants, NoRegistrationCheckBreaksOneToOne) {
    struct M : Forward {
        M() : Forward("per-slot-context") {}
        Expr accepts(const World&, const State&, const NewSlot&, Obligations&) const override {
            return Expr::boolean(true);
        }
    } m;
    EXPECT_FALSE(proved(m, "one-to-one"));
    EXPECT_EQ(shortest(m, "one-to-one"), 2);
    EXPECT_EQ(shortest(m, "offset-disjoint"), 2);
}

TEST(Mutants, Design1CheckingTheFileIsStillUnsound) {
    // Design 1, but the punch skips slots of other files: precise with 3
    // slots, still unsound and not one-to-one (docs/proofs.md, section 1).
    struct M : Forward {
        M() : Forward("ofs-tree-unique") {}
        std::vector<Zap> invalidate(const World& w, const State& s, const Punch& p, Obligations& ob) const override {
            std::vector<Zap> zs = b_.invalidate(w, s, p, ob);
            for (size_t j = 0; j < zs.size(); ++j) zs[j].when = zs[j].when && s.slots[j].file == p.file;
            return zs;
        }
    } m;
    InductionReport r = prove_by_induction(m);
    ASSERT_NE(r.find("invalidation-precise"), nullptr);
    EXPECT_TRUE(r.find("invalidation-precise")->proved);
    EXPECT_EQ(shortest(m, "invalidation-sound"), 4);
    EXPECT_EQ(shortest(m, "one-to-one"), 2);
}

TEST(Mutants, AGuardThatRejectsEverythingIsCaughtAsVacuous) {
    struct M : Forward {
        M() : Forward("per-slot-context") {}
        Expr accepts(const World&, const State&, const NewSlot&, Obligations&) const override {
            return Expr::boolean(false);
        }
    } m;
    // Everything is "inductive" when nothing can be registered...
    EXPECT_TRUE(proved(m, "invalidation-sound"));
    // ...which the non-vacuity premise catches.
    EXPECT_FALSE(check_non_vacuous(m).holds);
}

}  // namespace
}  // namespace slotcheck::smt
