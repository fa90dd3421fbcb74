#include "tools/commands.h"

#include <fmt/format.h>

#ifdef SLOTCHECK_WITH_Z3
#include "tools/prove_command.h"
#endif

namespace slotcheck::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> table = {
        {"replay", "replay sequence files against the model and /dev/kvm", replay_main},
        {"probe", "print the kernel, its capabilities and the chosen profile", probe_main},
        {"rules", "list the model's rules with their errno and kernel source", rules_main},
        {"annotate", "write the model's expected outcomes into sequence files", annotate_main},
        {"emit-c", "write a sequence as a standalone C reproducer (TAP output)", emit_c_main},
        {"minimize", "shrink a failing sequence to a 1-minimal one; file it in a corpus", minimize_main},
        {"fuzz", "generate sequences and replay them against the model and /dev/kvm", fuzz_main},
        {"vm", "boot kernels under test in qemu and fuzz or replay inside, watching their consoles", vm_main},
#ifdef SLOTCHECK_WITH_Z3
        {"prove", "prove design properties or print counterexamples (Z3)", slotcheck::smt::prove_main},
#endif
    };
    return table;
}

void print_usage(std::ostream& out) {
    out << "usage: slotcheck COMMAND [options]\n"
           "       slotcheck --help | --version\n\ncommands:\n";
    for (const auto& c : commands()) out << fmt::format("  {:<10}{}\n", c.name, c.summary);
    out << "\nexit codes, the same for every command (docs/output.md, \"Exit codes\"):\n";
    for (const auto& e : kExitCodes) out << fmt::format("  {:>3}  {}\n", e.code, e.meaning);
    out << "'slotcheck COMMAND --help' describes each command.\n";
}

}  // namespace slotcheck::cli
