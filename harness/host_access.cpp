#include "harness/host_access.h"

#include <setjmp.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "seq/layout.h"

namespace slotcheck {
namespace {

// The jump target of the access in progress on this thread; null when this
// thread is not inside a guarded access. volatile plus signal fences: to the
// compiler, setting it and clearing it around an access that cannot alias it
// is a dead store, and it was removed (the first SIGBUS then killed the
// process).
thread_local sigjmp_buf* volatile t_jump = nullptr;

struct sigaction g_previous_bus, g_previous_segv;

void on_fault(int sig, siginfo_t*, void*) {
    if (sigjmp_buf* jb = t_jump) {
        t_jump = nullptr;
        siglongjmp(*jb, sig);
    }
    // Not ours: put the previous disposition back and return; the faulting
    // instruction runs again and meets that handler (or the default crash).
    sigaction(sig, sig == SIGBUS ? &g_previous_bus : &g_previous_segv, nullptr);
}

void install_handlers_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, &g_previous_bus);
        sigaction(SIGSEGV, &sa, &g_previous_segv);
    });
}

// One single-instruction access of the natural width, even when unaligned:
// an x86 access that faults does nothing, so a store that crosses into a
// faulting page leaves the first page untouched too, as a kernel-side
// observer would expect.
using u64_unaligned = uint64_t __attribute__((aligned(1), may_alias));

// Runs `access` with SIGBUS/SIGSEGV turned into outcomes.
template <typename F>
Outcome guarded(F&& access) {
    install_handlers_once();
    sigjmp_buf jb;
    // savemask=1: siglongjmp restores the signal mask, so the handler's
    // blocked signals do not stay blocked.
    int sig = sigsetjmp(jb, 1);
    if (sig != 0) return sig == SIGBUS ? Outcome::sigbus() : Outcome::sigsegv();
    t_jump = &jb;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    Outcome result = access();
    std::atomic_signal_fence(std::memory_order_seq_cst);
    t_jump = nullptr;
    return result;
}

}  // namespace

Outcome host_read(uint64_t addr, unsigned width) {
    if (width == 1) {
        return guarded([&] {
            return Outcome::read_value(*reinterpret_cast<volatile const uint8_t*>(addr));
        });
    }
    if (width == 8) {
        return guarded([&] {
            return Outcome::read_value(*reinterpret_cast<volatile const u64_unaligned*>(addr));
        });
    }
    return Outcome::error(EINVAL);
}

Outcome host_write(uint64_t addr, unsigned width, uint64_t value) {
    if (width == 1) {
        return guarded([&] {
            *reinterpret_cast<volatile uint8_t*>(addr) = static_cast<uint8_t>(value);
            return Outcome::ok();
        });
    }
    if (width == 8) {
        return guarded([&] {
            *reinterpret_cast<volatile u64_unaligned*>(addr) = value;
            return Outcome::ok();
        });
    }
    return Outcome::error(EINVAL);
}

Outcome host_digest_page(uint64_t addr) {
    return guarded([&] {
        auto words = reinterpret_cast<volatile const u64_unaligned*>(addr);
        uint64_t h = 0;
        for (uint64_t i = 0; i < kPageSize / 8; ++i) h = (h ^ words[i]) * kDigestPrime;
        return Outcome::read_value(h);
    });
}

}  // namespace slotcheck
