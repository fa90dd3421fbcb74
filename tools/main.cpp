// slotcheck: the command-line driver. Each subcommand lives in its own file
// (tools/*_command.cpp); this file only dispatches.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

#include "seq/quoted.h"
#include "tools/commands.h"

int main(int argc, char** argv) {
    using namespace slotcheck::cli;
    // Past a file size limit (ulimit -f) a write fails with EFBIG, which the
    // writers report as exit 2 with the path, instead of killing the process.
    std::signal(SIGXFSZ, SIG_IGN);
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        print_usage(argc < 2 ? std::cerr : std::cout);  // asked for: stdout; a missing command: an error
        return argc < 2 ? kExitBadInput : kExitOk;
    }
    std::string cmd = argv[1];
    for (const auto& c : commands())
        if (cmd == c.name) return c.run(argc - 1, argv + 1);
    std::cerr << "slotcheck: unknown command " << slotcheck::quote(cmd) << " (slotcheck --help lists them)\n";
    return kExitBadInput;
}
