// harness/persistent_child.h: one child serves request after request, each
// under its own deadline; a crash, an exception, a timeout (its whole
// process group killed) or a failed leak check ends it, and the next
// request gets a fresh one. (The judge over it: unit_judge_reproduction_test.)
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "harness/persistent_child.h"
#include "sys/unique_fd.h"

namespace slotcheck {
namespace {

using std::chrono::milliseconds;

// Whether `pid` is gone (or only a zombie nobody reaps in this container).
bool gone(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string pid_field, comm, state;
    stat >> pid_field >> comm >> state;
    return state == "Z";
}

bool gone_within(pid_t pid, milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!gone(pid)) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(milliseconds(10));
    }
    return true;
}

TEST(PersistentChild, AnswersManyRequestsFromOneProcessAndRepliesOfAnySize) {
    PersistentChild child([](const std::string& request) {
        if (request == "big") return std::string(1 << 20, 'x');  // more than a pipe holds
        return "pid " + std::to_string(getpid()) + " got " + request;
    });
    EXPECT_EQ(child.pid(), -1);  // nothing forked before the first request
    const IsolatedResult first = child.call("a", milliseconds(5000));
    ASSERT_EQ(first.status, IsolatedResult::Status::Ok) << first.describe();
    const pid_t pid = child.pid();
    EXPECT_EQ(first.output, "pid " + std::to_string(pid) + " got a");
    for (int i = 0; i < 10; ++i) {
        const IsolatedResult r = child.call(std::to_string(i), milliseconds(5000));
        EXPECT_EQ(r.output, "pid " + std::to_string(pid) + " got " + std::to_string(i));
    }
    EXPECT_EQ(child.call("big", milliseconds(5000)).output.size(), 1u << 20);
    EXPECT_EQ(child.pid(), pid);
    EXPECT_EQ(child.children_started(), 1u);
}

TEST(PersistentChild, AnExceptionOrACrashEndsTheChildAndTheNextRequestGetsAFreshOne) {
    PersistentChild child([](const std::string& request) -> std::string {
        if (request == "throw") throw std::runtime_error("asked to");
        if (request == "abort") std::abort();
        return "ok";
    });
    const IsolatedResult thrown = child.call("throw", milliseconds(5000));
    EXPECT_EQ(thrown.status, IsolatedResult::Status::Exited);
    EXPECT_EQ(thrown.describe(), "exited with code 3");
    EXPECT_EQ(child.call("x", milliseconds(5000)).output, "ok");
    const IsolatedResult aborted = child.call("abort", milliseconds(5000));
    EXPECT_EQ(aborted.describe(), "crashed: SIGABRT");
    EXPECT_EQ(child.call("x", milliseconds(5000)).output, "ok");
    EXPECT_EQ(child.children_started(), 3u);
}

TEST(PersistentChild, ATimeoutKillsTheChildsWholeProcessGroup) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    PersistentChild child([&write_end](const std::string&) -> std::string {
        const pid_t grandchild = fork();
        if (grandchild == 0) {
            for (;;) pause();
        }
        const std::string text = std::to_string(grandchild) + "\n";
        (void)!write(write_end.get(), text.data(), text.size());
        for (;;) pause();
    });
    const IsolatedResult r = child.call("hang", milliseconds(200));
    EXPECT_EQ(r.status, IsolatedResult::Status::TimedOut);
    EXPECT_EQ(r.describe(), "timed out after 200 ms");
    EXPECT_EQ(child.pid(), -1);
    char buf[32] = {};
    ASSERT_GT(read(read_end.get(), buf, sizeof buf - 1), 0);
    const pid_t grandchild = std::atoi(buf);
    ASSERT_GT(grandchild, 0);
    EXPECT_TRUE(gone_within(grandchild, milliseconds(5000))) << grandchild;
}

TEST(PersistentChild, DestructionKillsAndReapsTheChild) {
    pid_t pid = -1;
    {
        PersistentChild child([](const std::string&) { return std::string("ok"); });
        ASSERT_EQ(child.call("x", milliseconds(5000)).status, IsolatedResult::Status::Ok);
        pid = child.pid();
    }
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(gone(pid));
}

TEST(PersistentChild, AChildThatGrowsPastTheLeakCheckRepliesAndIsReplaced) {
    PersistentChild child([](const std::string& request) {
        if (request == "leak") (void)!dup(0);  // one fd more than it started with
        return std::string("done");
    });
    EXPECT_EQ(child.call("clean", milliseconds(5000)).output, "done");
    EXPECT_EQ(child.leaks(), 0u);
    const IsolatedResult leaked = child.call("leak", milliseconds(5000));
    EXPECT_EQ(leaked.status, IsolatedResult::Status::Ok);
    EXPECT_EQ(leaked.output, "done");
    EXPECT_EQ(child.leaks(), 1u);
    EXPECT_NE(child.last_leak().find("1 more open fd"), std::string::npos) << child.last_leak();
    EXPECT_EQ(child.pid(), -1);
    EXPECT_EQ(child.call("clean", milliseconds(5000)).output, "done");
    EXPECT_EQ(child.children_started(), 2u);
}

TEST(PersistentChild, AChildKilledWhileIdleIsReplacedAndTheRequestServed) {
    PersistentChild child([](const std::string&) { return std::to_string(getpid()); });
    const pid_t first = std::stoi(child.call("x", milliseconds(5000)).output);
    kill(first, SIGKILL);
    ASSERT_TRUE(gone_within(first, milliseconds(5000)));
    const IsolatedResult r = child.call("x", milliseconds(5000));
    ASSERT_EQ(r.status, IsolatedResult::Status::Ok) << r.describe();
    EXPECT_NE(std::stoi(r.output), first);
    EXPECT_EQ(child.children_started(), 2u);
}

}  // namespace
}  // namespace slotcheck
