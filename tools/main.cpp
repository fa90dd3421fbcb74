// slotcheck: the command-line driver. Each subcommand lives in its own file
// (tools/*_command.cpp) and parses its own options (tools/command_line.h);
// this file only dispatches.
#include <algorithm>
#include <csignal>
#include <iostream>
#include <string>

#include "sys/quoted.h"
#include "tools/command_line.h"
#include "tools/commands.h"

int main(int argc, char** argv) {
    using namespace slotcheck;
    using namespace slotcheck::cli;
    // Past a file size limit (ulimit -f) a write fails with EFBIG, which the
    // writers report as exit 2 with the path, instead of killing the process.
    std::signal(SIGXFSZ, SIG_IGN);
    // `slotcheck help` has always been the same as --help.
    if (argc == 2 && std::string(argv[1]) == "help") {
        print_usage(std::cout);
        return kExitOk;
    }
    CommandLine line("", "");
    std::string command;
    line.app().add_option("COMMAND", command, "the command ('slotcheck COMMAND --help' describes it)");
    try {
        // Only the first word is the driver's: what follows COMMAND is the
        // command's own (its --help too).
        line.app().parse(std::min(argc, 2), argv);
    } catch (const CLI::CallForHelp&) {
        print_usage(std::cout);
        return kExitOk;
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << "\n";
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        std::cerr << "slotcheck: " << line.mistake(e) << "\n";
        print_usage(std::cerr);
        return kExitBadInput;
    }
    if (command.empty()) {
        print_usage(std::cerr);  // a missing command: an error
        return kExitBadInput;
    }
    for (const auto& c : commands())
        if (command == c.name) return c.run(argc - 1, argv + 1);
    std::cerr << "slotcheck: unknown command " << slotcheck::quote(command) << " (slotcheck --help lists them)\n";
    return kExitBadInput;
}
