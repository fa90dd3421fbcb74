#include "harness/persistent_child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>

#include "harness/frames.h"

namespace slotcheck {
namespace {

constexpr char kRequest = 'Q', kReply = 'R', kLeak = 'L';

// What a process holds, for the leak check.
struct ResourceUse {
    size_t fds = 0, mappings = 0;
    uint64_t rss_bytes = 0;

    static ResourceUse now() {
        ResourceUse u;
        std::error_code ec;
        for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
            ++u.fds;
        std::ifstream maps("/proc/self/maps");
        std::string line;
        while (std::getline(maps, line)) ++u.mappings;
        std::ifstream statm("/proc/self/statm");
        uint64_t size = 0, resident = 0;
        statm >> size >> resident;
        u.rss_bytes = resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
        return u;
    }

    // "" when this is within the leak check's bounds of `baseline`.
    std::string leak_since(const ResourceUse& baseline) const {
        std::string note;
        auto add = [&](const std::string& s) { note += (note.empty() ? "" : ", ") + s; };
        if (fds > baseline.fds)
            add(std::to_string(fds - baseline.fds) + " more open fd(s) (" + std::to_string(fds) + ")");
        if (mappings > baseline.mappings + kLeakMappingSlack)
            add(std::to_string(mappings - baseline.mappings) + " more mappings");
        if (rss_bytes > baseline.rss_bytes + kLeakRssSlackBytes)
            add("resident set " + std::to_string((rss_bytes - baseline.rss_bytes) >> 20) + " MiB larger");
        return note;
    }
};

// Reads from `fd` until `buffer` holds a whole frame; nullopt at EOF or on
// a broken frame.
std::optional<frames::Frame> read_frame_blocking(int fd, std::string& buffer, std::string_view types) {
    char chunk[65536];
    for (;;) {
        std::string error;
        if (auto f = frames::take_frame(buffer, types, error)) return f;
        if (!error.empty()) return std::nullopt;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        buffer.append(chunk, static_cast<size_t>(n));
    }
}

[[noreturn]] void serve(int in_fd, int out_fd, pid_t parent, const PersistentChild::Handler& handler) {
    // Never outlive the parent (a killed worker must not leave vCPUs behind).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(4);
    const ResourceUse baseline = ResourceUse::now();
    std::string buffer;
    for (;;) {
        auto request = read_frame_blocking(in_fd, buffer, std::string_view(&kRequest, 1));
        if (!request) _exit(0);  // the parent closed the pipe: done
        std::string reply;
        try {
            reply = handler(request->payload);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "persistent child: exception: %s\n", e.what());
            _exit(3);
        } catch (...) {
            std::fprintf(stderr, "persistent child: unknown exception\n");
            _exit(3);
        }
        const std::string leak = ResourceUse::now().leak_since(baseline);
        if (!leak.empty()) frames::write_frame(out_fd, kLeak, leak);
        if (!frames::write_frame(out_fd, kReply, reply) || !leak.empty()) _exit(0);
    }
}

// How a child that ended without replying ended, in IsolatedResult's terms.
IsolatedResult ended_with(int wait_status) {
    IsolatedResult r;
    if (WIFSIGNALED(wait_status)) {
        r.status = IsolatedResult::Status::Crashed;
        r.code = WTERMSIG(wait_status);
    } else {
        r.status = IsolatedResult::Status::Exited;
        r.code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 0;
    }
    return r;
}

}  // namespace

PersistentChild::PersistentChild(Handler handler) : handler_(std::move(handler)), owner_(getpid()) {}

PersistentChild::~PersistentChild() {
    if (pid_ > 0) end_child(true);
}

bool PersistentChild::spawn() {
    int requests[2], replies[2];
    if (pipe2(requests, O_CLOEXEC) != 0) return false;
    UniqueFd request_read(requests[0]), request_write(requests[1]);
    if (pipe2(replies, O_CLOEXEC) != 0) return false;
    UniqueFd reply_read(replies[0]), reply_write(replies[1]);
    std::fflush(nullptr);  // buffered output must not be written twice
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        setpgid(0, 0);  // its own group, so a timeout kills whatever it started too
        request_write.reset();
        reply_read.reset();
        serve(request_read.get(), reply_write.get(), parent, handler_);
    }
    setpgid(pid, pid);  // also here: the parent may kill the group before the child ran
    pid_ = pid;
    ++started_;
    to_child_ = std::move(request_write);
    from_child_ = std::move(reply_read);
    buffer_.clear();
    return true;
}

int PersistentChild::end_child(bool kill_first) {
    int status = 0;
    if (getpid() != owner_) return status;  // a forked copy: the child is not ours
    if (kill_first) kill(-pid_, SIGKILL);  // only the group of the child we started
    to_child_.reset();
    from_child_.reset();
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
}

bool PersistentChild::send(const std::string& request) {
    // A child that died between requests must not kill this process with
    // SIGPIPE: block it for the write and drop the one the write raised.
    sigset_t pipe_signal, old;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
    const bool ok = frames::write_frame(to_child_.get(), kRequest, request);
    if (!ok) {
        const timespec no_wait{};
        while (sigtimedwait(&pipe_signal, nullptr, &no_wait) > 0) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return ok;
}

IsolatedResult PersistentChild::call(const std::string& request, std::chrono::milliseconds limit) {
    IsolatedResult result;
    result.limit = limit;
    auto fork_failed = [&]() {
        result.status = IsolatedResult::Status::ForkFailed;
        result.code = errno;
        return result;
    };
    if (getpid() != owner_) return fork_failed();
    if (pid_ < 0 && !spawn()) return fork_failed();
    if (!send(request)) {
        // It died while idle (killed from outside): a fresh one takes the request.
        end_child(true);
        if (!spawn() || !send(request)) return fork_failed();
    }

    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string leak;
    char chunk[65536];
    for (;;) {
        std::string error;
        if (auto frame = frames::take_frame(buffer_, std::string_view("RL"), error)) {
            if (frame->type == kLeak) {
                leak = std::move(frame->payload);
                continue;
            }
            result.output = std::move(frame->payload);
            if (!leak.empty()) {  // the child exits after a failed leak check
                end_child(false);
                ++leaks_;
                last_leak_ = leak;
            }
            return result;
        }
        if (!error.empty()) {  // a garbled reply: the child is not to be trusted
            result = ended_with(end_child(true));
            result.limit = limit;
            return result;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            end_child(true);
            result.status = IsolatedResult::Status::TimedOut;
            return result;
        }
        pollfd p{from_child_.get(), POLLIN, 0};
        const int r = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
        if (r <= 0) continue;  // EINTR or the deadline: recheck
        const ssize_t n = read(from_child_.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {  // EOF before a reply: the child ended
            result = ended_with(end_child(false));
            result.limit = limit;
            return result;
        }
        buffer_.append(chunk, static_cast<size_t>(n));
    }
}

}  // namespace slotcheck
