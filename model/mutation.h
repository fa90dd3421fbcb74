// Mutants: for every rule of the table, one deliberate mistake the model can
// be switched into (World::set_mutant). A fuzzer that replays against a
// correct kernel must then find a divergence; how fast it does measures how
// well the generators reach that rule (bench/mutation, docs/fuzzing.md).
#pragma once

#include <vector>

#include "seq/outcome.h"
#include "seq/rules.h"

namespace slotcheck {

enum class MutationKind : uint8_t {
    NeverFires,    // a rejection rule: its check never fires, the operation goes on
    SkipsCheck,    // an effect rule's condition is ignored (a read-only slot takes writes)
    SkipsEffect,   // the operation reports success but its effect on memory is lost or misplaced
    WrongOutcome,  // the rule reports a wrong outcome: ok becomes EINVAL, a value is off by one bit,
                   // a fault becomes a read of 0
};

struct Mutation {
    RuleId rule;
    MutationKind kind;
    const char* description;  // what the mutated model gets wrong, in words
};

// One mutation per rule, in rule order.
const std::vector<Mutation>& mutation_table();
const Mutation& mutation(RuleId id);

// The outcome a WrongOutcome mutant reports instead of `correct`.
Outcome wrong_outcome(const Outcome& correct);

}  // namespace slotcheck
