// The thin Z3 layer: 64-bit semantics (wrap-around included) in both
// encodings, ranges and their overflow conditions, checked arithmetic, the
// solver's results and models.
#include <gtest/gtest.h>

#include "smt/range.h"
#include "smt/solver.h"

namespace slotcheck::smt {
namespace {

// Runs the body under each encoding; expressions never cross encodings.
class BothEncodings : public ::testing::TestWithParam<Encoding> {
protected:
    void SetUp() override {
        saved_ = encoding();
        set_encoding(GetParam());
    }
    void TearDown() override { set_encoding(saved_); }

    static bool valid(const Expr& e) {
        Solver s;
        s.add(!e);
        return s.check().unsat();
    }
    static bool satisfiable(const Expr& e) {
        Solver s;
        s.add(e);
        return s.check().sat();
    }

private:
    Encoding saved_ = Encoding::Integer;
};

TEST_P(BothEncodings, AdditionAndSubtractionWrapModulo2To64) {
    Expr max = Expr::bv(~0ull);
    EXPECT_TRUE(valid(max + 1 == 0));
    EXPECT_TRUE(valid(Expr::bv(0) - 1 == max));
    EXPECT_TRUE(valid(Expr::bv(5) - 7 + 7 == 5));
    Expr x = Expr::var("x"), y = Expr::var("y");
    EXPECT_TRUE(valid(x + y - y == x));
    EXPECT_TRUE(valid(x - y + y == x));
    EXPECT_TRUE(valid(x <= max));  // every value is a 64-bit value
    EXPECT_FALSE(satisfiable(x > max));
}

TEST_P(BothEncodings, ComparisonsAreUnsigned) {
    EXPECT_TRUE(valid(Expr::bv(1ull << 63) > Expr::bv(1)));
    Expr x = Expr::var("x");
    EXPECT_TRUE(valid(x >= 0));
    EXPECT_TRUE(valid(umin(x, Expr::bv(3)) <= 3));
    EXPECT_TRUE(valid(umax(x, Expr::bv(3)) >= x));
}

TEST_P(BothEncodings, OverflowConditionsAreExact) {
    Expr x = Expr::var("x"), y = Expr::var("y");
    EXPECT_TRUE(valid(add_overflows(x, y) == (x + y < x)));
    EXPECT_TRUE(valid(sub_underflows(x, y) == (x - y > x)));
    EXPECT_TRUE(valid(add_overflows(Expr::bv(~0ull), Expr::bv(1))));
    EXPECT_TRUE(valid(!add_overflows(Expr::bv(~0ull), Expr::bv(0))));
}

TEST_P(BothEncodings, RangesOverlapAndContain) {
    Obligations ob;
    Interval a = interval({Expr::bv(10), Expr::bv(5)}, ob, "a");  // [10, 15)
    Interval b = interval({Expr::bv(14), Expr::bv(1)}, ob, "b");  // [14, 15)
    Interval c = interval({Expr::bv(15), Expr::bv(3)}, ob, "c");  // [15, 18): adjacent to a
    Interval e{Expr::bv(12), Expr::bv(12)};                       // empty
    EXPECT_TRUE(valid(overlaps(a, b)));
    EXPECT_TRUE(valid(!overlaps(a, c)));
    EXPECT_TRUE(valid(!overlaps(a, e)));
    EXPECT_TRUE(valid(within(b, a)));
    EXPECT_TRUE(valid(!within(c, a)));
    EXPECT_TRUE(valid(within(e, c)));
    EXPECT_TRUE(valid(contains(a, Expr::bv(14)) && !contains(a, Expr::bv(15))));
    EXPECT_TRUE(valid(ob.all_hold()));
}

TEST_P(BothEncodings, CheckedArithmeticRecordsItsObligation) {
    Obligations ob;
    Expr x = Expr::var("x");
    Expr live = Expr::bool_var("live");
    {
        Obligations::Path p(ob, live);
        ob.add(x, Expr::bv(1), "x + 1");
    }
    ASSERT_EQ(ob.items().size(), 1u);
    EXPECT_EQ(ob.items()[0].what, "x + 1");
    // Fails only when x is the largest value and the path holds.
    EXPECT_TRUE(satisfiable(!ob.all_hold()));
    EXPECT_TRUE(valid(implies(x < ~0ull, ob.all_hold())));
    EXPECT_TRUE(valid(implies(!live, ob.all_hold())));
    EXPECT_TRUE(valid(wraps({Expr::bv(~0ull), Expr::bv(1)})));
}

TEST_P(BothEncodings, ModelsReadBackValues) {
    Expr x = Expr::var("x");
    Expr b = Expr::bool_var("b");
    Solver s;
    s.add(x == (1ull << 40) + 7);
    s.add(b);
    Result r = s.check();
    ASSERT_TRUE(r.sat());
    EXPECT_EQ(r.model().uint(x), (1ull << 40) + 7);
    EXPECT_TRUE(r.model().boolean(b));
    EXPECT_EQ(r.model().uint(x + 1), (1ull << 40) + 8);
}

TEST_P(BothEncodings, PushAndPopKeepValuesInRange) {
    Expr x = Expr::var("x");
    Solver s;
    s.push();
    s.add(x == 3);
    EXPECT_TRUE(s.check().sat());
    s.pop();
    // After the pop, x must still be confined to 64 bits.
    s.add(x > ~0ull - 1);
    Result r = s.check();
    ASSERT_TRUE(r.sat());
    EXPECT_EQ(r.model().uint(x), ~0ull);
}

TEST_P(BothEncodings, ArraysOfFiles) {
    Expr alive = store(Expr::bool_array_const(true), Expr::bv(3), Expr::boolean(false));
    EXPECT_TRUE(valid(select(alive, Expr::bv(2))));
    EXPECT_TRUE(valid(!select(alive, Expr::bv(3))));
    Expr size = Expr::bv_array_var("size");
    EXPECT_TRUE(valid(select(size, Expr::var("f")) <= ~0ull));
}

INSTANTIATE_TEST_SUITE_P(Smt, BothEncodings, ::testing::Values(Encoding::Integer, Encoding::BitVector),
                         [](const ::testing::TestParamInfo<Encoding>& i) {
                             return i.param == Encoding::Integer ? std::string("Integer") : std::string("BitVector");
                         });

TEST(SolverConfig, TimeoutSeedAndMemoryAreSetInOnePlace) {
    SolverConfig saved = config();
    SolverConfig c;
    c.timeout_ms = 1234;
    c.random_seed = 7;
    c.memory_limit_mb = 2048;
    configure(c);
    EXPECT_EQ(config().timeout_ms, 1234u);
    EXPECT_EQ(config().random_seed, 7u);
    EXPECT_EQ(config().memory_limit_mb, 2048u);
    Solver s;
    s.add(Expr::var("x") == 1);
    EXPECT_TRUE(s.check().sat());
    configure(saved);
}

TEST(SolverStats, CountsQueries) {
    uint64_t before = Solver::total_queries();
    Solver s;
    s.add(Expr::boolean(false));
    Result r = s.check();
    EXPECT_TRUE(r.unsat());
    EXPECT_EQ(Solver::total_queries(), before + 1);
    EXPECT_GE(r.seconds(), 0.0);
}

}  // namespace
}  // namespace slotcheck::smt
