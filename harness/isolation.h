// Run a function in a forked child with a wall-clock limit.
//
// The differ runs each sequence in a child so that a kernel bug that kills
// or hangs the process (a crash in the harness, an unkillable vCPU, a
// deadlock) costs one sequence, not the campaign. The child's result travels
// back as bytes over a pipe; the parent reports how the child ended.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace slotcheck {

struct IsolatedResult {
    enum class Status : uint8_t {
        Ok,        // the child returned normally (exit 0); `output` is its result
        Exited,    // the child exited with a non-zero `code` (e.g. it threw)
        Crashed,   // the child died of `signal`
        TimedOut,  // the limit passed; the child was killed with SIGKILL
        ForkFailed,
    };
    Status status = Status::Ok;
    std::string output;  // whatever the child wrote before it ended
    int code = 0;        // exit code (Exited) or signal number (Crashed)
    std::string describe() const;  // "ok", "crashed: SIGSEGV", "timed out after 5000 ms"
    std::chrono::milliseconds limit{0};
};

struct WaitStatus;
// How a child of the runner (sys/process.h) ended, in these terms.
IsolatedResult isolated_result(const WaitStatus& ended);

// Runs fn() in a child (sys/process.h: its own process group, killed as
// a whole at the limit). Its return value is the child's output. An
// exception in the child ends it with exit code 3 (its what() goes to the
// child's stderr).
IsolatedResult run_isolated(const std::function<std::string()>& fn,
                            std::chrono::milliseconds limit);

}  // namespace slotcheck
