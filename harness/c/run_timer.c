/* The time limit of one KVM_RUN (run_timer.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SC_REPRODUCER
#include "harness/c/run_timer.h"
#endif

static _Thread_local struct sc_kvm_run *volatile sc_timed_run;
static _Thread_local volatile sig_atomic_t sc_timer_fired;

/* One timer per thread, created on first use; it always targets the thread
 * that created it. POSIX timers are not inherited by fork(), so a child
 * (harness/isolation.h) that inherited this thread-local state creates its
 * own instead of arming a timer it does not have. */
static _Thread_local struct {
	timer_t id;
	int ok;
	pid_t owner;  /* 0: not created in any process yet */
} sc_thread_timer;

static int sc_timer_signal(void)
{
	return SIGRTMIN + 3;
}

static void sc_on_timer(int sig)
{
	struct sc_kvm_run *run = sc_timed_run;

	(void)sig;
	sc_timer_fired = 1;
	if (run)
		run->immediate_exit = 1;
}

static void sc_install_timer_handler_once(void)
{
	static atomic_int installed;
	struct sigaction sa;

	if (atomic_load(&installed))
		return;
	/* Installing the same handler twice (two threads at once) is harmless. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sc_on_timer;
	sa.sa_flags = 0;  /* no SA_RESTART: KVM_RUN must come back with EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(sc_timer_signal(), &sa, NULL);
	atomic_store(&installed, 1);
}

int sc_run_timer_prepare(void)
{
	struct sigevent sev;

	sc_install_timer_handler_once();
	if (sc_thread_timer.owner == getpid())
		return sc_thread_timer.ok ? 0 : -1;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sc_timer_signal();
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	sc_thread_timer.ok = timer_create(CLOCK_MONOTONIC, &sev, &sc_thread_timer.id) == 0;
	sc_thread_timer.owner = getpid();
	return sc_thread_timer.ok ? 0 : -1;
}

void sc_run_timer_release(void)
{
	if (sc_thread_timer.ok && sc_thread_timer.owner == getpid())
		timer_delete(sc_thread_timer.id);
	sc_thread_timer.ok = 0;
	sc_thread_timer.owner = 0;
}

/* Arms the thread's timer for `usec`; 0 disarms. */
static void sc_run_timer_set(uint64_t usec)
{
	struct itimerspec its;

	sc_run_timer_prepare();
	if (!sc_thread_timer.ok)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(usec / 1000000);
	its.it_value.tv_nsec = (long)(usec % 1000000) * 1000;
	timer_settime(sc_thread_timer.id, 0, &its, NULL);  /* zero it_value disarms */
}

int sc_timed_kvm_run(int vcpu, struct sc_kvm_run *run, uint64_t usec, int *fired)
{
	int rc, err;

	sc_install_timer_handler_once();
	sc_timer_fired = 0;
	run->immediate_exit = 0;
	sc_timed_run = run;
	sc_run_timer_set(usec ? usec : 1);
	rc = ioctl(vcpu, SC_KVM_RUN, 0);
	err = errno;
	*fired = sc_timer_fired != 0;
	sc_run_timer_set(0);
	sc_timed_run = NULL;
	run->immediate_exit = 0;
	errno = err;
	return rc;
}
