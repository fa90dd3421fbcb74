// slotcheck rules: the rule table, one row per rule; with --mutants, the
// mistake each rule's mutant makes (for fuzz --mutant and bench/mutation).
#include <cstring>
#include <iostream>

#include "model/mutation.h"
#include "seq/outcome.h"
#include "seq/rules.h"
#include "tools/commands.h"

namespace slotcheck::cli {

namespace {

const char* kind_name(MutationKind k) {
    switch (k) {
    case MutationKind::NeverFires: return "never-fires";
    case MutationKind::SkipsCheck: return "skips-check";
    case MutationKind::SkipsEffect: return "skips-effect";
    case MutationKind::WrongOutcome: return "wrong-outcome";
    }
    return "?";
}

}  // namespace

int rules_main(int argc, char** argv) {
    const bool mutants = argc == 2 && !std::strcmp(argv[1], "--mutants");
    if (argc > 1 && !mutants) {
        std::cerr << "usage: slotcheck rules [--mutants]\n"
                     "  Lists every rule: name, errno (or effect), kernel source, summary.\n"
                     "  --mutants: every rule's mutant instead: name, kind, what the mutated model gets wrong.\n";
        return std::strcmp(argv[1], "--help") ? kExitBadInput : kExitOk;
    }
    if (mutants) {
        for (const auto& m : mutation_table())
            std::cout << rule(m.rule).name << "\t" << kind_name(m.kind) << "\t" << m.description << "\n";
        return kExitOk;
    }
    for (const auto& r : rule_table())
        std::cout << r.name << "\t" << (r.err ? errno_name(r.err) : std::string("effect")) << "\t" << r.source << "\t"
                  << r.summary << "\n";
    return kExitOk;
}

}  // namespace slotcheck::cli
