/* Guarded host accesses (host_access.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#ifndef SC_REPRODUCER
#include "harness/c/host_access.h"
#include "harness/c/layout.h"
#endif

/* The jump target of the access in progress on this thread; NULL when this
 * thread is not inside a guarded access. volatile plus signal fences: to the
 * compiler, setting it and clearing it around an access that cannot alias it
 * is a dead store, and it was removed (the first SIGBUS then killed the
 * process). */
static _Thread_local sigjmp_buf *volatile sc_fault_jump;

static struct sigaction sc_previous_bus, sc_previous_segv;

static void sc_on_fault(int sig, siginfo_t *info, void *context)
{
	sigjmp_buf *jb = sc_fault_jump;

	(void)info;
	(void)context;
	if (jb) {
		sc_fault_jump = NULL;
		siglongjmp(*jb, sig);
	}
	/* Not ours: put the previous disposition back and return; the faulting
	 * instruction runs again and meets that handler (or the default crash). */
	sigaction(sig, sig == SIGBUS ? &sc_previous_bus : &sc_previous_segv, NULL);
}

static void sc_install_fault_handlers_once(void)
{
	static atomic_int state;  /* 0: not yet, 1: being installed, 2: installed */
	int expected = 0;
	struct sigaction sa;

	if (atomic_load(&state) == 2)
		return;
	if (!atomic_compare_exchange_strong(&state, &expected, 1)) {
		/* Another thread installs them: a second install would record our
		 * own handler as the previous one. */
		while (atomic_load(&state) != 2)
			sched_yield();
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &sc_previous_bus);
	sigaction(SIGSEGV, &sa, &sc_previous_segv);
	atomic_store(&state, 2);
}

/* One single-instruction access of the natural width, even when unaligned:
 * an x86 access that faults does nothing, so a store that crosses into a
 * faulting page leaves the first page untouched too, as a kernel-side
 * observer would expect. */
typedef uint64_t sc_u64_unaligned __attribute__((aligned(1), may_alias));

enum sc_host_op { SC_HOST_READ, SC_HOST_WRITE, SC_HOST_DIGEST };

/* The access itself, unguarded: a load or store of `width` (1 or 8), or the
 * digest of the page at addr. */
static __attribute__((noinline)) struct sc_outcome sc_host_touch(enum sc_host_op op, uint64_t addr, unsigned width,
								  uint64_t value)
{
	if (op == SC_HOST_DIGEST) {
		volatile const sc_u64_unaligned *words = (volatile const sc_u64_unaligned *)addr;
		uint64_t h = 0;

		for (uint64_t i = 0; i < SC_PAGE_SIZE / 8; ++i)
			h = (h ^ words[i]) * SC_DIGEST_PRIME;
		return sc_value(h);
	}
	if (op == SC_HOST_READ)
		return sc_value(width == 1 ? *(volatile const uint8_t *)addr : *(volatile const sc_u64_unaligned *)addr);
	if (width == 1)
		*(volatile uint8_t *)addr = (uint8_t)value;
	else
		*(volatile sc_u64_unaligned *)addr = value;
	return sc_ok();
}

/* sc_host_touch with SIGBUS and SIGSEGV turned into outcomes. */
static struct sc_outcome sc_host_guarded(enum sc_host_op op, uint64_t addr, unsigned width, uint64_t value)
{
	sigjmp_buf jb;
	struct sc_outcome result;

	sc_install_fault_handlers_once();
	/* savemask=1: siglongjmp restores the signal mask, so the handler's
	 * blocked signals do not stay blocked. */
	switch (sigsetjmp(jb, 1)) {
	case 0:
		break;
	case SIGBUS:
		return sc_sigbus();
	default:
		return sc_sigsegv();
	}
	sc_fault_jump = &jb;
	atomic_signal_fence(memory_order_seq_cst);
	result = sc_host_touch(op, addr, width, value);
	atomic_signal_fence(memory_order_seq_cst);
	sc_fault_jump = NULL;
	return result;
}

struct sc_outcome sc_host_read(uint64_t addr, unsigned width)
{
	if (width != 1 && width != 8)
		return sc_error(EINVAL);
	return sc_host_guarded(SC_HOST_READ, addr, width, 0);
}

struct sc_outcome sc_host_write(uint64_t addr, unsigned width, uint64_t value)
{
	if (width != 1 && width != 8)
		return sc_error(EINVAL);
	return sc_host_guarded(SC_HOST_WRITE, addr, width, value);
}

struct sc_outcome sc_host_digest_page(uint64_t addr)
{
	return sc_host_guarded(SC_HOST_DIGEST, addr, 8, 0);
}
