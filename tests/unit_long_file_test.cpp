// Replay of a long sequence file holds one stretch of it, not all of it
// (docs/performance.md "Long files"): the real `slotcheck replay` on a file
// of 64 MiB, and the kernel path (the isolated child with a model for the
// kernel), each held to a peak RSS that replay before streaming exceeded
// many times over (827 MiB for this file). A malformed line at the end of a
// long file is reported with its line before any step runs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/kernel_memory.h"
#include "model/world.h"
#include "replay/features.h"
#include "replay/point.h"
#include "replay/sequence_oracle.h"
#include "seq/sequence_reader.h"
#include "sys/process.h"
#include "tests/command_output.h"
#include "tests/json_read.h"

extern char** environ;

namespace slotcheck {
namespace {

namespace fs = std::filesystem;

// Peak RSS bounds, far below what holding the file took (about 13 bytes of
// memory per byte of file) and far above what streaming takes (7 MiB).
constexpr long kReplayPeakKiB = 48 * 1024;
constexpr long kKernelPathGrowthKiB = 32 * 1024;

class LongFile : public testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("slotcheck-long-" + std::to_string(getpid()));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // A valid file of about `mib` MiB (scripts/long-sequence).
    std::string generate(unsigned mib, const std::string& name) {
        const std::string path = (dir_ / name).string();
        const auto made = test::run_command(std::string(SLOTCHECK_SOURCE_DIR) + "/scripts/long-sequence " +
                                            std::to_string(mib) + " " + path);
        EXPECT_EQ(made.status, 0) << made.output;
        return path;
    }

    static size_t lines_of(const std::string& path) {
        std::ifstream in(path);
        size_t n = 0;
        for (std::string line; std::getline(in, line);) ++n;
        return n;
    }

