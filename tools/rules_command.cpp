// slotcheck rules: the rule table, one row per rule; with --mutants, the
// mistake each rule's mutant makes (for fuzz --mutant and bench/mutation).
#include <iostream>

#include "model/mutation.h"
#include "seq/outcome.h"
#include "seq/rules.h"
#include "tools/command_line.h"
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
    bool mutants = false;
    CommandLine line("rules", "Lists every rule: name, errno (or effect), kernel source, summary.",
                     "exit: 0 listed, 2 bad input");
    line.add_switch("--mutants", mutants, "every rule's mutant instead: name, kind, what the mutated model gets wrong");
    if (auto code = line.parse(argc, argv)) return *code;
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
