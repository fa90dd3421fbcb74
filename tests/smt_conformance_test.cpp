// Conformance: the executable model (model/world.h) and the prover's design
// 7, per-file-bindings (prover/designs/per_file_bindings.cpp), run the same
// sequence and agree on which registrations, deletes, closes and punches are
// accepted and on the exact set of gfns each punch invalidates. The model
// runs each op as an Executor; the prover takes the op through the one
// projection to its symbolic step (prover/op_projection.h). This is what
// makes the proven design the tested model.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "model/world.h"
#include "prover/design.h"
#include "prover/op_projection.h"
#include "seq/layout.h"
#include "seq/sequence.h"
#include "smt/solver.h"

namespace slotcheck {

void showValue(const Op& op, std::ostream& os) { os << print_op(op); }

namespace {

constexpr size_t kEntries = 3;  // slot ids 0..2
constexpr uint64_t kFiles = 2;
const Handle kVm{HandleKind::Vm, 0};

Handle file_handle(uint64_t f) { return {HandleKind::Gmem, static_cast<uint32_t>(f)}; }

// A registration, delete, close or punch over slot ids 0-2 and files g0, g1.
rc::Gen<Op> concrete_op(bool registration) {
    return rc::gen::exec([registration]() -> Op {
        int pick = registration ? 0 : *rc::gen::inRange(0, 20);
        const uint64_t slot = *rc::gen::inRange<uint64_t>(0, kEntries);
        const uint64_t base = *rc::gen::inRange<uint64_t>(0, 24);
        const uint64_t npages = *rc::gen::inRange<uint64_t>(1, 7);
        const Handle file = file_handle(*rc::gen::inRange<uint64_t>(0, kFiles));
        const uint64_t pgoff = *rc::gen::inRange<uint64_t>(0, 8);
        const bool gmem = *rc::gen::inRange(0, 5) != 0;
        const uint64_t start = *rc::gen::inRange<uint64_t>(0, 10);
        const uint64_t end = start + *rc::gen::inRange<uint64_t>(1, 10);
        if (pick < 13) {
            SetRegion r;
            r.vm = kVm;
            r.slot = static_cast<uint32_t>(slot);
            if (pick >= 10) return r;  // size 0: delete
            r.flags = gmem ? kMemGuestMemfd : 0;
            r.gpa = base * kPageSize;
            r.size = npages * kPageSize;
            if (gmem) r.gmem = FdRef{FdRef::Kind::Handle, file};
            r.gmem_offset = pgoff * kPageSize;
            return r;
        }
        if (pick < 14) return Close{file};
        return Fallocate{file, kFallocKeepSize | kFallocPunchHole, start * kPageSize, (end - start) * kPageSize};
    });
}

using GfnSet = std::set<std::pair<uint64_t, uint64_t>>;  // (as, gfn)

// The executable model's side.
struct ModelSide {
    World world{*named_profile("linux-6.18")};
    Executor& executor = world;
    bool apply(const Op& op, GfnSet& zapped) {
        bool ok = executor.apply(op) == Outcome::ok();
        if (ok && std::holds_alternative<Fallocate>(op))
            for (const auto& r : world.last_invalidation())
                for (uint64_t g = r.first_gfn; g < r.end_gfn; ++g) zapped.insert({r.as_id, g});
        return ok;
    }
    // The designs model slot creation only; a request on an existing id is
    // a modification (KVM_MR_MOVE, FLAGS_ONLY, no-op), outside them.
    bool modifies_a_slot(const Op& op) const {
        const auto* r = std::get_if<SetRegion>(&op);
        return r && r->size > 0 && world.vms().at(0).address_spaces[0].by_id.count(r->slot);
    }
};

// The prover's side: each op projected to design 7's symbolic step, its
// transition evaluated by Z3 (the projection pins every parameter the op
// determines; the file sizes are the sequence's).
struct ProverSide {
    const smt::Design& design = *smt::find_design("per-file-bindings");
    smt::World w = smt::make_world("conformance", kEntries, 1);
    smt::State s = smt::initial_state(w);
    smt::Solver solver;
    int steps = 0;
    void create_file(const CreateGmem& g) {
        solver.add(smt::select(w.file_size, smt::Expr::bv(g.gmem.index)) == g.size / kPageSize);
    }
    bool apply(const Op& op, GfnSet& zapped) {
        smt::StepVars v = smt::fresh_step("c" + std::to_string(++steps));
        std::optional<smt::ProjectedStep> step = smt::project(op, v, s);
        RC_ASSERT(step.has_value());
        solver.add(step->fixes);
        smt::Transition t = smt::make_transition(design, w, s, step->kind, v);
        auto result = solver.check();
        RC_ASSERT(result.sat());
        const smt::Model& m = result.model();
        if (!m.boolean(t.taken)) return false;
        if (step->kind == smt::OpKind::Punch) {
            for (const auto& z : t.zaps) {
                if (!m.boolean(z.when)) continue;
                uint64_t as = m.uint(z.as), lo = m.uint(z.gfns.lo), hi = m.uint(z.gfns.hi);
                RC_ASSERT(hi - lo <= 64u);  // small values: a huge range would be a bug
                for (uint64_t g = lo; g < hi; ++g)
                    if (!z.only || m.boolean(z.only(smt::Expr::bv(g)))) zapped.insert({as, g});
            }
        }
        s = t.next;
        return true;
    }
};

RC_GTEST_PROP(Conformance, ModelAndDesign7AgreeOnAcceptanceAndInvalidation, ()) {
    Sequence seq;
    seq.steps.push_back({CreateVm{kVm, 0}});
    for (uint64_t f = 0; f < kFiles; ++f)
        seq.steps.push_back({CreateGmem{file_handle(f), kVm, *rc::gen::inRange<uint64_t>(4, 17) * kPageSize,
                                        kGmemFlagMmap | kGmemFlagInitShared}});
    // A few registrations first, so that later punches often meet bindings.
    for (const Op& op : *rc::gen::container<std::vector<Op>>(*rc::gen::inRange<size_t>(1, 5), concrete_op(true)))
        seq.steps.push_back({op});
    for (const Op& op : *rc::gen::container<std::vector<Op>>(*rc::gen::inRange<size_t>(1, 9), concrete_op(false)))
        seq.steps.push_back({op});
    RC_LOG() << print(seq);
    ModelSide model;
    ProverSide prover;
    bool invalidated = false, rejected = false;
    for (const Step& st : seq.steps) {
        if (const auto* g = std::get_if<CreateGmem>(&st.op)) prover.create_file(*g);
        if (std::holds_alternative<CreateVm>(st.op) || std::holds_alternative<CreateGmem>(st.op)) {
            RC_ASSERT(model.executor.apply(st.op) == Outcome::ok());
            continue;
        }
        if (model.modifies_a_slot(st.op)) continue;
        GfnSet model_zapped, prover_zapped;
        bool by_model = model.apply(st.op, model_zapped);
        bool by_prover = prover.apply(st.op, prover_zapped);
        RC_ASSERT(by_model == by_prover);
        RC_ASSERT(model_zapped == prover_zapped);
        invalidated = invalidated || !model_zapped.empty();
        rejected = rejected || !by_model;
    }
    RC_CLASSIFY(invalidated, "a punch invalidated gfns");
    RC_CLASSIFY(rejected, "an operation was rejected");
}

}  // namespace
}  // namespace slotcheck
