// The command lines of every slotcheck command (tools/command_line.h):
// generated help on stdout, --version, `--opt=value` as `--opt value`,
// numbers in hex or decimal with their ranges checked, an option given
// twice and two that exclude each other refused with exit 2 naming them,
// and the one exit-code table (sys/exit_codes.h, docs/output.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "sys/exit_codes.h"
#include "tests/command_output.h"
#include "tests/scratch_dir.h"
#include "tools/command_line.h"

namespace slotcheck {
namespace {

// What `slotcheck ARGS` printed on stdout alone, and on stderr alone.
test::CommandOutput stdout_of(const std::string& args) {
    return test::run_command("{ " + std::string(SLOTCHECK_BINARY) + " " + args + " 2>/dev/null; }");
}
test::CommandOutput stderr_of(const std::string& args) {
    return test::run_command("{ " + std::string(SLOTCHECK_BINARY) + " " + args + " >/dev/null; }");
}

// The commands `slotcheck --help` lists (prove only where the prover is built).
std::vector<std::string> listed_commands() {
    const auto help = stdout_of("--help");
    std::vector<std::string> names;
    std::istringstream in(help.output);
    bool in_list = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "commands:") {
            in_list = true;
            continue;
        }
        if (in_list && line.empty()) break;
        if (in_list) names.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
    return names;
}

TEST(CommandLine, TheDriverListsEveryCommand) {
    const auto names = listed_commands();
    for (const char* expected : {"replay", "probe", "rules", "annotate", "emit-c", "minimize", "fuzz", "vm"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
}

TEST(CommandLine, EveryCommandPrintsItsHelpOnStdoutAndExitsZero) {
    for (const std::string& command : listed_commands()) {
        for (const char* flag : {"-h", "--help"}) {
            const auto out = stdout_of(command + " " + flag);
            EXPECT_EQ(out.status, kExitOk) << command << " " << flag;
            EXPECT_NE(out.output.find("usage: slotcheck " + command), std::string::npos) << command << "\n" << out.output;
            EXPECT_NE(out.output.find("--version"), std::string::npos) << command << "\n" << out.output;
            EXPECT_EQ(stderr_of(command + " " + flag).output, "") << command << " " << flag;
        }
    }
}

TEST(CommandLine, EveryCommandAndTheDriverPrintTheVersion) {
    std::vector<std::string> all = listed_commands();
    all.push_back("");  // slotcheck --version
    for (const std::string& command : all) {
        const auto out = stdout_of(command + " --version");
        EXPECT_EQ(out.status, kExitOk) << command;
        EXPECT_EQ(out.output, std::string("slotcheck ") + SLOTCHECK_VERSION + "\n") << command;
    }
}

// In process: the same option parser every command uses.
struct Parsed {
    std::optional<int> code;
    uint64_t seed = 0;
};

Parsed parse_seed(std::vector<std::string> args) {
    Parsed p;
    cli::CommandLine line("test", "a command for the test");
    line.add_number("--seed", p.seed, 0, UINT64_MAX, "the seed");
    args.insert(args.begin(), "test");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    p.code = line.parse(static_cast<int>(argv.size()), argv.data());
    return p;
}

TEST(CommandLine, ANumberIsHexOrDecimalWithOrWithoutEquals) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--seed=0x10"}, {"--seed", "0x10"}, {"--seed", "16"}, {"--seed=16"}, {"--seed=0X10"}}) {
        const Parsed p = parse_seed(args);
        EXPECT_FALSE(p.code) << args[0];
        EXPECT_EQ(p.seed, 16u) << args[0];
    }
    EXPECT_EQ(parse_seed({"--seed", "0xg"}).code, kExitBadInput);
    EXPECT_EQ(parse_seed({"--seed", "-1"}).code, kExitBadInput);
    EXPECT_EQ(parse_seed({"--seed", "1", "--seed", "2"}).code, kExitBadInput);
}

// End to end: fuzz judges the same sequence for --seed=0x10 as for --seed 16.
TEST(CommandLine, FuzzSeedInHexWithEqualsIsTheSameCampaign) {
    test::ScratchDir dir("command-line-seed");
    auto run = [&](const std::string& seed) {
        return stderr_of("fuzz --model-only " + seed + " --only 5 --seconds 5 --out " + (dir.path / "ff").string());
    };
    const auto hex = run("--seed=0x10"), decimal = run("--seed 16");
    EXPECT_EQ(hex.status, kExitOk) << hex.output;
    EXPECT_EQ(decimal.status, kExitOk) << decimal.output;
    EXPECT_NE(hex.output.find("slotcheck fuzz: seed 16,"), std::string::npos) << hex.output;
    // The header line and the generated sequence that follows it.
    auto sequence_of = [](const std::string& out) {
        const auto at = out.find("slotcheck-sequence");
        return at == std::string::npos ? std::string() : out.substr(at, out.find("\n\n", at) - at);
    };
    EXPECT_NE(sequence_of(hex.output), "") << hex.output;
    EXPECT_EQ(sequence_of(hex.output), sequence_of(decimal.output));
}

struct Refused {
    std::string args, names;
};

// Exit 2 before any work, with one line naming the option.
void expect_refused(const Refused& c) {
    const auto err = stderr_of(c.args);
    EXPECT_EQ(err.status, kExitBadInput) << c.args << "\n" << err.output;
    const std::string first_line = err.output.substr(0, err.output.find('\n'));
    EXPECT_NE(first_line.find(c.names), std::string::npos) << c.args << "\n" << err.output;
    EXPECT_EQ(stdout_of(c.args).output, "") << c.args;
}

TEST(CommandLine, AnOutOfRangeNumberIsRefusedNamingTheOption) {
    for (const Refused& c : std::vector<Refused>{
             {"fuzz --model-only --jobs 0x101", "--jobs takes 1..256, got '0x101'"},
             {"fuzz --model-only --max-ops=100001", "--max-ops takes 1..100000, got '100001'"},
             {"replay --model-only --runs 0 x.seq", "--runs takes 1..100, got '0'"},
             {"minimize --model-only --mutant gmem.punch --repeat 0x0 x.seq", "--repeat takes 1..100000"},
             {"vm --kernel 7 --smp 65", "--smp takes 1..64, got '65'"},
             {"vm --kernel 7 --memory=0x10", "--memory takes 256..1048576 (MiB), got '0x10'"},
             {"fuzz --model-only --seed 0x1_0000_0000_0000_0000", "--seed takes 0..18446744073709551615"},
         })
        expect_refused(c);
    const auto names = listed_commands();
    if (std::find(names.begin(), names.end(), "prove") != names.end())  // built with the prover
        expect_refused({"prove --depth=0xd", "--depth takes 1..12, got '0xd'"});
}

TEST(CommandLine, AnOptionGivenTwiceIsRefusedUnlessItRepeats) {
    for (const Refused& c : std::vector<Refused>{
             {"fuzz --model-only --seed 1 --seed 2", "--seed is given more than once"},
             {"replay --model-only --model-only x.seq", "--model-only is given more than once"},
             {"emit-c --out a.c --out=b.c x.seq", "--out is given more than once"},
             {"replay --model-only --profile upstream --profile linux-7.3 x.seq", "--profile is given more than once"},
         })
        expect_refused(c);
    // --variant repeats: both overrides are taken.
    test::ScratchDir dir("command-line-repeat");
    const std::string file = dir.file("v.seq", "slotcheck-sequence 1\nvm v0 type=0x0 => ok\n");
    const auto twice = stderr_of("replay --model-only --variant gmem-noexec-mount=off --variant gmem-noexec-mount=on " + file);
    EXPECT_EQ(twice.status, kExitOk) << twice.output;
}

TEST(CommandLine, ConflictingOptionsAreRefusedNamingBoth) {
    for (const Refused& c : std::vector<Refused>{
             {"minimize --oracle true --model-only --mutant gmem.punch x.seq", "--oracle"},
             {"minimize --vm 7 --timeout-ms 5 x.seq", "--timeout-ms"},
             {"annotate --name-rules --profile upstream x.seq", "--name-rules"},
         }) {
        expect_refused(c);
        const auto err = stderr_of(c.args);
        EXPECT_NE(err.output.find(" excludes "), std::string::npos) << err.output;
    }
}

// One table: the driver prints it, docs/output.md documents it, row for row.
TEST(ExitCodes, TheDriverAndTheDocsShowTheOneTable) {
    const auto help = stdout_of("--help");
    std::ifstream in(std::string(SLOTCHECK_SOURCE_DIR) + "/docs/output.md");
    std::stringstream read;
    read << in.rdbuf();
    const std::string docs = read.str();
    std::set<int> documented;
    const std::regex row(R"(\n\| (\d+) \| )");
    for (std::sregex_iterator it(docs.begin(), docs.end(), row), end; it != end; ++it)
        documented.insert(std::stoi((*it)[1]));
    std::set<int> table;
    for (const auto& e : kExitCodes) {
        table.insert(e.code);
        EXPECT_NE(help.output.find(std::to_string(e.code) + "  " + e.meaning), std::string::npos) << e.code;
    }
    EXPECT_EQ(documented, table);
}

}  // namespace
}  // namespace slotcheck
