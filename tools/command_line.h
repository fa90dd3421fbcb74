// The command line of every slotcheck command, declared with CLI11: help
// on stdout (-h, --help), --version, `--opt value` and `--opt=value`,
// numbers in decimal or 0x hex with their range checked, an option given
// twice refused unless it repeats, and every mistake one line
// "slotcheck COMMAND: ..." naming the option, exit 2, before any work.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sys/exit_codes.h"

namespace slotcheck::cli {

class CommandLine {
public:
    // `command` as typed ("replay"); `summary` heads the help, `notes`
    // close it (what the output means, the exit codes of this command).
    CommandLine(std::string command, std::string summary, std::string notes = "");

    CLI::App& app() { return app_; }
    const std::string& command() const { return command_; }

    // Parses argv (argv[0] is the command name). nullopt: go on; otherwise
    // the exit code: kExitOk after --help or --version (printed on stdout),
    // kExitBadInput after a mistake (printed on stderr with the usage line).
    std::optional<int> parse(int argc, char** argv);

    // A mistake CLI11 found, in the commands' words ("unknown option '--x'",
    // "--seed needs a value"), naming the option.
    std::string mistake(const CLI::ParseError& e) const;

    // "slotcheck COMMAND: MESSAGE" on stderr; returns kExitBadInput.
    int bad_input(const std::string& message) const;
    // The same, followed by the usage line (for a mistake of the command line).
    int bad_usage(const std::string& message) const;

    // A number in decimal or 0x hex, MIN..MAX; otherwise "NAME takes
    // MIN..MAX[ (UNIT)], got 'VALUE'". `set` receives it.
    CLI::Option* add_number(const std::string& name, std::function<void(uint64_t)> set, uint64_t min, uint64_t max,
                            const std::string& description, const std::string& unit = "");
    template <class T>
    CLI::Option* add_number(const std::string& name, T& target, uint64_t min, uint64_t max,
                            const std::string& description, const std::string& unit = "") {
        return add_number(
            name, [&target](uint64_t v) { target = static_cast<T>(v); }, min, max, description, unit);
    }
    // A kernel memory SIZE (model/kernel_memory.h: bytes, 0x hex, or K, M, G, T).
    CLI::Option* add_size(const std::string& name, std::optional<uint64_t>& target, const std::string& description);
    // A flag; given twice it is an error.
    CLI::Option* add_switch(const std::string& name, bool& target, const std::string& description);
    // A text value, given once; `value` names it in the help ("FILE", "DIR").
    CLI::Option* add_text(const std::string& name, std::optional<std::string>& target, const std::string& value,
                          const std::string& description);
    CLI::Option* add_text(const std::string& name, std::string& target, const std::string& value,
                          const std::string& description);
    // A text value checked by `check` (which returns an error message, or
    // "" when the value is good) before `set` takes it; with `repeats`, the
    // option may be given again and again, each value checked and taken in order.
    CLI::Option* add_checked(const std::string& name, std::function<std::string(const std::string&)> check,
                             std::function<void(const std::string&)> set, const std::string& description,
                             bool repeats = false);
    // A value that may be given again and again, each kept in order.
    CLI::Option* add_repeated(const std::string& name, std::vector<std::string>& target, const std::string& description);

private:
    std::string command_;
    CLI::App app_;
    std::shared_ptr<CLI::Formatter> formatter_;  // its usage line ends every mistake's message
};

// The version printed by --version: "slotcheck VERSION" (the CMake project's).
const char* version();

}  // namespace slotcheck::cli
