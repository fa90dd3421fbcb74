// The subcommands of the slotcheck CLI; the exit codes they share are
// sys/exit_codes.h.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "sys/exit_codes.h"

namespace slotcheck::cli {

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
