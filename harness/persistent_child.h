// A long-lived child that answers requests, each under its own deadline.
//
// run_isolated() forks one child per call; for a fuzz worker that judges a
// sequence every few milliseconds the fork and its page-table copy are
// about half the time. This child is forked once from a handler fixed at
// construction and serves request after request (as syzkaller's executor
// loop does), and is replaced only when it must be:
//   - it crashed or exited (the reply says how, as IsolatedResult does);
//   - a request outlived its deadline (its process group is killed);
//   - after a request it holds more than it started with (the leak check
//     below): it sends its reply and a note, and exits.
// The next request then goes to a fresh child. It is a ChildProcess
// (sys/process.h, the one runner: its own process group, killed and reaped
// with it); requests and replies are length-prefixed frames (sys/frames.h)
// over its stdin and output pipes.
//
// Leak check, in the child after every request, against what it held when
// it started: any open fd more, more than kLeakMappingSlack mappings more
// (/proc/self/maps lines), or a resident set kLeakRssSlackBytes larger.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "harness/isolation.h"
#include "sys/process.h"

namespace slotcheck {

inline constexpr size_t kLeakMappingSlack = 64;
inline constexpr uint64_t kLeakRssSlackBytes = 256ull << 20;

class PersistentChild {
public:
    using Handler = std::function<std::string(const std::string& request)>;

    // Nothing is forked until the first call().
    explicit PersistentChild(Handler handler);
    ~PersistentChild();  // kills the child's process group and reaps it
    PersistentChild(const PersistentChild&) = delete;
    PersistentChild& operator=(const PersistentChild&) = delete;

    // Sends `request` to the child (forking one first when none is alive)
    // and waits at most `limit` for its reply. Ok: `output` is the reply.
    // Exited/Crashed: the child ended before replying. TimedOut: the child
    // was killed. An exception in the handler ends the child with exit
    // code 3, as in run_isolated().
    IsolatedResult call(const std::string& request, std::chrono::milliseconds limit);

    pid_t pid() const { return child_.running() ? child_.pid() : -1; }  // the serving child, or -1 between children
    unsigned children_started() const { return started_; }
    unsigned leaks() const { return leaks_; }     // children replaced because the leak check failed
    const std::string& last_leak() const { return last_leak_; }  // what the last failing check found

private:
    bool spawn();
    // Ends the child (killing its group first when `kill_first`, else
    // waiting for it to exit) and says how it ended.
    IsolatedResult end_child(bool kill_first, std::chrono::milliseconds limit);

    Handler handler_;
    pid_t owner_;  // the process that made this object: a forked copy never touches the child
    ChildProcess child_;
    std::string buffer_;  // reply bytes read but not yet framed
    unsigned started_ = 0, leaks_ = 0;
    std::string last_leak_;
};

}  // namespace slotcheck
