// The helpers of tools/ that run programs, on the one process runner
// (sys/process.h): run_program (scripts/fetch-kernel and the like) and the
// `minimize --oracle` command.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "seq/sequence.h"
#include "tools/external_oracle.h"
#include "tools/subprocess.h"

namespace slotcheck {
namespace {

using namespace std::chrono_literals;

Sequence small_sequence() {
    const ParseResult r = parse("slotcheck-sequence 1\nvm v0 type=0x0 => ok\n");
    EXPECT_TRUE(r.sequence);
    return r.sequence ? *r.sequence : Sequence{};
}

TEST(RunProgram, TakesStdoutAndTheExitCode) {
    const cli::ProgramOutput r = cli::run_program({"/bin/sh", "-c", "echo kernel/bzImage; exit 4"});
    EXPECT_EQ(r.out, "kernel/bzImage\n");
    EXPECT_EQ(r.exit_code, 4);
}

TEST(RunProgram, AProgramThatCannotStartIs127) {
    const cli::ProgramOutput r = cli::run_program({"/nonexistent/fetch-kernel", "7"});
    EXPECT_EQ(r.exit_code, 127);
    EXPECT_EQ(r.out, "");
}

TEST(ExternalOracle, ExitZeroMeansStillFails) {
    EXPECT_TRUE(cli::ExternalOracle("grep -q '^vm v0'", 10000ms).still_fails(small_sequence()));
    EXPECT_FALSE(cli::ExternalOracle("grep -q '^gmem'", 10000ms).still_fails(small_sequence()));
}

TEST(ExternalOracle, ACommandOverItsLimitIsKilledWithWhatItStarted) {
    const std::string pid_file =
        (std::filesystem::temp_directory_path() / ("slotcheck-oracle-pid-" + std::to_string(getpid()))).string();
    // The command starts a grandchild, writes its pid and waits on it.
    const cli::ExternalOracle oracle("sleep 100 & echo $! > " + pid_file + "; wait; true", 300ms);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(oracle.still_fails(small_sequence()));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
    std::ifstream in(pid_file);
    long grandchild = 0;
    ASSERT_TRUE(in >> grandchild);
    std::filesystem::remove(pid_file);
    const std::string stat = "/proc/" + std::to_string(grandchild) + "/stat";
    auto gone = [&] {
        std::ifstream s(stat);
        std::string line;
        if (!std::getline(s, line)) return true;
        const auto paren = line.rfind(')');
        return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
    };
    for (int i = 0; i < 100 && !gone(); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(gone()) << "the oracle's grandchild " << grandchild << " outlived its limit";
}

}  // namespace
}  // namespace slotcheck
