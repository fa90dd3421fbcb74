// Bounded model checking: the shortest run from the initial state (no
// slots, every file open, empty cache) that violates a property, searched
// at depth 1, 2, ... K. At depth k the world has k slot entries and k cache
// entries, so no run of k steps is out of reach. The first model found is
// then minimized value by value (small pgoffs, one file where one suffices,
// small gfns, short ranges) and read back as a Counterexample: its
// sequence, written once (counterexample.h).
#pragma once

#include <string>

#include "prover/counterexample.h"
#include "prover/induction.h"

namespace slotcheck::smt {

struct BmcResult {
    enum class Status { Found, NoneWithinDepth, Unknown };
    Status status = Status::Unknown;
    Counterexample cex;  // when Found
    int depth = 0;       // steps of the counterexample, or the depth searched
    std::string reason;  // when Unknown
    double seconds = 0;
};

BmcResult shortest_counterexample(const Design& d, const Property& p, int max_depth);

// Non-vacuity: runs that register two slots, and that fill the cache and
// then invalidate it by a punch (and by delete and close where the design
// has them), are reachable. A guard that rejected everything would
// otherwise make every property hold.
PremiseResult check_non_vacuous(const Design& d);

// Re-checks a counterexample found under the integer encoding with Z3's
// 64-bit bit-vectors: the same steps with the same values must violate the
// property there too (holds = they do).
PremiseResult recheck_with_bitvectors(const Design& d, const Property& p, const Counterexample& c);

}  // namespace slotcheck::smt
