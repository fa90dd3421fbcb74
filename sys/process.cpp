#include "sys/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

namespace slotcheck {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The exit code of a function child that threw.
constexpr int kExceptionExit = 3;
// The exit code of a child whose parent was gone before it could ask to die with it.
constexpr int kOrphanExit = 4;

bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    return true;
}

// In the child: `stdio` onto stream `target`. `pipe_end` is the child's end
// of the pipe when stdio is Pipe. dup2 leaves the copy without O_CLOEXEC.
void place(const Stdio& stdio, int target, int pipe_end) {
    int fd = -1;
    switch (stdio.kind) {
    case Stdio::Kind::Inherit: return;
    case Stdio::Kind::Null: fd = ::open("/dev/null", (target == STDIN_FILENO ? O_RDONLY : O_WRONLY) | O_CLOEXEC); break;
    case Stdio::Kind::Pipe: fd = pipe_end; break;
    case Stdio::Kind::Fd: fd = stdio.fd; break;
    }
    if (fd >= 0 && fd != target) dup2(fd, target);
}

// In the child, before its own work: its own process group (so the group
// can be killed as one) and, if asked, death with the parent.
void become_group_leader(const SpawnOptions& options, pid_t parent) {
    setpgid(0, 0);
    if (options.die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(kOrphanExit);
    }
}

// A pidfd (Linux 5.3+): readable once the child has ended, so waiting can
// poll it next to the output pipe. Invalid on older kernels: waiting then
// falls back to short sleeps.
UniqueFd open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
    return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#else
    (void)pid;
    return UniqueFd();
#endif
}

int poll_timeout(milliseconds left) {
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1 << 30));
}

}  // namespace

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::string WaitStatus::describe() const {
    switch (kind) {
    case Kind::Ok: return "ok";
    case Kind::Exited: return "exited with code " + std::to_string(code);
    case Kind::Crashed: {
        const char* name = sigabbrev_np(code);
        return std::string("crashed: ") + (name ? std::string("SIG") + name : std::to_string(code));
    }
    case Kind::TimedOut: return "timed out after " + std::to_string(limit.count()) + " ms";
    case Kind::ForkFailed: return "fork failed: " + std::string(std::strerror(code));
    case Kind::ExecFailed: return "cannot run " + program + ": " + std::strerror(code);
    }
    return "?";
}

int WaitStatus::shell_code() const {
    switch (kind) {
    case Kind::Ok: return 0;
    case Kind::Exited: return code;
    case Kind::Crashed: return 128 + code;
    case Kind::TimedOut: return 128 + SIGKILL;
    case Kind::ForkFailed:
    case Kind::ExecFailed: return 127;
    }
    return 127;
}

// The common part of spawn() and exec(): the pipes, the fork, the child's
// streams; `body` is what the child does then (it never returns).
namespace {

struct Started {
    pid_t pid = -1;
    int error = 0;
    UniqueFd output, input;
};

template <typename Body>
Started start(const SpawnOptions& options, bool output_is_stdout, Body&& body) {
    Started s;
    UniqueFd out_read, out_write, in_read, in_write;
    if ((options.out.kind == Stdio::Kind::Pipe && !make_pipe(out_read, out_write)) ||
        (options.in.kind == Stdio::Kind::Pipe && !make_pipe(in_read, in_write))) {
        s.error = errno;
        return s;
    }
    std::fflush(nullptr);  // buffered output must not be written twice
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        s.error = errno;
        return s;
    }
    if (pid == 0) {
        become_group_leader(options, parent);
        out_read.reset();
        in_write.reset();
        place(options.in, STDIN_FILENO, in_read.get());
        place(options.out.kind == Stdio::Kind::Pipe && !output_is_stdout ? Stdio::inherit() : options.out,
              STDOUT_FILENO, out_write.get());
        place(options.err.kind == Stdio::Kind::Pipe ? Stdio::inherit() : options.err, STDERR_FILENO, -1);
        body(out_write.get());  // never returns
        _exit(127);
    }
    // Also from this side: a kill of the group right after fork must not
    // miss a child that has not run setpgid yet.
    setpgid(pid, pid);
    if (out_read) fcntl(out_read.get(), F_SETFL, fcntl(out_read.get(), F_GETFL) | O_NONBLOCK);
    s.pid = pid;
    s.output = std::move(out_read);
    s.input = std::move(in_write);
    return s;
}

}  // namespace

