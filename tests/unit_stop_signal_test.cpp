// SIGINT and SIGTERM to the long-running commands (sys/stop_signal.h): each
// stops at its next safe point, prints the summary of what ran, writes its
// JSON or its result whole, and exits 130 / 143. The commands run for real
// (replay and minimize against the model; vm over the real harness/vm/run
// with a fake qemu on PATH) and are sent the signal from a shell.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "replay/sequence_oracle.h"
#include "seq/rules.h"
#include "seq/sequence.h"
#include "tests/command_output.h"
#include "tests/json_read.h"
#include "tests/scratch_dir.h"
#include "tests/support/padded_failure.h"

namespace {

namespace fs = std::filesystem;
using namespace slotcheck;

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// `command` in the background; once `ready` (a shell condition, polled for
// at most 60 s) holds, SIGsignal_name to it; then its exit status as "exit=N".
std::string signal_when(const std::string& command, const std::string& ready, const std::string& signal_name) {
    return "(" + command + " & pid=$!; for i in $(seq 1200); do " + ready +
           " && break; sleep 0.05; done; kill -" + signal_name + " $pid; wait $pid; echo exit=$?)";
}

const std::pair<const char*, int> kSignals[] = {{"INT", 130}, {"TERM", 143}};

TEST(JsonValidity, TellsWholeJsonFromCutJson) {
    std::string error;
    EXPECT_TRUE(test::valid_json(R"({"a": [1, -2.5e3, "x\"y", true, null], "b": {}})", error)) << error;
    EXPECT_FALSE(test::valid_json(R"({"a": [1, 2)", error));
    EXPECT_FALSE(test::valid_json(R"({"a": 1,})", error));
    EXPECT_FALSE(test::valid_json("", error));
}

// A replay of a directory stops after the file that is running: the table
// and the JSON cover the files that ran, and say the run was stopped.
TEST(StopSignal, ReplayOfADirectoryReportsTheFilesThatRan) {
    for (const auto& [signal_name, code] : kSignals) {
        test::ScratchDir dir(std::string("stop-replay-") + signal_name);
        // 40 files of 20,001 steps (a slot made and deleted 10,000 times):
        // replaying them takes about a second, so a signal sent once they
        // were read (replay reads every file first) finds the replay under way.
        constexpr size_t kFiles = 40;
        std::string file_text = "slotcheck-sequence 1\nvm v0 type=0x0\n";
        for (int i = 0; i < 10000; ++i)
            file_text += "region v0 slot=0x1 flags=0x0 gpa=0x0 size=0x1000 uaddr=0x0\n"
                    "region v0 slot=0x1 flags=0x0 gpa=0x0 size=0x0 uaddr=0x0\n";
        fs::create_directories(dir.path / "files");
        for (size_t i = 0; i < kFiles; ++i) std::ofstream(dir.path / "files" / ("f" + std::to_string(100 + i) + ".seq")) << file_text;
        const std::string json = (dir.path / "replay.json").string();
        const std::string command = std::string(SLOTCHECK_BINARY) + " replay --model-only --json " + json + " " +
                                    (dir.path / "files").string();
        // Ready once the process has read every file (rchar of /proc/PID/io)
        // and had a moment to replay some.
        const std::string all_read = "[ \"$(awk '/^rchar/ {print $2}' /proc/$pid/io 2>/dev/null || echo 0)\" -ge " +
                                     std::to_string(kFiles * file_text.size()) + " ] && sleep 0.2";
        const auto r = test::run_command(signal_when(command, all_read, signal_name));
        EXPECT_NE(r.output.find("exit=" + std::to_string(code)), std::string::npos) << r.output;
        std::smatch m;
        ASSERT_TRUE(std::regex_search(r.output, m, std::regex("stopped by a signal after ([0-9]+) of 40 files; the rest did not run")))
            << r.output;
        const size_t ran = std::stoul(m[1]);
        EXPECT_LT(ran, kFiles);
        const std::string text = read_text(json);
        std::string error;
        EXPECT_TRUE(test::valid_json(text, error)) << error;
        const test::json doc = test::parse_document(text, "slotcheck.replay/1", error);
        ASSERT_FALSE(doc.is_discarded()) << error << "\n" << text.substr(0, 200);
        EXPECT_EQ(doc["interrupted"], true) << text.substr(0, 200);
        EXPECT_EQ(doc["files_given"], 40) << text.substr(0, 200);
        EXPECT_EQ(doc["files"].size(), ran);
    }
}

