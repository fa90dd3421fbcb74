// One test per cell of the design x property matrix, asserting what Z3
// establishes (docs/proofs.md, "The matrix"). A cell is PROVED only when Z3
// answered unsat for the negation; a counterexample cell checks the length of
// the shortest trace and that it converts into a sequence that prints, parses
// back to itself and passes the handle checks.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "prover/prove.h"
#include "prover/counterexample.h"
#include "seq/sequence.h"

namespace slotcheck::smt {
namespace {

struct Expected {
    const char* design;
    const char* property;
    CellStatus status;
    int steps;  // counterexample length
};

void PrintTo(const Expected& e, std::ostream* os) {
    *os << e.design << " / " << e.property << ": " << cell_status_name(e.status);
    if (e.status == CellStatus::Counterexample) *os << " (" << e.steps << " steps)";
}

constexpr CellStatus P = CellStatus::Proved;
constexpr CellStatus C = CellStatus::Counterexample;
constexpr CellStatus NA = CellStatus::NotApplicable;

const Expected kMatrix[] = {
    {"ofs-tree-unique", "gfn-disjoint", P, 0},
    {"ofs-tree-unique", "offset-disjoint", C, 2},
    {"ofs-tree-unique", "one-to-one", C, 2},
    {"ofs-tree-unique", "invalidation-sound", C, 4},
    {"ofs-tree-unique", "invalidation-precise", C, 2},
    {"ofs-tree-unique", "no-wrap", P, 0},
    {"ofs-tree-unique", "no-dangling-binding", NA, 0},
    {"ofs-tree-all", "gfn-disjoint", P, 0},
    {"ofs-tree-all", "offset-disjoint", C, 2},
    {"ofs-tree-all", "one-to-one", C, 2},
    {"ofs-tree-all", "invalidation-sound", P, 0},
    {"ofs-tree-all", "invalidation-precise", C, 2},
    {"ofs-tree-all", "no-wrap", P, 0},
    {"ofs-tree-all", "no-dangling-binding", NA, 0},
    {"ofs-tree-checked", "gfn-disjoint", P, 0},
    {"ofs-tree-checked", "offset-disjoint", P, 0},
    {"ofs-tree-checked", "one-to-one", P, 0},
    {"ofs-tree-checked", "invalidation-sound", P, 0},
    {"ofs-tree-checked", "invalidation-precise", C, 2},
    {"ofs-tree-checked", "no-wrap", P, 0},
    {"ofs-tree-checked", "no-dangling-binding", NA, 0},
    {"per-slot-context", "gfn-disjoint", P, 0},
    {"per-slot-context", "offset-disjoint", P, 0},
    {"per-slot-context", "one-to-one", P, 0},
    {"per-slot-context", "invalidation-sound", P, 0},
    {"per-slot-context", "invalidation-precise", P, 0},
    {"per-slot-context", "no-wrap", P, 0},
    {"per-slot-context", "no-dangling-binding", NA, 0},
    {"gfn-start-context", "gfn-disjoint", P, 0},
    {"gfn-start-context", "offset-disjoint", P, 0},
    {"gfn-start-context", "one-to-one", P, 0},
    {"gfn-start-context", "invalidation-sound", C, 3},
    {"gfn-start-context", "invalidation-precise", C, 2},
    {"gfn-start-context", "no-wrap", P, 0},
    {"gfn-start-context", "no-dangling-binding", NA, 0},
    {"delta-context", "gfn-disjoint", P, 0},
    {"delta-context", "offset-disjoint", P, 0},
    {"delta-context", "one-to-one", P, 0},
    {"delta-context", "invalidation-sound", P, 0},
    {"delta-context", "invalidation-precise", P, 0},
    {"delta-context", "no-wrap", P, 0},
    {"delta-context", "no-dangling-binding", NA, 0},
    {"per-file-bindings", "gfn-disjoint", P, 0},
    {"per-file-bindings", "offset-disjoint", P, 0},
    {"per-file-bindings", "one-to-one", P, 0},
    {"per-file-bindings", "invalidation-sound", P, 0},
    {"per-file-bindings", "invalidation-precise", P, 0},
    {"per-file-bindings", "no-wrap", P, 0},
    {"per-file-bindings", "no-dangling-binding", P, 0},
};

class MatrixCell : public ::testing::TestWithParam<Expected> {};

TEST_P(MatrixCell, HasTheEstablishedOutcome) {
    const Expected& e = GetParam();
    std::vector<DesignResult> rs = prove_matrix({{e.design}, {e.property}, 6});
    ASSERT_EQ(rs.size(), 1u);
    ASSERT_EQ(rs[0].cells.size(), 1u);
    const Cell& c = rs[0].cells[0];
    EXPECT_EQ(cell_status_name(c.status), std::string(cell_status_name(e.status))) << c.detail;
    if (e.status != CellStatus::Counterexample) return;
    EXPECT_EQ(c.steps, e.steps);
    ASSERT_TRUE(c.cex.has_value());
    EXPECT_EQ(c.cex->trace.size(), static_cast<size_t>(e.steps));
    EXPECT_FALSE(c.cex->violation.empty());

    const Sequence& seq = c.cex->sequence;
    std::string text = print(seq);
    ParseResult back = parse(text, "cex.seq");
    ASSERT_TRUE(back.sequence.has_value()) << (back.error ? back.error->to_string() : "") << "\n" << text;
    EXPECT_EQ(*back.sequence, seq) << text;
    EXPECT_FALSE(validate_handles(seq, "cex.seq").has_value()) << text;
    for (const Step& s : seq.steps) EXPECT_FALSE(s.expect.has_value());
}

std::string cell_name(const ::testing::TestParamInfo<Expected>& info) {
    std::string n = std::string(info.param.design) + "__" + info.param.property;
    for (char& ch : n)
        if (ch == '-') ch = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(Prove, MatrixCell, ::testing::ValuesIn(kMatrix), cell_name);

}  // namespace
}  // namespace slotcheck::smt
