// slotcheck prove [--design D]... [--property P]... [--depth K] [--emit DIR] [--json]
// Prints the design x property matrix, each counterexample as a readable
// trace, and with --emit writes each counterexample as a sequence file.
// Exit (the shared table, sys/exit_codes.h): kExitOk every requested cell
// PROVED, kExitDivergence some COUNTEREXAMPLE (and no UNKNOWN), kExitUnknown
// some UNKNOWN, kExitBadInput bad input. N/A cells do not count.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "sys/exit_codes.h"

namespace slotcheck::smt {

struct ProveOptions {
    std::vector<std::string> designs;     // empty: all
    std::vector<std::string> properties;  // empty: all
    int depth = 6;
    std::optional<std::string> emit_dir;
    bool json = false;
    unsigned timeout_ms = 20000;          // per solver query
    bool bitvectors = false;              // encode with Z3 bit-vectors instead of integers (slow)
    std::optional<std::string> emit_private_dir;  // the same counterexamples on a type-1 VM (VmForm::Private)
};

// The schema of the --json document (docs/output.md "prove").
inline constexpr std::string_view kProveSchema = "slotcheck.prove";
inline constexpr int kProveSchemaVersion = 1;

int run_prove(const ProveOptions& opts, std::ostream& out, std::ostream& err);

// argv[0] is the command name ("prove").
int prove_main(int argc, char** argv);

}  // namespace slotcheck::smt
