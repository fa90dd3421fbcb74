// The projection from a sequence op to the prover's symbolic step
// (prover/op_projection.h): which ops are steps, and the values each pins.
#include <gtest/gtest.h>

#include "prover/op_projection.h"
#include "prover/prove.h"
#include "seq/layout.h"
#include "smt/solver.h"

namespace slotcheck::smt {
namespace {

const Handle kVm{HandleKind::Vm, 0};
const Handle kG0{HandleKind::Gmem, 0};
const Handle kG1{HandleKind::Gmem, 1};

struct Projected {
    OpKind kind;
    Result result;
    StepVars v;
    const Model& model() const { return result.model(); }
};

// Projects `op` from the initial state of a 3-slot world and solves for the
// step's parameters.
std::optional<Projected> solve(const Op& op) {
    World w = make_world("p", 3, 1);
    StepVars v = fresh_step("p");
    std::optional<ProjectedStep> step = project(op, v, initial_state(w));
    if (!step) return std::nullopt;
    Solver sol;
    sol.add(step->fixes);
    Result r = sol.check();
    EXPECT_TRUE(r.sat());
    return Projected{step->kind, std::move(r), v};
}

TEST(OpProjection, ARegionWithGuestMemfdIsARegistration) {
    SetRegion r;
    r.vm = kVm;
    r.slot = (1u << 16) | 2;
    r.flags = kMemGuestMemfd;
    r.gpa = 3 * kPageSize;
    r.size = 2 * kPageSize;
    r.gmem = FdRef{FdRef::Kind::Handle, kG1};
    r.gmem_offset = kPageSize;
    auto p = solve(r);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, OpKind::Register);
    EXPECT_EQ(p->model().uint(p->v.kind), static_cast<uint64_t>(OpKind::Register));
    EXPECT_EQ(p->model().uint(p->v.slot), 2u);
    EXPECT_EQ(p->model().uint(p->v.as), 1u);
    EXPECT_EQ(p->model().uint(p->v.base), 3u);
    EXPECT_EQ(p->model().uint(p->v.npages), 2u);
    EXPECT_TRUE(p->model().boolean(p->v.gmem));
    EXPECT_EQ(p->model().uint(p->v.file), 1u);
    EXPECT_EQ(p->model().uint(p->v.pgoff), 1u);
    r.flags = 0;
    r.gmem = FdRef{};
    p = solve(r);
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->model().boolean(p->v.gmem));
}

TEST(OpProjection, DeleteClosePunchAndAccess) {
    SetRegion del;
    del.vm = kVm;
    del.slot = 2;
    auto p = solve(del);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, OpKind::Delete);
    EXPECT_EQ(p->model().uint(p->v.slot), 2u);

    p = solve(Close{kG1});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, OpKind::Close);
    EXPECT_EQ(p->model().uint(p->v.file), 1u);

    p = solve(Fallocate{kG0, kFallocKeepSize | kFallocPunchHole, 2 * kPageSize, 3 * kPageSize});
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, OpKind::Punch);
    EXPECT_EQ(p->model().uint(p->v.file), 0u);
    EXPECT_EQ(p->model().uint(p->v.start), 2u);
    EXPECT_EQ(p->model().uint(p->v.end), 5u);

    for (const Op& op : {Op{GuestWrite{kVm, 5 * kPageSize, 7}}, Op{GuestRead{kVm, 5 * kPageSize}}}) {
        p = solve(op);
        ASSERT_TRUE(p);
        EXPECT_EQ(p->kind, OpKind::Access);
        EXPECT_EQ(p->model().uint(p->v.gfn), 5u);
    }
}

TEST(OpProjection, OpsOutsideTheProversWorldAreNoSteps) {
    SetRegion unaligned;
    unaligned.vm = kVm;
    unaligned.gpa = 0x800;
    unaligned.size = kPageSize;
    SetRegion readonly;
    readonly.vm = kVm;
    readonly.size = kPageSize;
    readonly.flags = 1u << 1;
    for (const Op& op : {Op{CreateVm{kVm, 0}}, Op{CreateGmem{kG0, kVm, kPageSize, 3}}, Op{Check{}},
                         Op{SetAttributes{kVm, 0, kPageSize, kAttributePrivate, 0}}, Op{unaligned}, Op{readonly},
                         Op{Fallocate{kG0, 0, 0, kPageSize}}, Op{Close{kVm}}, Op{GuestRead{kVm, 0x10}}})
        EXPECT_FALSE(solve(op)) << print_op(op);
}

// Every counterexample of the matrix: each trace op projects to a step, and
// the steps of the trace are the only ops that are steps besides the probes
// (guest writes and reads around the last step).
TEST(OpProjection, EveryTraceOpOfTheMatrixIsAStep) {
    for (const DesignResult& d : prove_matrix({{"ofs-tree-unique", "gfn-start-context"}, {}, 6}))
        for (const Cell& c : d.cells) {
            if (!c.cex) continue;
            World w = make_world("t", 4, 4);
            for (size_t i = 0; i < c.cex->trace.size(); ++i) {
                const Op& op = c.cex->sequence.steps.at(c.cex->trace[i]).op;
                auto step = project(op, fresh_step("t"), initial_state(w));
                ASSERT_TRUE(step) << c.design << " " << c.property << ": " << print_op(op);
                const std::string description = step_description(*c.cex, i);
                EXPECT_NE(description.find(op_name(step->kind)), std::string::npos)
                    << c.design << " " << c.property << ": " << description;
            }
            for (size_t i = 0; i < c.cex->sequence.steps.size(); ++i) {
                const Op& op = c.cex->sequence.steps[i].op;
                bool in_trace = std::find(c.cex->trace.begin(), c.cex->trace.end(), i) != c.cex->trace.end();
                bool probe = std::holds_alternative<GuestWrite>(op) || std::holds_alternative<GuestRead>(op);
                if (!in_trace && !probe) {
                    EXPECT_FALSE(project(op, fresh_step("u"), initial_state(w))) << print_op(op);
                }
            }
        }
}

}  // namespace
}  // namespace slotcheck::smt
