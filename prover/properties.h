// The properties of the matrix, each a conjunction of instances over entries
// (a pair of slots, one cache entry, one binding, one obligation), so that a
// failing instance names what went wrong and the small-model argument of
// docs/proofs.md applies.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "prover/transition.h"

namespace slotcheck::smt {

struct Instance {
    Expr holds;
    std::string label;  // "slots 0 and 1"
};

enum class PropertyKind : uint8_t {
    State,  // holds in every reachable state
    Step,   // holds for every step taken from a reachable state
};

struct Property {
    std::string name;
    std::string summary;
    PropertyKind kind = PropertyKind::State;
    std::function<bool(const Design&)> applies;
    // State properties. `fresh` prefixes the names of universally quantified
    // variables (gfns), which are free in a negated query.
    std::function<std::vector<Instance>(const Design&, const World&, const State&, const std::string& fresh)>
        state;
    // Step properties, for the transition t taken from s.
    std::function<std::vector<Instance>(const Design&, const World&, const State&, const Transition&,
                                        const std::string& fresh)>
        step;
};

// gfn-disjoint, offset-disjoint, one-to-one, invalidation-sound,
// invalidation-precise, no-wrap, no-dangling-binding.
const std::vector<Property>& properties();
const Property* find_property(const std::string& name);

// Invariants that are not in the matrix but that the induction needs and
// proves along: slot well-formedness under the bounds, and the design's
// lemmas.
std::vector<Instance> well_formed_instances(const World& w, const State& s);

Expr all_hold(const std::vector<Instance>& is);

}  // namespace slotcheck::smt
