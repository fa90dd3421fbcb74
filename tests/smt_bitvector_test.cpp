// The integer encoding against Z3's own 64-bit bit-vectors: the shortest
// counterexamples that bit-vectors can still find within the time limit are
// the same, value for value, and every counterexample of the matrix is
// confirmed under bit-vectors (prove.cpp does that for every cell; here it is
// checked directly).
#include <gtest/gtest.h>

#include "prover/bmc.h"
#include "seq/layout.h"
#include "smt/solver.h"

namespace slotcheck::smt {
namespace {

struct EncodingScope {
    Encoding saved = encoding();
    explicit EncodingScope(Encoding e) { set_encoding(e); }
    ~EncodingScope() { set_encoding(saved); }
};

std::string trace(const Counterexample& c) { return format_counterexample(c); }

TEST(BitVectors, FindTheSameShortestCounterexamples) {
    for (auto [design, property] : {std::pair{"gfn-start-context", "invalidation-precise"},
                                    std::pair{"ofs-tree-all", "one-to-one"}}) {
        const Design* d = find_design(design);
        const Property* p = find_property(property);
        BmcResult ints = shortest_counterexample(*d, *p, 3);
        BmcResult bits;
        {
            EncodingScope bv(Encoding::BitVector);
            bits = shortest_counterexample(*d, *p, 3);
        }
        ASSERT_EQ(ints.status, BmcResult::Status::Found) << design;
        ASSERT_EQ(bits.status, BmcResult::Status::Found) << design << " " << bits.reason;
        EXPECT_EQ(ints.depth, bits.depth) << design;
        EXPECT_EQ(trace(ints.cex), trace(bits.cex)) << design;
    }
}

TEST(BitVectors, ConfirmEveryIntegerCounterexample) {
    for (auto [design, property] : {std::pair{"ofs-tree-unique", "invalidation-sound"},
                                    std::pair{"gfn-start-context", "invalidation-sound"},
                                    std::pair{"ofs-tree-checked", "invalidation-precise"}}) {
        const Design* d = find_design(design);
        const Property* p = find_property(property);
        BmcResult r = shortest_counterexample(*d, *p, 5);
        ASSERT_EQ(r.status, BmcResult::Status::Found) << design;
        EXPECT_TRUE(recheck_with_bitvectors(*d, *p, r.cex).holds) << design;
        // A corrupted trace must not be confirmed: move the punch off the page.
        Counterexample bad = r.cex;
        for (Step& s : bad.sequence.steps)
            if (auto* punch = std::get_if<Fallocate>(&s.op)) punch->offset += 100 * kPageSize;
        EXPECT_FALSE(recheck_with_bitvectors(*d, *p, bad).holds) << design;
    }
}

}  // namespace
}  // namespace slotcheck::smt