// minimize keeps the smallest failing sequence found so far: written where
// --out or --into says, marked as cut short, and still failing.
TEST(StopSignal, MinimizeWritesTheSmallestFailingSequenceSoFar) {
    for (const auto& [signal_name, code] : kSignals) {
        test::ScratchDir dir(std::string("stop-minimize-") + signal_name);
        const Sequence input = gen::padded(gen::bind_overlap_core(), 20000, 3);
        const std::string input_file = dir.file("big.seq", print(input));
        const bool into = std::string(signal_name) == "TERM";
        const fs::path out = into ? dir.path / "corpus" : dir.path / "small.seq";
        const std::string log = (dir.path / "log").string();
        const std::string command = std::string(SLOTCHECK_BINARY) + " minimize --model-only --mutant gmem.bind-overlap " +
                                    (into ? "--into " : "--out ") + out.string() + " " + input_file + " >" + log +
                                    " 2>&1";
        // The signal once the search made the input shorter (a progress
        // line "minimize: N candidates, L steps (PHASE)" with L below the
        // input's length).
        const std::string shrunk = "awk '/ candidates, [0-9]+ steps/ { if ($4 < " + std::to_string(input.steps.size()) +
                                   ") found = 1 } END { exit !found }' " + log;
        const auto r = test::run_command(signal_when(command, shrunk, signal_name));
        const std::string output = r.output + read_text(log);
        EXPECT_NE(output.find("exit=" + std::to_string(code)), std::string::npos) << output;
        EXPECT_NE(output.find("cut short by a signal"), std::string::npos) << output;
        fs::path written = out;
        if (into) {
            ASSERT_TRUE(fs::is_directory(out)) << output;
            for (const auto& e : fs::directory_iterator(out)) written = e.path();
        }
        const auto parsed = parse_file(written.string());
        ASSERT_TRUE(parsed.sequence) << (parsed.error ? parsed.error->to_string() : "") << "\n" << output;
        EXPECT_LT(parsed.sequence->steps.size(), input.steps.size());
        std::string header;
        for (const auto& h : parsed.sequence->header_comments) header += h + "\n";
        EXPECT_NE(header.find("cut short by a signal, not 1-minimal"), std::string::npos) << header;
        JudgeOptions mutant;
        mutant.oracle = OracleKind::Model;
        mutant.mutant = *rule_by_name("gmem.bind-overlap");
        EXPECT_TRUE(judge(*parsed.sequence, mutant).failed()) << "the sequence written still fails";
    }
}

// `slotcheck vm` over the real harness/vm/run, with a fake qemu that plays a
// fuzzing guest until it is killed: a signal stops the VM, leaves no qemu
// and none of the runner's temporary directories, and the summary and the
// JSON still come, with the guest's VmallocUsed report.
TEST(StopSignal, VmStopsQemuAndLeavesNothingBehind) {
    for (const auto& [signal_name, code] : kSignals) {
        test::ScratchDir dir(std::string("stop-vm-") + signal_name);
        fs::create_directories(dir.path / "tmp");
        const std::string kernel = dir.file("bzImage", "not a kernel");
        const std::string pids = (dir.path / "qemu.pids").string();
        const std::string json = (dir.path / "vm.json").string();
        const std::string env = "PATH=" + std::string(SLOTCHECK_SOURCE_DIR) + "/tests/fixtures/vm/fake-qemu:$PATH" +
                                " TMPDIR=" + (dir.path / "tmp").string() + " SLOTCHECK_CACHE=" +
                                (dir.path / "cache").string() + " FAKE_QEMU_PIDS=" + pids +
                                " SLOTCHECK_SOURCE_DIR=" + SLOTCHECK_SOURCE_DIR + " SLOTCHECK_STATIC_BINARY=/bin/true ";
        const std::string command = env + SLOTCHECK_BINARY + " vm --kernel " + kernel + " --seconds 600 --seed 1 --out " +
                                    (dir.path / "out").string() + " --json " + json;
        // The signal once qemu runs and has sent a few sequences.
        const auto r = test::run_command(signal_when(command, "[ -s " + pids + " ] && sleep 1", signal_name));
        EXPECT_NE(r.output.find("exit=" + std::to_string(code)), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("stopped by a signal"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find(" stopped "), std::string::npos) << "the boot's end: " << r.output;
        EXPECT_EQ(r.output.find("finding:"), std::string::npos) << "a stop is no finding: " << r.output;
        EXPECT_NE(r.output.find("kernel memory: VmallocUsed grew at most 4.0 MiB (10.0 MiB at start, peak 14.0 MiB, 20 samples) of a budget of 256.0 MiB (1.6%)"), std::string::npos) << r.output;
        const std::string text = read_text(json);
        std::string error;
        EXPECT_TRUE(test::valid_json(text, error)) << error << "\n" << text;
        const test::json doc = test::parse_document(text, "slotcheck.vm/1", error);
        ASSERT_FALSE(doc.is_discarded()) << error << "\n" << text;
        EXPECT_EQ(doc["interrupted"], true) << text;
        ASSERT_EQ(doc["kernels"].size(), 1u) << text;
        const test::json& guest_kernel = doc["kernels"][0];
        ASSERT_FALSE(guest_kernel["boots"].empty()) << text;
        EXPECT_EQ(guest_kernel["boots"].back()["end"], "stopped") << text;
        EXPECT_EQ(guest_kernel["vmalloc_growth"], 4194304) << text;
        // No qemu outlives the command, and the runner's and the image
        // builder's temporary directories are gone.
        std::istringstream qemu_pids(read_text(pids));
        size_t started = 0;
        for (std::string pid; qemu_pids >> pid; ++started)
            EXPECT_FALSE(fs::exists("/proc/" + pid + "/cmdline") &&
                         read_text("/proc/" + pid + "/cmdline").find("qemu-system-x86_64") != std::string::npos)
                << "qemu " << pid << " still runs";
        EXPECT_EQ(started, 1u);
        EXPECT_TRUE(fs::is_empty(dir.path / "tmp")) << "left in TMPDIR: " << fs::directory_iterator(dir.path / "tmp")->path();
    }
}

}  // namespace
