#include "harness/run_timer.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

namespace slotcheck {
namespace {

thread_local struct kvm_run* volatile t_run = nullptr;
thread_local volatile sig_atomic_t t_fired = 0;

int timer_signal() { return SIGRTMIN + 3; }

void on_timer(int) {
    t_fired = 1;
    if (struct kvm_run* run = t_run) run->immediate_exit = 1;
}

void install_handler_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_timer;
        sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must come back with EINTR
        sigemptyset(&sa.sa_mask);
        sigaction(timer_signal(), &sa, nullptr);
    });
}

// One timer per thread, created on first use and deleted when the thread
// ends; it always targets the thread that created it. POSIX timers are not
// inherited by fork(), so a child (harness/isolation.h) that inherited this
// thread_local creates its own instead of arming a timer it does not have.
struct ThreadTimer {
    timer_t id{};
    bool ok = false;
    pid_t owner = 0;
    ThreadTimer() { create(); }
    ~ThreadTimer() {
        if (ok && owner == getpid()) timer_delete(id);
    }
    void create() {
        struct sigevent sev {};
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = timer_signal();
        sev._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
        ok = timer_create(CLOCK_MONOTONIC, &sev, &id) == 0;
        owner = getpid();
    }
    void set(std::chrono::microseconds d) {
        if (owner != getpid()) create();
        if (!ok) return;
        struct itimerspec its {};
        its.it_value.tv_sec = d.count() / 1000000;
        its.it_value.tv_nsec = (d.count() % 1000000) * 1000;
        timer_settime(id, 0, &its, nullptr);  // zero it_value disarms
    }
};

ThreadTimer& thread_timer() {
    thread_local ThreadTimer timer;
    return timer;
}

}  // namespace

RunTimer::RunTimer(struct kvm_run* run, std::chrono::microseconds limit) : run_(run) {
    install_handler_once();
    t_fired = 0;
    run_->immediate_exit = 0;
    t_run = run_;
    if (limit.count() <= 0) limit = std::chrono::microseconds(1);
    thread_timer().set(limit);
}

RunTimer::~RunTimer() {
    thread_timer().set(std::chrono::microseconds(0));
    t_run = nullptr;
    run_->immediate_exit = 0;
}

bool RunTimer::fired() const { return t_fired != 0; }

}  // namespace slotcheck
