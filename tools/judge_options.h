// --timeout-ms N and --runs R: how every command that judges sequences on a
// kernel (replay, fuzz, minimize) limits a run and confirms a failure
// (replay/sequence_oracle.h).
#pragma once

#include <optional>
#include <string>

#include "replay/sequence_oracle.h"

namespace CLI {
class Option;
}

namespace slotcheck::cli {

class CommandLine;

struct JudgeOptionsDeclared {
    CLI::Option* timeout;
    CLI::Option* runs;
};

inline constexpr const char* kTimeoutHelp =
    "wall-clock limit per sequence (default 10000; one that outlives it is run\n"
    "again with 3 times the limit before it is a timeout)";
inline constexpr const char* kRunsHelp =
    "runs a failing sequence gets, the first included, before it is reported\n"
    "(default 3); a failure most runs do not show is reported as flaky";

// Declares --timeout-ms N (1..3600000) and --runs R (1..100) on `line`,
// filling judging.timeout and judging.runs.
JudgeOptionsDeclared add_judge_options(CommandLine& line, JudgeOptions& judging,
                                       const std::string& timeout_help = kTimeoutHelp,
                                       const std::string& runs_help = kRunsHelp);

// --mutant RULE: the model under test runs with RULE mutated; an unknown
// RULE is a mistake of the command line.
CLI::Option* add_mutant_option(CommandLine& line, std::optional<RuleId>& mutant, const std::string& help);

// --same any|op|rule: how much of a failure must stay when it shrinks;
// `name` (when given) keeps the word as typed.
CLI::Option* add_same_option(CommandLine& line, Sameness& same, std::string* name, const std::string& help);

}  // namespace slotcheck::cli
