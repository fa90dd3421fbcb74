// A wall-clock limit for one KVM_RUN.
//
// How: a per-thread POSIX timer (CLOCK_MONOTONIC, SIGEV_THREAD_ID) sends a
// real-time signal to the thread that runs the vCPU. The handler sets
// kvm_run.immediate_exit = 1 and records that it fired. If the signal lands
// while the thread is inside KVM_RUN, KVM leaves with EINTR (exit reason
// KVM_EXIT_INTR) as for any pending signal; if it lands just before the
// ioctl, immediate_exit makes KVM return EINTR at once instead of entering
// the guest. The handler is installed without SA_RESTART. Either way a hung
// run ends in bounded time, and fired() tells a timeout from a stray signal.
#pragma once

#include <linux/kvm.h>

#include <chrono>

namespace slotcheck {

class RunTimer {
public:
    // Arms a one-shot timer for the calling thread that will set
    // run->immediate_exit when it expires.
    RunTimer(struct kvm_run* run, std::chrono::microseconds limit);
    ~RunTimer();  // disarms, clears immediate_exit
    RunTimer(const RunTimer&) = delete;
    RunTimer& operator=(const RunTimer&) = delete;

    bool fired() const;

private:
    struct kvm_run* run_;
};

}  // namespace slotcheck
