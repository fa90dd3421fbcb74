/*
 * A wall-clock limit for one KVM_RUN.
 *
 * How: a per-thread POSIX timer (CLOCK_MONOTONIC, SIGEV_THREAD_ID) sends a
 * real-time signal to the thread that runs the vCPU. The handler sets
 * kvm_run.immediate_exit = 1 and records that it fired. If the signal lands
 * while the thread is inside KVM_RUN, KVM leaves with EINTR (exit reason
 * KVM_EXIT_INTR) as for any pending signal; if it lands just before the
 * ioctl, immediate_exit makes KVM return EINTR at once instead of entering
 * the guest. The handler is installed without SA_RESTART. Either way a hung
 * run ends in bounded time, and *fired tells a timeout from a stray signal.
 */
#ifndef SC_RUN_TIMER_H
#define SC_RUN_TIMER_H

#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/uapi.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* KVM_RUN of `vcpu` under a limit of `usec` microseconds (0 counts as 1);
 * returns the ioctl's result with its errno, and sets *fired when the limit
 * passed. */
int sc_timed_kvm_run(int vcpu, struct sc_kvm_run *run, uint64_t usec, int *fired);

/* Creates the calling thread's timer now instead of at its first run: 0, or
 * -1 with errno when the timer cannot be made (runs are then unlimited). */
int sc_run_timer_prepare(void);

/* Deletes the calling thread's timer; call it when the thread ends. */
void sc_run_timer_release(void);

#ifdef __cplusplus
}
#endif

#endif /* SC_RUN_TIMER_H */
