// sys/process.h: the one child-process runner every child of slotcheck goes
// through (isolated runs, helper programs, oracle commands, qemu, fuzz
// workers).
#include "sys/process.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace slotcheck {
namespace {

using namespace std::chrono_literals;

SpawnOptions capture_output() {
    SpawnOptions o;
    o.out = Stdio::pipe();
    return o;
}

// The fds open in this process (from /proc/self/fd).
int open_fd_count() {
    int count = 0;
    DIR* dir = opendir("/proc/self/fd");
    if (!dir) return -1;
    while (readdir(dir)) ++count;
    closedir(dir);
    return count;
}

// True while `pid` is a process that has not ended (a zombie has ended).
bool alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const auto close_paren = line.rfind(')');
    return close_paren != std::string::npos && close_paren + 2 < line.size() && line[close_paren + 2] != 'Z';
}

TEST(ChildProcess, ReportsExitCodeOfAFunction) {
    ChildProcess child = ChildProcess::spawn([](int) { return 3; });
    const WaitStatus s = child.wait(10s);
    EXPECT_EQ(s.kind, WaitStatus::Kind::Exited);
    EXPECT_EQ(s.code, 3);
    EXPECT_EQ(s.describe(), "exited with code 3");
    EXPECT_EQ(s.shell_code(), 3);
}

TEST(ChildProcess, ReturnsWhatAFunctionWrote) {
    ChildProcess child = ChildProcess::spawn(
        [](int fd) { return write_all(fd, "result text") ? 0 : 1; }, capture_output());
    std::string out;
    const WaitStatus s = child.wait(10s, &out);
    EXPECT_TRUE(s.ok()) << s.describe();
    EXPECT_EQ(s.describe(), "ok");
    EXPECT_EQ(out, "result text");
}

TEST(ChildProcess, ReportsTheSignalThatKilledIt) {
    ChildProcess child = ChildProcess::spawn([](int) {
        ::kill(getpid(), SIGABRT);
        return 0;
    });
    const WaitStatus s = child.wait(10s);
    EXPECT_EQ(s.kind, WaitStatus::Kind::Crashed);
    EXPECT_EQ(s.code, SIGABRT);
    EXPECT_EQ(s.describe(), "crashed: SIGABRT");
    EXPECT_EQ(s.shell_code(), 128 + SIGABRT);
}

TEST(ChildProcess, CapturesAProgramsStdoutAndExitCode) {
    ChildProcess child = ChildProcess::exec({"/bin/sh", "-c", "echo hello; exit 5"}, capture_output());
    std::string out;
    const WaitStatus s = child.wait(10s, &out);
    EXPECT_EQ(out, "hello\n");
    EXPECT_EQ(s.kind, WaitStatus::Kind::Exited);
    EXPECT_EQ(s.code, 5);
}

TEST(ChildProcess, FeedsStdinToAProgram) {
    SpawnOptions o = capture_output();
    o.in = Stdio::pipe();
    ChildProcess child = ChildProcess::exec({"/bin/cat"}, o);
    ASSERT_TRUE(child.write_input("through cat\n"));
    child.close_input();
    std::string out;
    EXPECT_TRUE(child.wait(10s, &out).ok());
    EXPECT_EQ(out, "through cat\n");
}

TEST(ChildProcess, TimeoutKillsTheWholeGroupGrandchildIncluded) {
    // The shell starts a grandchild in the background and reports its pid,
    // then waits; both must be gone when the limit kills the group.
    ChildProcess child =
        ChildProcess::exec({"/bin/sh", "-c", "sleep 100 & echo $!; wait"}, capture_output());
    std::string out;
    const auto t0 = std::chrono::steady_clock::now();
    const WaitStatus s = child.wait(300ms, &out);
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(s.kind, WaitStatus::Kind::TimedOut);
    EXPECT_EQ(s.describe(), "timed out after 300 ms");
    EXPECT_LT(took, 5s);
    const pid_t grandchild = static_cast<pid_t>(std::stol(out));
    ASSERT_GT(grandchild, 0);
    // SIGKILL is delivered at once, but the reaper (init) may take a moment.
    for (int i = 0; i < 100 && alive(grandchild); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(alive(grandchild)) << "grandchild " << grandchild << " outlived the timeout";
}

TEST(ChildProcess, DestructorKillsTheGroup) {
    pid_t grandchild = 0;
    {
        ChildProcess child =
            ChildProcess::exec({"/bin/sh", "-c", "sleep 100 & echo $!; wait"}, capture_output());
        std::string out;
        while (out.find('\n') == std::string::npos && child.read_output(out, 5s)) {
        }
        grandchild = static_cast<pid_t>(std::stol(out));
        ASSERT_TRUE(alive(grandchild));
    }
    for (int i = 0; i < 100 && alive(grandchild); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(alive(grandchild));
}

TEST(ChildProcess, OutputOverOneMebibyteDoesNotDeadlock) {
    // Far more than a pipe holds: the child blocks on a full pipe unless
    // the parent reads while it waits.
    const size_t size = 3 << 20;
    ChildProcess child = ChildProcess::spawn(
        [size](int fd) { return write_all(fd, std::string(size, 'x')) ? 0 : 1; }, capture_output());
    std::string out;
    const WaitStatus s = child.wait(30s, &out);
    EXPECT_TRUE(s.ok()) << s.describe();
    EXPECT_EQ(out.size(), size);
}

TEST(ChildProcess, MissingProgramIsAClearStatus) {
    ChildProcess child = ChildProcess::exec({"/nonexistent/slotcheck-helper", "--x"}, capture_output());
    EXPECT_FALSE(child.running());
    const WaitStatus s = child.wait(10s);
    EXPECT_EQ(s.kind, WaitStatus::Kind::ExecFailed);
    EXPECT_EQ(s.code, ENOENT);
    EXPECT_EQ(s.describe(), "cannot run /nonexistent/slotcheck-helper: No such file or directory");
    EXPECT_EQ(s.shell_code(), 127);
}

TEST(ChildProcess, StopSendsTheSignalFirst) {
    // A child that exits cleanly on SIGTERM ends before the grace is over.
    ChildProcess child = ChildProcess::exec({"/bin/sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.05; done"});
    std::this_thread::sleep_for(200ms);  // let the shell install its trap
    const WaitStatus s = child.stop(SIGTERM, 5s);
    EXPECT_EQ(s.kind, WaitStatus::Kind::Exited);
    EXPECT_EQ(s.code, 7);
}

TEST(ChildProcess, NoFdLeaksAcrossOneHundredSpawns) {
    const int before = open_fd_count();
    for (int i = 0; i < 100; ++i) {
        SpawnOptions o = capture_output();
        o.in = Stdio::pipe();
        if (i % 2 == 0) {
            ChildProcess child = ChildProcess::exec({"/bin/true"}, o);
            EXPECT_TRUE(child.wait(10s).ok());
        } else if (i % 4 == 1) {
            ChildProcess child = ChildProcess::spawn([](int fd) { return write_all(fd, "x") ? 0 : 1; }, o);
            std::string out;
            EXPECT_TRUE(child.wait(10s, &out).ok());
        } else {
            // Dropped while running: the destructor kills and reaps.
            ChildProcess child = ChildProcess::spawn([](int) {
                pause();
                return 0;
            }, o);
        }
    }
    EXPECT_EQ(open_fd_count(), before);
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child was left unreaped";
    EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace slotcheck