ChildProcess ChildProcess::spawn(const Function& fn, const SpawnOptions& options) {
    ChildProcess child;
    Started s = start(options, false, [&](int output_fd) {
        int code = 0;
        try {
            code = fn(output_fd);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "child process: exception: %s\n", e.what());
            code = kExceptionExit;
        } catch (...) {
            std::fprintf(stderr, "child process: unknown exception\n");
            code = kExceptionExit;
        }
        // _exit: no atexit handlers or static destructors of the parent's
        // world (a test framework's, for instance) run in the child.
        _exit(code);
    });
    if (s.pid < 0) {
        child.status_ = WaitStatus{WaitStatus::Kind::ForkFailed, s.error, {}, {}, 0};
        return child;
    }
    child.adopt(s.pid, std::move(s.output), std::move(s.input));
    return child;
}

ChildProcess ChildProcess::exec(const std::vector<std::string>& argv, const SpawnOptions& options) {
    ChildProcess child;
    if (argv.empty()) {
        child.status_ = WaitStatus{WaitStatus::Kind::ExecFailed, ENOENT, {}, "(no program)", 0};
        return child;
    }
    // Built before the fork: the child only calls what is safe after one.
    std::vector<std::string> args = argv;
    std::vector<char*> c_argv;
    for (auto& a : args) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    // exec's errno travels back on this pipe; it closes (O_CLOEXEC) empty
    // when exec succeeds.
    UniqueFd error_read, error_write;
    if (!make_pipe(error_read, error_write)) {
        child.status_ = WaitStatus{WaitStatus::Kind::ForkFailed, errno, {}, {}, 0};
        return child;
    }
    Started s = start(options, true, [&](int) {
        error_read.reset();
        execv(c_argv[0], c_argv.data());
        const int error = errno;
        write_all(error_write.get(), std::string_view(reinterpret_cast<const char*>(&error), sizeof error));
        _exit(127);
    });
    error_write.reset();
    if (s.pid < 0) {
        child.status_ = WaitStatus{WaitStatus::Kind::ForkFailed, s.error, {}, {}, 0};
        return child;
    }
    int error = 0;
    ssize_t n;
    while ((n = ::read(error_read.get(), &error, sizeof error)) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof error)) {
        int status = 0;
        while (waitpid(s.pid, &status, 0) < 0 && errno == EINTR) {
        }
        child.status_ = WaitStatus{WaitStatus::Kind::ExecFailed, error, {}, argv[0], 0};
        return child;
    }
    child.adopt(s.pid, std::move(s.output), std::move(s.input));
    return child;
}

