// One child process: a function run in a fork, or a program run by exec.
//
// Every child slotcheck starts goes through this type: the isolated run of
// one sequence (harness/isolation.h), helper programs (sys/subprocess.h),
// `minimize --oracle` commands, the qemu runner of `slotcheck vm` and the
// fuzz workers. So there is one place that gets the hard parts right: the
// child leads a process group of its own, and a timeout or the destructor
// kills that whole group (whatever it started too) with SIGKILL and reaps
// it, so no zombie and no fd outlives a ChildProcess; output is read while
// waiting, so a chatty child never blocks on a full pipe; deadlines use the
// steady clock; and how the child ended is described in one place.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/unique_fd.h"

namespace slotcheck {

// How a child ended, as waitpid reports it plus the two ways it can fail to
// start and the timeout the runner itself imposed.
struct WaitStatus {
    enum class Kind : uint8_t {
        Ok,          // exit code 0
        Exited,      // a non-zero exit `code`
        Crashed,     // died of signal `code`
        TimedOut,    // `limit` passed; the group was killed with SIGKILL
        ForkFailed,  // no child: fork or pipe failed with errno `code`
        ExecFailed,  // the child could not exec `program`: errno `code`
    };
    Kind kind = Kind::Ok;
    int code = 0;
    std::chrono::milliseconds limit{0};
    std::string program;   // ExecFailed only
    long peak_rss_kb = 0;  // the child's peak resident set (its rusage), when reaped

    bool ok() const { return kind == Kind::Ok; }
    // "ok", "exited with code 3", "crashed: SIGSEGV", "timed out after 5000
    // ms", "fork failed: ...", "cannot run PROGRAM: No such file or directory".
    std::string describe() const;
    // As a shell reports it: the exit code, 128 + the signal (a timeout is
    // 128 + SIGKILL), 127 for a program that could not be started.
    int shell_code() const;
};

// Where one of the child's standard streams goes.
struct Stdio {
    enum class Kind : uint8_t { Inherit, Null, Pipe, Fd };
    Kind kind = Kind::Inherit;
    int fd = -1;  // Fd only: duplicated onto the stream in the child (the caller keeps its own)

    static Stdio inherit() { return {}; }
    static Stdio null() { return {Kind::Null, -1}; }
    static Stdio pipe() { return {Kind::Pipe, -1}; }
    static Stdio to(int fd) { return {Kind::Fd, fd}; }
};

struct SpawnOptions {
    Stdio in;   // Pipe: write to it with write_input()
    Stdio out;  // Pipe: read with wait() or read_output(). A function child
                // gets the pipe's write end as its argument and keeps its
                // own stdout; a program gets the pipe as its stdout.
    Stdio err;  // Pipe is not offered for stderr (one pipe to watch is enough)
    // PR_SET_PDEATHSIG: the child is killed when the thread that started it
    // ends, so a killed slotcheck leaves no vCPU or qemu behind.
    bool die_with_parent = true;
};

// Writes all of `data` to `fd` (a pipe, the child's result channel),
// retrying after EINTR; false when a write fails.
bool write_all(int fd, std::string_view data);

class ChildProcess {
public:
    // The function's return value is the child's exit code; an exception
    // ends it with code 3 (its what() on stderr). `output_fd` is the write
    // end of the output pipe (-1 without SpawnOptions::out = pipe()). The
    // child ends with _exit: the parent's atexit handlers and static
    // destructors (a test framework's) never run twice.
    using Function = std::function<int(int output_fd)>;

    static ChildProcess spawn(const Function& fn, const SpawnOptions& options = {});
    // argv[0] is a path (no PATH search). A program that cannot be run ends
    // the child at once with WaitStatus::Kind::ExecFailed.
    static ChildProcess exec(const std::vector<std::string>& argv, const SpawnOptions& options = {});

    ChildProcess() = default;
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();  // kills the group and reaps a child still running

    // False when it could not be started (fork or exec failed); wait() then
    // says why.
    bool running() const { return pid_ > 0 && !status_; }
    pid_t pid() const { return pid_; }
    // The read end of the output pipe (non-blocking), for a caller that
    // polls several children at once; -1 when there is none or it is closed.
    int output_fd() const { return output_.get(); }

    // Writes all of `data` to the child's stdin (SpawnOptions::in = pipe()).
    // False if the child closed it. Blocks while the pipe is full, so a
    // large input goes to a child that reads it before it writes much.
    bool write_input(std::string_view data);
    void close_input() { input_.reset(); }

    // Appends what the child wrote within `timeout` (none: what is there
    // now), at most 1 MiB a call. False once the output is closed (EOF or
    // no pipe).
    bool read_output(std::string& into, std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

    // Waits for the child to end, reading its output into `output` (or
    // discarding it) meanwhile. With a `limit`, a child still running when
    // it passes is killed with its group and the status is TimedOut.
    WaitStatus wait(std::optional<std::chrono::milliseconds> limit = std::nullopt, std::string* output = nullptr);
    // The status if the child has ended (reaping it), without blocking.
    std::optional<WaitStatus> try_wait();
    // Sends `sig` to the whole group, waits up to `grace` for the child to
    // end, then kills the group with SIGKILL; reaps. (SIGTERM first lets a
    // runner script stop what it started itself.)
    WaitStatus stop(int sig, std::chrono::milliseconds grace);
    // SIGKILL to the whole group, then reap.
    WaitStatus kill();
    // Forgets the child without touching it: for a forked copy of the
    // process that started it, whose child it is not.
    void abandon();

private:
    // Takes a child that started: its pid, its pipes and a pidfd on it.
    void adopt(pid_t pid, UniqueFd output, UniqueFd input);
    WaitStatus reap(int status, long peak_rss_kb);
    WaitStatus finish_blocking();
    void kill_group(int sig) const;

    pid_t pid_ = -1;
    UniqueFd output_, input_, exited_;  // exited_: a pidfd, readable once the child ended
    std::optional<WaitStatus> status_;  // set once reaped or when it could not start
};

}  // namespace slotcheck
