// The subcommands of the slotcheck CLI and the exit codes they share.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace slotcheck::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDivergence = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitNoEnvironment = 3;
inline constexpr int kExitUnknown = 4;

struct Command {
    const char* name;
    const char* summary;
    std::function<int(int, char**)> run;  // argv[0] is the command name
};

const std::vector<Command>& commands();
void print_usage(std::ostream& out);

int replay_main(int argc, char** argv);
int probe_main(int argc, char** argv);
int rules_main(int argc, char** argv);
int annotate_main(int argc, char** argv);
int emit_c_main(int argc, char** argv);
int minimize_main(int argc, char** argv);
int fuzz_main(int argc, char** argv);
int vm_main(int argc, char** argv);

}  // namespace slotcheck::cli
