#include "harness/isolation.h"

#include "sys/process.h"

namespace slotcheck {
namespace {

IsolatedResult::Status isolated_status(WaitStatus::Kind kind) {
    switch (kind) {
    case WaitStatus::Kind::Ok: return IsolatedResult::Status::Ok;
    case WaitStatus::Kind::Exited: return IsolatedResult::Status::Exited;
    case WaitStatus::Kind::Crashed: return IsolatedResult::Status::Crashed;
    case WaitStatus::Kind::TimedOut: return IsolatedResult::Status::TimedOut;
    case WaitStatus::Kind::ForkFailed:
    case WaitStatus::Kind::ExecFailed: return IsolatedResult::Status::ForkFailed;
    }
    return IsolatedResult::Status::ForkFailed;
}

WaitStatus::Kind wait_kind(IsolatedResult::Status status) {
    switch (status) {
    case IsolatedResult::Status::Ok: return WaitStatus::Kind::Ok;
    case IsolatedResult::Status::Exited: return WaitStatus::Kind::Exited;
    case IsolatedResult::Status::Crashed: return WaitStatus::Kind::Crashed;
    case IsolatedResult::Status::TimedOut: return WaitStatus::Kind::TimedOut;
    case IsolatedResult::Status::ForkFailed: return WaitStatus::Kind::ForkFailed;
    }
    return WaitStatus::Kind::ForkFailed;
}

}  // namespace

std::string IsolatedResult::describe() const {
    WaitStatus s;
    s.kind = wait_kind(status);
    s.code = code;
    s.limit = limit;
    return s.describe();
}

IsolatedResult isolated_result(const WaitStatus& ended) {
    IsolatedResult result;
    result.status = isolated_status(ended.kind);
    result.code = ended.code;
    result.limit = ended.limit;
    return result;
}

IsolatedResult run_isolated(const std::function<std::string()>& fn, std::chrono::milliseconds limit) {
    SpawnOptions options;
    options.out = Stdio::pipe();
    // A killed differ must not leave vCPUs behind.
    options.die_with_parent = true;
    ChildProcess child = ChildProcess::spawn(
        [&](int result_fd) {
            write_all(result_fd, fn());
            return 0;
        },
        options);
    IsolatedResult result;
    result.limit = limit;
    const WaitStatus ended = child.wait(limit, &result.output);
    result.status = isolated_status(ended.kind);
    result.code = ended.code;
    return result;
}

}  // namespace slotcheck
