#include "tools/judge_options.h"

#include "seq/rules.h"
#include "sys/quoted.h"
#include "tools/command_line.h"

namespace slotcheck::cli {

JudgeOptionsDeclared add_judge_options(CommandLine& line, JudgeOptions& judging, const std::string& timeout_help,
                                       const std::string& runs_help) {
    JudgeOptionsDeclared o;
    o.timeout = line.add_number(
        "--timeout-ms", [&judging](uint64_t v) { judging.timeout = std::chrono::milliseconds(v); }, 1, 3600000,
        timeout_help);
    o.runs = line.add_number("--runs", judging.runs, 1, 100, runs_help);
    return o;
}

CLI::Option* add_mutant_option(CommandLine& line, std::optional<RuleId>& mutant, const std::string& help) {
    return line
        .add_checked(
            "--mutant",
            [](const std::string& v) {
                return rule_by_name(v) ? "" : "unknown rule " + quote(v) + " ('slotcheck rules' lists them)";
            },
            [&mutant](const std::string& v) { mutant = rule_by_name(v); }, help)
        ->type_name("RULE");
}

CLI::Option* add_same_option(CommandLine& line, Sameness& same, std::string* name, const std::string& help) {
    return line
        .add_checked(
            "--same",
            [](const std::string& v) {
                return sameness_from_name(v) ? "" : "--same takes any, op or rule, got " + quote(v);
            },
            [&same, name](const std::string& v) {
                same = *sameness_from_name(v);
                if (name) *name = v;
            },
            help)
        ->type_name("any|op|rule");
}

}  // namespace slotcheck::cli