void ChildProcess::adopt(pid_t pid, UniqueFd output, UniqueFd input) {
    pid_ = pid;
    output_ = std::move(output);
    input_ = std::move(input);
    exited_ = open_pidfd(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      output_(std::move(other.output_)),
      input_(std::move(other.input_)),
      exited_(std::move(other.exited_)),
      status_(std::move(other.status_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        if (running()) kill();
        pid_ = std::exchange(other.pid_, -1);
        output_ = std::move(other.output_);
        input_ = std::move(other.input_);
        exited_ = std::move(other.exited_);
        status_ = std::move(other.status_);
    }
    return *this;
}

void ChildProcess::abandon() {
    pid_ = -1;
    output_.reset();
    input_.reset();
    exited_.reset();
}

ChildProcess::~ChildProcess() {
    if (running()) kill();
}

bool ChildProcess::write_input(std::string_view data) {
    if (!input_) return false;
    // A child that closed its stdin must give EPIPE here, not a SIGPIPE that
    // kills slotcheck: block the signal while writing and take back one this
    // write raised.
    sigset_t pipe_set, previous;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &previous);
    const bool written = write_all(input_.get(), data);
    if (!written && errno == EPIPE) {
        const timespec now{};
        sigtimedwait(&pipe_set, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return written;
}

bool ChildProcess::read_output(std::string& into, milliseconds timeout) {
    if (!output_) return false;
    if (timeout.count() > 0) {
        pollfd p{output_.get(), POLLIN, 0};
        if (::poll(&p, 1, poll_timeout(timeout)) <= 0) return true;
    }
    // At most this much per call, so a caller that streams a flood (a
    // kernel log in a loop) still gets to its other checks between calls.
    constexpr size_t kMostPerCall = 1 << 20;
    char buf[65536];
    for (size_t taken = 0; taken < kMostPerCall;) {
        const ssize_t n = ::read(output_.get(), buf, sizeof buf);
        if (n > 0) {
            into.append(buf, static_cast<size_t>(n));
            taken += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        output_.reset();  // EOF (every writer is gone) or an error
        return false;
    }
    return true;
}

void ChildProcess::kill_group(int sig) const {
    if (pid_ <= 0 || status_) return;
    if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

WaitStatus ChildProcess::reap(int status, long peak_rss_kb) {
    WaitStatus s;
    s.peak_rss_kb = peak_rss_kb;
    if (WIFSIGNALED(status)) {
        s.kind = WaitStatus::Kind::Crashed;
        s.code = WTERMSIG(status);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        s.kind = WaitStatus::Kind::Exited;
        s.code = WEXITSTATUS(status);
    }
    status_ = s;
    exited_.reset();
    input_.reset();
    return s;
}

// Blocks until the child has ended; kills what is left of its group while
// the child, a zombie, still holds the group's id; reaps.
WaitStatus ChildProcess::finish_blocking() {
    siginfo_t info{};
    while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    kill_group(SIGKILL);
    int status = 0;
    rusage usage{};
    while (wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    return reap(status, usage.ru_maxrss);
}

std::optional<WaitStatus> ChildProcess::try_wait() {
    if (status_) return status_;
    if (pid_ <= 0) return std::nullopt;
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
        return std::nullopt;
    return finish_blocking();
}

WaitStatus ChildProcess::wait(std::optional<milliseconds> limit, std::string* output) {
    std::string discarded;
    std::string& sink = output ? *output : discarded;
    std::optional<Clock::time_point> deadline;
    if (limit) deadline = Clock::now() + *limit;
    for (;;) {
        if (auto ended = try_wait()) {
            // What it wrote last. Its group is gone, so EOF comes soon,
            // unless a process that left the group still holds the pipe.
            for (size_t before = sink.size(); read_output(sink, milliseconds(100)) && sink.size() != before;
                 before = sink.size()) {
                if (!output) discarded.clear();
            }
            return *ended;
        }
        milliseconds left(1 << 30);
        if (deadline) {
            left = std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) {
                kill_group(SIGKILL);
                WaitStatus s = finish_blocking();
                read_output(sink);
                s.kind = WaitStatus::Kind::TimedOut;
                s.code = 0;
                s.limit = *limit;
                status_ = s;
                return s;
            }
        }
        pollfd polls[2];
        nfds_t n = 0;
        if (output_) polls[n++] = {output_.get(), POLLIN, 0};
        if (exited_) polls[n++] = {exited_.get(), POLLIN, 0};
        else left = std::min(left, milliseconds(5));  // no pidfd: look again soon
        if (::poll(polls, n, poll_timeout(left)) > 0 && output_ && polls[0].revents) read_output(sink);
        if (!output) discarded.clear();
    }
}

WaitStatus ChildProcess::stop(int sig, milliseconds grace) {
    if (!running()) return status_.value_or(WaitStatus{});
    kill_group(sig);
    const auto deadline = Clock::now() + grace;
    while (Clock::now() < deadline) {
        if (auto ended = try_wait()) return *ended;
        pollfd p{exited_.get(), POLLIN, 0};
        ::poll(&p, exited_ ? 1 : 0, exited_ ? poll_timeout(grace) : 10);
    }
    return kill();
}

WaitStatus ChildProcess::kill() {
    if (!running()) return status_.value_or(WaitStatus{});
    kill_group(SIGKILL);
    return finish_blocking();
}

}  // namespace slotcheck
