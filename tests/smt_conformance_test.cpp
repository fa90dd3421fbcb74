// Conformance: the executable model (model/world.h) and the prover's design
// 7, per-file-bindings (prover/designs/per_file_bindings.cpp), evaluated
// on the same concrete operations, agree on which registrations, deletes,
// closes and punches are accepted and on the exact set of gfns each punch
// invalidates. This is what makes the proven design the tested model.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "model/world.h"
#include "prover/design.h"
#include "prover/transition.h"
#include "smt/solver.h"

namespace slotcheck {
namespace {

constexpr size_t kEntries = 3;  // slot ids 0..2
constexpr uint64_t kFiles = 2;

struct ConcreteOp {
    smt::OpKind kind;
    uint64_t slot = 0, base = 0, npages = 0, file = 0, pgoff = 0, start = 0, end = 0;
    bool gmem = true;
    std::string show() const {
        switch (kind) {
        case smt::OpKind::Register:
            return "register slot " + std::to_string(slot) + " gfns [" + std::to_string(base) + ", +" +
                   std::to_string(npages) + ")" +
                   (gmem ? " -> f" + std::to_string(file) + " page " + std::to_string(pgoff) : " (normal)");
        case smt::OpKind::Delete: return "delete slot " + std::to_string(slot);
        case smt::OpKind::Close: return "close f" + std::to_string(file);
        default:
            return "punch f" + std::to_string(file) + " pages [" + std::to_string(start) + ", " +
                   std::to_string(end) + ")";
        }
    }
};

void showValue(const ConcreteOp& op, std::ostream& os) { os << op.show(); }

rc::Gen<ConcreteOp> concrete_op(bool registration) {
    return rc::gen::exec([registration] {
        ConcreteOp op;
        int pick = registration ? 0 : *rc::gen::inRange(0, 20);
        op.kind = pick < 10 ? smt::OpKind::Register
                  : pick < 13 ? smt::OpKind::Delete
                  : pick < 14 ? smt::OpKind::Close
                              : smt::OpKind::Punch;
        op.slot = *rc::gen::inRange<uint64_t>(0, kEntries);
        op.base = *rc::gen::inRange<uint64_t>(0, 24);
        op.npages = *rc::gen::inRange<uint64_t>(1, 7);
        op.file = *rc::gen::inRange<uint64_t>(0, kFiles);
        op.pgoff = *rc::gen::inRange<uint64_t>(0, 8);
        op.gmem = *rc::gen::inRange(0, 5) != 0;
        op.start = *rc::gen::inRange<uint64_t>(0, 10);
        op.end = op.start + *rc::gen::inRange<uint64_t>(1, 10);
        return op;
    });
}

using GfnSet = std::set<std::pair<uint64_t, uint64_t>>;  // (as, gfn)

// The executable model's side.
struct ModelSide {
    World world{*named_profile("linux-6.18")};
    explicit ModelSide(const uint64_t sizes[kFiles]) {
        world.step(CreateVm{Handle{HandleKind::Vm, 0}, 0});
        for (uint32_t f = 0; f < kFiles; ++f)
            world.step(CreateGmem{Handle{HandleKind::Gmem, f}, Handle{HandleKind::Vm, 0}, sizes[f] * kPageSize, 3});
    }
    bool apply(const ConcreteOp& op, GfnSet& zapped) {
        const Handle vm{HandleKind::Vm, 0}, file{HandleKind::Gmem, static_cast<uint32_t>(op.file)};
        Op o;
        switch (op.kind) {
        case smt::OpKind::Register: {
            SetRegion r;
            r.vm = vm;
            r.slot = static_cast<uint32_t>(op.slot);
            r.flags = op.gmem ? kMemGuestMemfd : 0;
            r.gpa = op.base * kPageSize;
            r.size = op.npages * kPageSize;
            if (op.gmem) r.gmem = FdRef{FdRef::Kind::Handle, file};
            r.gmem_offset = op.pgoff * kPageSize;
            o = r;
            break;
        }
        case smt::OpKind::Delete: {
            SetRegion r;
            r.vm = vm;
            r.slot = static_cast<uint32_t>(op.slot);
            o = r;
            break;
        }
        case smt::OpKind::Close: o = Close{file}; break;
        default: o = Fallocate{file, kFallocKeepSize | kFallocPunchHole, op.start * kPageSize,
                               (op.end - op.start) * kPageSize};
        }
        bool ok = world.step(o).outcome == Outcome::ok();
        if (ok && op.kind == smt::OpKind::Punch)
            for (const auto& r : world.last_invalidation())
                for (uint64_t g = r.first_gfn; g < r.end_gfn; ++g) zapped.insert({r.as_id, g});
        return ok;
    }
};

// The prover's side: design 7's transitions on concrete values, evaluated by
// Z3 (the file sizes are the only constrained variables).
struct ProverSide {
    const smt::Design& design = *smt::find_design("per-file-bindings");
    smt::World w = smt::make_world("conformance", kEntries, 1);
    smt::State s = smt::initial_state(w);
    smt::Solver solver;
    explicit ProverSide(const uint64_t sizes[kFiles]) {
        for (uint64_t f = 0; f < kFiles; ++f) solver.add(smt::select(w.file_size, smt::Expr::bv(f)) == sizes[f]);
    }
    bool apply(const ConcreteOp& op, GfnSet& zapped) {
        smt::StepVars v;
        v.kind = smt::Expr::bv(static_cast<uint64_t>(op.kind));
        v.slot = smt::Expr::bv(op.slot);
        v.as = smt::Expr::bv(0);
        v.base = smt::Expr::bv(op.base);
        v.npages = smt::Expr::bv(op.npages);
        v.gmem = smt::Expr::boolean(op.gmem);
        v.file = smt::Expr::bv(op.file);
        v.pgoff = smt::Expr::bv(op.pgoff);
        v.cache = smt::Expr::bv(0);
        v.gfn = smt::Expr::bv(0);
        v.start = smt::Expr::bv(op.start);
        v.end = smt::Expr::bv(op.end);
        smt::Transition t = smt::make_transition(design, w, s, op.kind, v);
        auto result = solver.check();
        RC_ASSERT(result.sat());
        const smt::Model& m = result.model();
        if (!m.boolean(t.taken)) return false;
        if (op.kind == smt::OpKind::Punch) {
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
    const uint64_t sizes[kFiles] = {*rc::gen::inRange<uint64_t>(4, 17), *rc::gen::inRange<uint64_t>(4, 17)};
    // A few registrations first, so that later punches often meet bindings.
    auto ops = *rc::gen::container<std::vector<ConcreteOp>>(*rc::gen::inRange<size_t>(1, 5), concrete_op(true));
    for (auto& op : *rc::gen::container<std::vector<ConcreteOp>>(*rc::gen::inRange<size_t>(1, 9), concrete_op(false)))
        ops.push_back(op);
    ModelSide model(sizes);
    ProverSide prover(sizes);
    bool invalidated = false, rejected = false;
    for (const auto& op : ops) {
        // The designs model slot creation only; a request on an existing id
        // is a modification (KVM_MR_MOVE, FLAGS_ONLY, no-op), outside them.
        if (op.kind == smt::OpKind::Register && model.world.vms().at(0).address_spaces[0].by_id.count(op.slot))
            continue;
        GfnSet model_zapped, prover_zapped;
        bool by_model = model.apply(op, model_zapped);
        bool by_prover = prover.apply(op, prover_zapped);
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
