#include "harness/isolation.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "sys/unique_fd.h"

namespace slotcheck {
namespace {

void write_all(int fd, const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
}

[[noreturn]] void child_main(int out_fd, pid_t parent, const std::function<std::string()>& fn) {
    // Never outlive the parent (a killed differ must not leave vCPUs behind).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(4);
    int code = 0;
    try {
        write_all(out_fd, fn());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "isolated child: exception: %s\n", e.what());
        code = 3;
    } catch (...) {
        std::fprintf(stderr, "isolated child: unknown exception\n");
        code = 3;
    }
    // _exit: no atexit handlers or static destructors of the parent's world
    // (a test framework's, for instance) run in the child.
    _exit(code);
}

}  // namespace

std::string IsolatedResult::describe() const {
    switch (status) {
    case Status::Ok: return "ok";
    case Status::Exited: return "exited with code " + std::to_string(code);
    case Status::Crashed: {
        const char* name = sigabbrev_np(code);
        return std::string("crashed: ") + (name ? std::string("SIG") + name : std::to_string(code));
    }
    case Status::TimedOut: return "timed out after " + std::to_string(limit.count()) + " ms";
    case Status::ForkFailed: return "fork failed: " + std::string(std::strerror(code));
    }
    return "?";
}

IsolatedResult run_isolated(const std::function<std::string()>& fn,
                            std::chrono::milliseconds limit) {
    IsolatedResult result;
    result.limit = limit;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        result.status = IsolatedResult::Status::ForkFailed;
        result.code = errno;
        return result;
    }
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    std::fflush(nullptr);  // buffered output must not be written twice
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        result.status = IsolatedResult::Status::ForkFailed;
        result.code = errno;
        return result;
    }
    if (pid == 0) {
        read_end.reset();
        child_main(write_end.get(), parent, fn);
    }
    write_end.reset();

    // Read until EOF or the deadline; reading while waiting keeps a child
    // with a large result from blocking on a full pipe.
    auto deadline = std::chrono::steady_clock::now() + limit;
    bool timed_out = false;
    char buf[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p {read_end.get(), POLLIN, 0};
        int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;  // recheck the deadline
        ssize_t n = read(read_end.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EOF: the child is ending
        result.output.append(buf, static_cast<size_t>(n));
    }
    if (timed_out) kill(pid, SIGKILL);  // only the child we started, by pid
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        result.status = IsolatedResult::Status::TimedOut;
    } else if (WIFSIGNALED(status)) {
        result.status = IsolatedResult::Status::Crashed;
        result.code = WTERMSIG(status);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        result.status = IsolatedResult::Status::Exited;
        result.code = WEXITSTATUS(status);
    }
    return result;
}

}  // namespace slotcheck
