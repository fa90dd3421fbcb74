#include "harness/persistent_child.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>

#include "sys/frames.h"

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

// The child's loop: requests on its stdin, replies on `out_fd`.
[[noreturn]] void serve(int out_fd, const PersistentChild::Handler& handler) {
    const ResourceUse baseline = ResourceUse::now();
    std::string buffer;
    for (;;) {
        auto request = read_frame_blocking(STDIN_FILENO, buffer, std::string_view(&kRequest, 1));
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

}  // namespace

PersistentChild::PersistentChild(Handler handler) : handler_(std::move(handler)), owner_(getpid()) {}

PersistentChild::~PersistentChild() {
    // A forked copy of this object (in a child of the owner) leaves the
    // owner's child alone: it is not its to kill.
    if (getpid() != owner_) child_.abandon();
}

bool PersistentChild::spawn() {
    SpawnOptions options;
    options.in = Stdio::pipe();
    options.out = Stdio::pipe();
    // Never outlive the parent (a killed worker must not leave vCPUs behind).
    options.die_with_parent = true;
    child_ = ChildProcess::spawn([this](int out_fd) -> int { serve(out_fd, handler_); }, options);
    buffer_.clear();
    if (!child_.running()) return false;
    ++started_;
    return true;
}

IsolatedResult PersistentChild::end_child(bool kill_first, std::chrono::milliseconds limit) {
    const WaitStatus ended = kill_first ? child_.kill() : child_.wait();
    IsolatedResult result = isolated_result(ended);
    result.limit = limit;
    child_ = ChildProcess();
    return result;
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
    if (!child_.running() && !spawn()) return fork_failed();
    if (!child_.write_input(frames::encode(kRequest, request))) {
        // It died while idle (killed from outside): a fresh one takes the request.
        end_child(true, limit);
        if (!spawn() || !child_.write_input(frames::encode(kRequest, request))) return fork_failed();
    }

    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string leak;
    bool output_open = true;
    for (;;) {
        std::string error;
        if (auto frame = frames::take_frame(buffer_, std::string_view("RL"), error)) {
            if (frame->type == kLeak) {
                leak = std::move(frame->payload);
                continue;
            }
            result.output = std::move(frame->payload);
            if (!leak.empty()) {  // the child exits after a failed leak check
                end_child(false, limit);
                ++leaks_;
                last_leak_ = leak;
            }
            return result;
        }
        if (!error.empty()) return end_child(true, limit);  // a garbled reply: the child is not to be trusted
        // The output closed with no whole reply in it: the child ended first.
        if (!output_open) return end_child(false, limit);
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            end_child(true, limit);
            result.status = IsolatedResult::Status::TimedOut;
            return result;
        }
        // At most 1 MiB a call; false at EOF, which may come with the last
        // bytes of a reply (a child that exits after a failed leak check).
        output_open = child_.read_output(buffer_, left);
    }
}

}  // namespace slotcheck