    fs::path dir_;
};

// A field of /proc/PID/status in KiB ("VmHWM"), or -1 when it cannot be read.
long status_kib(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    return -1;
}

struct Spawned {
    int status = -1;
    long peak_kib = -1;  // VmHWM, last read while it ran
    std::string out, err;
};

// Runs `slotcheck ARGS` and reads its peak RSS (VmHWM) while it runs, until
// it exits. Its own: ru_maxrss of a spawned child would also count this
// process's peak, which Linux keeps across exec.
Spawned spawn_slotcheck(const std::vector<std::string>& args, const fs::path& dir) {
    const std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> words{SLOTCHECK_BINARY};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    Spawned s;
    pid_t pid = -1;
    const int failed = posix_spawn(&pid, SLOTCHECK_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (failed) return s;
    int status = 0;
    // The peak only grows: the last reading, at most 10 ms before the end,
    // is the peak of all but those 10 ms. (A zombie shows none.)
    while (waitpid(pid, &status, WNOHANG) == 0) {
        s.peak_kib = std::max(s.peak_kib, status_kib(pid, "VmHWM"));
        usleep(10000);
    }
    s.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    auto slurp = [](const std::string& path) {
        std::ifstream in(path);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    };
    s.out = slurp(out);
    s.err = slurp(err);
    return s;
}

TEST_F(LongFile, ReplayOfA64MiBFileStaysUnder48MiBOfMemory) {
    const std::string file = generate(64, "long.seq");
    const size_t steps = lines_of(file) - 2;  // the header and one comment line
    const Spawned run = spawn_slotcheck({"replay", "--model-only", "--json", "-", file}, dir_);
    ASSERT_EQ(run.status, 0) << run.err << run.out.substr(0, 2000);
    std::string error;
    const test::json doc = test::parse_document(run.out, "slotcheck.replay/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << run.out.substr(0, 2000);
    ASSERT_EQ(doc["files"].size(), 1u) << run.out.substr(0, 2000);
    EXPECT_EQ(doc["files"][0]["verdict"], "agree") << run.out.substr(0, 2000);
    EXPECT_EQ(doc["files"][0]["steps"], steps) << run.out.substr(0, 2000);
    EXPECT_GT(run.peak_kib, 0);
    EXPECT_LT(run.peak_kib, kReplayPeakKiB) << "peak RSS of slotcheck replay on a 64 MiB file";
}

// The kernel path: the budget check, the feature search and the isolated
// child that replays the file on a kernel (here the model itself, as the
// judgement tests do) read the file a stretch at a time too.
TEST_F(LongFile, TheKernelPathOnA32MiBFileAddsUnder32MiBOfMemory) {
    const std::string file = generate(32, "long.seq");
    ChildProcess child = ChildProcess::spawn([&](int) -> int {
        // What a forked child holds at first is this test process's; what
        // the replay adds on top of it is what is measured.
        const long before = status_kib(getpid(), "VmRSS");
        const Profile profile = upstream_profile();
        FileSteps steps(file);
        FeatureUse use;
        PointFinder point;
        each_step(steps, [&](size_t i, const Step& step) {
            use.add(step.op);
            point.add(i, step);
            return true;
        });
        const bool fits = !first_step_over(steps, profile, kDefaultKernelMemoryBudget);
        const bool needs_nothing = missing_features(steps, use.features(), profile).empty();
        JudgeOptions judging;
        judging.profile = profile;
        judging.check_expectations = true;
        judging.timeout = std::chrono::milliseconds(120000);
        judging.runs = 1;
        judging.confirm_timeouts = false;
        judging.make_kernel = [profile]() -> std::unique_ptr<Executor> { return std::make_unique<World>(profile); };
        const Verdict r = judge(steps, judging, FileJudging{point.last(), false});
        if (steps.error() || !fits || !needs_nothing || r.status != Verdict::Status::Agree || r.steps_run < 600000)
            return 2;
        // The isolated replay child's peak (ru_maxrss, KiB) and this one's.
        rusage child{};
        getrusage(RUSAGE_CHILDREN, &child);
        const long added = std::max(child.ru_maxrss, status_kib(getpid(), "VmHWM")) - before;
        return added < kKernelPathGrowthKiB ? 0 : 1;
    });
    ASSERT_TRUE(child.running()) << child.wait().describe();
    const WaitStatus ended = child.wait();
    ASSERT_TRUE(ended.kind == WaitStatus::Kind::Ok || ended.kind == WaitStatus::Kind::Exited) << ended.describe();
    EXPECT_NE(ended.code, 2) << "the file did not check, fit, and replay to agreement on the kernel path";
    EXPECT_EQ(ended.code, 0) << "the kernel path held more than " << kKernelPathGrowthKiB << " KiB more";
}

// A bad last line of a long file given after a good one, replayed on the
// kernel: exit 2 naming the file and line, and nothing ran. Every file is
// checked before /dev/kvm is opened (without it replay exits 3, with it the
// good file would run and print its row), so the error is found first.
void expect_refused_before_running(const fs::path& dir, const std::string& good, const std::string& bad,
                                   size_t bad_line, const std::string& message) {
    const Spawned run = spawn_slotcheck({"replay", good, bad}, dir);
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find(bad + ":" + std::to_string(bad_line) + ":"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
    EXPECT_EQ(run.out, "");
}

TEST_F(LongFile, AMalformedLastLineIsReportedWithItsLineBeforeAnyStepRuns) {
    const std::string good = generate(1, "good.seq");
    const std::string bad = generate(16, "bad.seq");
    const size_t line = lines_of(bad) + 1;
    std::ofstream(bad, std::ios::app) << "region v0 slot=zz gpa=0x0 size=0x1000\n";
    expect_refused_before_running(dir_, good, bad, line, "field 'slot' needs a number, got 'zz'");
}

TEST_F(LongFile, AHandleUsedBeforeItIsCreatedOnTheLastLineIsReportedBeforeAnyStepRuns) {
    const std::string good = generate(1, "good.seq");
    const std::string bad = generate(16, "bad.seq");
    const size_t line = lines_of(bad) + 1;
    std::ofstream(bad, std::ios::app) << "close g7\n";
    expect_refused_before_running(dir_, good, bad, line, "handle g7 is used before it is created");
}

TEST_F(LongFile, ALineWithoutEndIsRefusedWithoutBeingHeldWhole) {
    const std::string file = (dir_ / "one-line.seq").string();
    {
        std::ofstream out(file);
        out << "slotcheck-sequence 1\n# ";
        const std::string chunk(1 << 20, 'x');
        for (int i = 0; i < 64; ++i) out << chunk;
    }
    const Spawned run = spawn_slotcheck({"replay", "--model-only", file}, dir_);
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find(file + ":2:1: line longer than"), std::string::npos) << run.err;
    EXPECT_LT(run.peak_kib, kReplayPeakKiB);
}

}  // namespace
}  // namespace slotcheck
