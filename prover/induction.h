// Unbounded proofs by induction over a fixed number of symbolic slot
// entries. The invariant is found with Houdini: start from every state
// property of the matrix plus the auxiliary invariants (well-formedness, the
// design's lemmas), drop every candidate that the current conjunction does
// not preserve, and repeat; what remains is inductive, so every remaining
// candidate is proved. Step properties are then checked from any state that
// satisfies the final invariant. The premises of the small-model argument
// (docs/proofs.md) are checked in Z3 as well.
#pragma once

#include <string>
#include <vector>

#include "prover/properties.h"

namespace slotcheck::smt {

struct InvariantResult {
    std::string name;        // a property name, "well-formed" or "design lemmas"
    bool proved = false;
    bool unknown = false;    // dropped because a query returned unknown
    std::string detail;      // why it was dropped ("not preserved by punch: cache entry 0")
    double seconds = 0;
};

struct PremiseResult {
    std::string name;
    bool holds = false;
    bool unknown = false;
    std::string detail;
    double seconds = 0;
};

struct InductionReport {
    std::vector<InvariantResult> invariants;  // state properties and auxiliary invariants
    std::vector<InvariantResult> steps;       // step properties
    std::vector<PremiseResult> premises;
    size_t nslots = 0;
    size_t ncache = 0;
    double seconds = 0;

    const InvariantResult* find(const std::string& name) const;
};

// Slot and cache entries used for the inductive step; docs/proofs.md argues
// why 3 slots and 1 cache entry suffice.
inline constexpr size_t kInductionSlots = 3;
inline constexpr size_t kInductionCache = 1;

InductionReport prove_by_induction(const Design& d, size_t nslots = kInductionSlots,
                                   size_t ncache = kInductionCache);

// The premises each property's proof needs (names as in PremiseResult).
std::vector<std::string> premises_needed(const std::string& property);

}  // namespace slotcheck::smt
