/*
 * The runtime of a slotcheck C reproducer: everything the steps call.
 *
 * `slotcheck emit-c` copies this file verbatim into every program it writes,
 * after a block of numbers it takes from the harness headers (SC_* macros:
 * the host layout of seq/layout.h, the probe layout and machine code of
 * harness/guest_program.h, the ioctl numbers of harness/kvm_uapi.h) and
 * before the steps. Each function here does what the function of the same
 * job in harness/ does (named in its comment), so a program reports exactly
 * the outcomes `slotcheck replay` would see on the same kernel.
 *
 * Only libc: the KVM structures are defined below under sc_ names, because a
 * distribution's <linux/kvm.h> lags the kernels under test and a newer one
 * must never clash with them.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

/* Every helper a step may call. A program calls only those its sequence
 * needs, and clang (unlike gcc) warns about an unused static inline function
 * in the main file: -Wall -Wextra -Werror must pass with both. */
#define SC_HELPER static inline __attribute__((unused))

/* kselftest exit codes */
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

/* ------------------------------------------------------------------ uapi */

struct sc_kvm_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct sc_kvm_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable, padding;
};

struct sc_kvm_dtable {
	uint64_t base;
	uint16_t limit, padding[3];
};

struct sc_kvm_sregs {
	struct sc_kvm_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct sc_kvm_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
	uint64_t interrupt_bitmap[4];
};

struct sc_kvm_cpuid_entry2 {
	uint32_t function, index, flags, eax, ebx, ecx, edx, padding[3];
};

struct sc_kvm_cpuid2 {
	uint32_t nent, padding;
	struct sc_kvm_cpuid_entry2 entries[];
};

/* All zero means "no pending exception, interrupt, NMI or SMI". */
struct sc_kvm_vcpu_events {
	uint8_t bytes[64];
};

struct sc_kvm_mp_state {
	uint32_t mp_state;
};

struct sc_kvm_run {
	uint8_t request_interrupt_window, immediate_exit, padding1[6];
	uint32_t exit_reason;
	uint8_t ready_for_interrupt_injection, if_flag;
	uint16_t flags;
	uint64_t cr8, apic_base;
	union {
		struct {
			uint8_t direction, size;
			uint16_t port;
			uint32_t count;
			uint64_t data_offset;
		} io;
		struct {
			uint64_t phys_addr;
			uint8_t data[8];
			uint32_t len;
			uint8_t is_write;
		} mmio;
		struct {
			uint64_t flags, gpa, size;
		} memory_fault;
		char padding[256];
	};
};

struct sc_region1 {
	uint32_t slot, flags;  /* slot: (address space << 16) | id */
	uint64_t guest_phys_addr, memory_size, userspace_addr;
};

struct sc_region2 {
	uint32_t slot, flags;
	uint64_t guest_phys_addr, memory_size, userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd, pad1;
	uint64_t pad2[14];
};

struct sc_create_guest_memfd {
	uint64_t size, flags, reserved[6];
};

struct sc_memory_attributes {
	uint64_t address, size, attributes, flags;
};

/* The sizes are encoded in the ioctl numbers the harness uses. */
_Static_assert(sizeof(struct sc_kvm_regs) == _IOC_SIZE(SC_KVM_SET_REGS), "kvm_regs");
_Static_assert(sizeof(struct sc_kvm_sregs) == _IOC_SIZE(SC_KVM_SET_SREGS), "kvm_sregs");
_Static_assert(sizeof(struct sc_kvm_vcpu_events) == _IOC_SIZE(SC_KVM_SET_VCPU_EVENTS), "kvm_vcpu_events");
_Static_assert(sizeof(struct sc_kvm_mp_state) == _IOC_SIZE(SC_KVM_SET_MP_STATE), "kvm_mp_state");
_Static_assert(sizeof(struct sc_kvm_cpuid2) == _IOC_SIZE(SC_KVM_SET_CPUID2), "kvm_cpuid2");
_Static_assert(sizeof(struct sc_kvm_cpuid_entry2) == 40, "kvm_cpuid_entry2");
_Static_assert(sizeof(struct sc_region1) == _IOC_SIZE(SC_KVM_SET_USER_MEMORY_REGION), "region");
_Static_assert(sizeof(struct sc_region2) == _IOC_SIZE(SC_KVM_SET_USER_MEMORY_REGION2), "region2");
_Static_assert(sizeof(struct sc_create_guest_memfd) == _IOC_SIZE(SC_KVM_CREATE_GUEST_MEMFD), "gmem");
_Static_assert(sizeof(struct sc_memory_attributes) == _IOC_SIZE(SC_KVM_SET_MEMORY_ATTRIBUTES), "attrs");
_Static_assert(offsetof(struct sc_kvm_run, io) == 32, "kvm_run exit union");

/* -------------------------------------------------------------- outcomes */

/* What one operation did, as userspace sees it (seq/outcome.h). */
enum sc_kind {
	SC_OK, SC_ERRNO, SC_VALUE, SC_SIGBUS, SC_SIGSEGV, SC_MMIO, SC_MEMFAULT, SC_RUN_ERROR,
	SC_TIMEOUT, SC_NOPROBE,
};

struct sc_outcome {
	enum sc_kind kind;
	int err;                   /* ERRNO, MEMFAULT, RUN_ERROR */
	uint64_t value;            /* VALUE: the value read, or a page digest */
	uint64_t gpa, size, flags; /* MMIO (gpa), MEMFAULT */
	uint32_t exit_reason;      /* RUN_ERROR */
	int is_write;              /* MMIO */
};

SC_HELPER struct sc_outcome sc_ok(void) { return (struct sc_outcome){.kind = SC_OK}; }
SC_HELPER struct sc_outcome sc_error(int err) { return (struct sc_outcome){.kind = SC_ERRNO, .err = err}; }
SC_HELPER struct sc_outcome sc_value(uint64_t v) { return (struct sc_outcome){.kind = SC_VALUE, .value = v}; }
SC_HELPER struct sc_outcome sc_sigbus(void) { return (struct sc_outcome){.kind = SC_SIGBUS}; }
SC_HELPER struct sc_outcome sc_sigsegv(void) { return (struct sc_outcome){.kind = SC_SIGSEGV}; }
SC_HELPER struct sc_outcome sc_timeout(void) { return (struct sc_outcome){.kind = SC_TIMEOUT}; }
SC_HELPER struct sc_outcome sc_noprobe(void) { return (struct sc_outcome){.kind = SC_NOPROBE}; }

SC_HELPER struct sc_outcome sc_mmio(uint64_t gpa, int is_write)
{
	return (struct sc_outcome){.kind = SC_MMIO, .gpa = gpa, .is_write = is_write};
}

SC_HELPER struct sc_outcome sc_memfault(int err, uint64_t flags, uint64_t gpa, uint64_t size)
{
	return (struct sc_outcome){.kind = SC_MEMFAULT, .err = err, .flags = flags, .gpa = gpa, .size = size};
}

SC_HELPER struct sc_outcome sc_run_error(int err, uint32_t exit_reason)
{
	return (struct sc_outcome){.kind = SC_RUN_ERROR, .err = err, .exit_reason = exit_reason};
}

SC_HELPER struct sc_outcome sc_result(long rc)
{
	return rc < 0 ? sc_error(errno) : sc_ok();
}

SC_HELPER int sc_same(const struct sc_outcome *a, const struct sc_outcome *b)
{
	return a->kind == b->kind && a->err == b->err && a->value == b->value && a->gpa == b->gpa &&
	       a->size == b->size && a->flags == b->flags && a->exit_reason == b->exit_reason &&
	       a->is_write == b->is_write;
}

SC_HELPER const char *sc_errno_name(int err, char buf[16])
{
	for (size_t i = 0; i < sizeof(sc_errno_names) / sizeof(sc_errno_names[0]); ++i)
		if (sc_errno_names[i].err == err)
			return sc_errno_names[i].name;
	snprintf(buf, 16, "E%d", err);
	return buf;
}

/* The text form of sequence files: ok, EINVAL, 0x2a, mmio read 0x1000, ... */
SC_HELPER const char *sc_format(const struct sc_outcome *o, char *buf, size_t n)
{
	char e[16];

	switch (o->kind) {
	case SC_OK: snprintf(buf, n, "ok"); break;
	case SC_ERRNO: snprintf(buf, n, "%s", sc_errno_name(o->err, e)); break;
	case SC_VALUE: snprintf(buf, n, "0x%llx", (unsigned long long)o->value); break;
	case SC_SIGBUS: snprintf(buf, n, "sigbus"); break;
	case SC_SIGSEGV: snprintf(buf, n, "sigsegv"); break;
	case SC_MMIO:
		snprintf(buf, n, "mmio %s 0x%llx", o->is_write ? "write" : "read", (unsigned long long)o->gpa);
		break;
	case SC_MEMFAULT:
		snprintf(buf, n, "memfault %s flags=0x%llx gpa=0x%llx size=0x%llx", sc_errno_name(o->err, e),
			 (unsigned long long)o->flags, (unsigned long long)o->gpa, (unsigned long long)o->size);
		break;
	case SC_RUN_ERROR:
		snprintf(buf, n, "run %s exit=0x%x", sc_errno_name(o->err, e), o->exit_reason);
		break;
	case SC_TIMEOUT: snprintf(buf, n, "timeout"); break;
	case SC_NOPROBE: snprintf(buf, n, "noprobe"); break;
	}
	return buf;
}

/* ------------------------------------------------------------ TAP output */

static int sc_tests_run;

SC_HELPER void sc_totals(int failed)
{
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", sc_tests_run - failed, failed);
}

/* One TAP test: `ok N - WHAT => OUTCOME`, or `not ok` and the end of the
 * program at the first outcome that is not the expected one. */
SC_HELPER void sc_expect(const char *what, struct sc_outcome got, struct sc_outcome want)
{
	char g[128], w[128];

	++sc_tests_run;
	if (sc_same(&got, &want)) {
		printf("ok %d - %s => %s\n", sc_tests_run, what, sc_format(&got, g, sizeof(g)));
		return;
	}
	printf("not ok %d - %s: expected %s, got %s\n", sc_tests_run, what, sc_format(&want, w, sizeof(w)),
	       sc_format(&got, g, sizeof(g)));
	printf("Bail out! %s: expected %s, got %s\n", what, w, g);
	sc_totals(1);
	exit(KSFT_FAIL);
}

/* ---------------------------------------------------------- host access */

/* harness/host_access.cpp: SIGBUS and SIGSEGV of a guarded access become
 * outcomes; any other fault still kills the program. */
static sigjmp_buf *volatile sc_jump;

static void sc_on_fault(int sig, siginfo_t *info, void *context)
{
	sigjmp_buf *jb = sc_jump;

	(void)info;
	(void)context;
	if (jb) {
		sc_jump = NULL;
		siglongjmp(*jb, sig);
	}
	signal(sig, SIG_DFL);  /* not ours: the access runs again and crashes */
}

typedef uint64_t sc_u64_unaligned __attribute__((aligned(1), may_alias));

enum sc_host_op { SC_HOST_READ, SC_HOST_WRITE, SC_HOST_DIGEST };

/* One single-instruction load or store of the given width (1 or 8), or the
 * page_digest() of the 4096 bytes at addr, unguarded. */
static __attribute__((noinline, unused)) struct sc_outcome sc_host_touch(enum sc_host_op op, uint64_t addr,
									  unsigned width, uint64_t value)
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
SC_HELPER struct sc_outcome sc_host_access(enum sc_host_op op, uint64_t addr, unsigned width, uint64_t value)
{
	sigjmp_buf jb;
	struct sc_outcome result;

	if (width != 1 && width != 8)
		return sc_error(EINVAL);
	/* savemask=1: the handler's blocked signals do not stay blocked. */
	switch (sigsetjmp(jb, 1)) {
	case 0:
		break;
	case SIGBUS:
		return sc_sigbus();
	default:
		return sc_sigsegv();
	}
	sc_jump = &jb;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	result = sc_host_touch(op, addr, width, value);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	sc_jump = NULL;
	return result;
}

SC_HELPER struct sc_outcome sc_host_read(uint64_t addr, unsigned width)
{
	return sc_host_access(SC_HOST_READ, addr, width, 0);
}

SC_HELPER struct sc_outcome sc_host_write(uint64_t addr, unsigned width, uint64_t value)
{
	return sc_host_access(SC_HOST_WRITE, addr, width, value);
}

/* ------------------------------------------------------------ run timer */

/* harness/run_timer.cpp: every KVM_RUN has a wall-clock limit. A timer
 * signal (no SA_RESTART) sets immediate_exit, so KVM_RUN returns EINTR
 * whether the signal lands inside the run or just before it. */
static struct sc_kvm_run *volatile sc_timed_run;
static volatile sig_atomic_t sc_timer_fired;
static timer_t sc_timer;

static void sc_on_timer(int sig)
{
	struct sc_kvm_run *run = sc_timed_run;

	(void)sig;
	sc_timer_fired = 1;
	if (run)
		run->immediate_exit = 1;
}

SC_HELPER void sc_timer_set(uint64_t usec)
{
	struct itimerspec its = {0};

	its.it_value.tv_sec = (time_t)(usec / 1000000);
	its.it_value.tv_nsec = (long)(usec % 1000000) * 1000;
	timer_settime(sc_timer, 0, &its, NULL);  /* zero disarms */
}

/* KVM_RUN under a limit of `usec`; *fired says whether the limit passed. */
SC_HELPER int sc_timed_kvm_run(int vcpu, struct sc_kvm_run *run, uint64_t usec, int *fired)
{
	int rc;

	sc_timer_fired = 0;
	run->immediate_exit = 0;
	sc_timed_run = run;
	sc_timer_set(usec ? usec : 1);
	rc = ioctl(vcpu, SC_KVM_RUN, 0);
	{
		int err = errno;

		sc_timer_set(0);
		sc_timed_run = NULL;
		run->immediate_exit = 0;
		*fired = sc_timer_fired;
		errno = err;
	}
	return rc;
}

/* ------------------------------------------------------------ the probe */

/* harness/guest_probe.cpp: the probe vCPU of one VM, with its own memslot
 * (id KVM_CAP_NR_MEMSLOTS - 1 at SC_HARNESS_GPA), running the machine code
 * of harness/guest_program.cpp in 64-bit mode at CPL3 over an identity map
 * (harness/guest_page_tables.cpp). */
struct sc_probe {
	uint8_t *mem;  /* the harness slot's memory */
	int vcpu;
	struct sc_kvm_run *run;
	size_t run_size;
	struct sc_kvm_sregs sregs;  /* long mode at CPL3, loaded again after resets */
	uint32_t harness_slot;
	unsigned guest_phys_bits;
	int intact;          /* 0 once the harness slot was changed */
	int one_gib;         /* identity map with 1 GiB pages, built once */
	int root;            /* 2 MiB form: which of the two PML4 pages is live */
	uint64_t pool_used;  /* 2 MiB form: table pages in use */
	int cr3_stale;
	int at_batch_start;  /* stopped at the batch-done `out` */
};

struct sc_probe_control {
	uint64_t count, skip, current, report_each, reserved[4];
};

struct sc_probe_entry {
	uint64_t op, addr, value, result;
};

#define SC_PTE_TABLE 0x7ull  /* present, writable, user */
#define SC_PTE_LEAF 0x87ull  /* ... and a large page */
#define SC_GIB (1ull << 30)
#define SC_PML4_ENTRIES (SC_GUEST_ACCESS_LIMIT >> 39)

SC_HELPER uint64_t sc_probe_limit(const struct sc_probe *p)
{
	return p->guest_phys_bits >= 47 ? SC_GUEST_ACCESS_LIMIT : 1ull << p->guest_phys_bits;
}

SC_HELPER uint64_t *sc_table(struct sc_probe *p, uint64_t offset)
{
	return (uint64_t *)(p->mem + offset);
}

SC_HELPER uint64_t sc_cr3(const struct sc_probe *p)
{
	return SC_HARNESS_GPA + (p->root ? SC_PROBE_PML4_1 : SC_PROBE_PML4_0);
}

SC_HELPER uint64_t sc_alloc_table(struct sc_probe *p)
{
	uint64_t off;

	if (p->pool_used >= SC_PROBE_TABLE_POOL_PAGES)
		return 0;
	off = SC_PROBE_TABLE_POOL + p->pool_used++ * SC_PAGE_SIZE;
	memset(p->mem + off, 0, SC_PAGE_SIZE);
	return off;
}

/* 2 MiB form: adds the PDPT and PD of one 1 GiB region; 0 when the pool is full. */
SC_HELPER int sc_map_gib(struct sc_probe *p, uint64_t gib)
{
	uint64_t *pml4 = sc_table(p, p->root ? SC_PROBE_PML4_1 : SC_PROBE_PML4_0);
	uint64_t i = gib / 512, j = gib % 512, off, *pdpt, *pd;

	if (!(pml4[i] & 1)) {
		off = sc_alloc_table(p);
		if (!off)
			return 0;
		pml4[i] = (SC_HARNESS_GPA + off) | SC_PTE_TABLE;
	}
	pdpt = sc_table(p, (pml4[i] & ~0xfffull) - SC_HARNESS_GPA);
	if (pdpt[j] & 1)
		return 1;
	off = sc_alloc_table(p);
	if (!off)
		return 0;
	pd = sc_table(p, off);
	for (uint64_t k = 0; k < 512; ++k)
		pd[k] = (gib * SC_GIB + k * (2ull << 20)) | SC_PTE_LEAF;
	pdpt[j] = (SC_HARNESS_GPA + off) | SC_PTE_TABLE;
	return 1;
}

/* 2 MiB form: drop every table but the harness region's, in the other root. */
SC_HELPER void sc_reset_tables(struct sc_probe *p)
{
	if (p->one_gib)
		return;
	p->root ^= 1;
	p->pool_used = 0;
	memset(sc_table(p, p->root ? SC_PROBE_PML4_1 : SC_PROBE_PML4_0), 0, SC_PAGE_SIZE);
	sc_map_gib(p, SC_HARNESS_GPA / SC_GIB);
	p->cr3_stale = 1;
}

SC_HELPER void sc_build_tables(struct sc_probe *p)
{
	uint64_t limit = sc_probe_limit(p);

	if (!p->one_gib) {
		p->root = 1;  /* sc_reset_tables flips to root 0 */
		sc_reset_tables(p);
		return;
	}
	for (uint64_t i = 0; i < SC_PML4_ENTRIES; ++i) {
		uint64_t pdpt_off = SC_PROBE_TABLE_POOL + i * SC_PAGE_SIZE;
		uint64_t *pdpt = sc_table(p, pdpt_off);

		sc_table(p, SC_PROBE_PML4_0)[i] = (SC_HARNESS_GPA + pdpt_off) | SC_PTE_TABLE;
		for (uint64_t j = 0; j < 512; ++j) {
			uint64_t base = (i * 512 + j) * SC_GIB;

			pdpt[j] = base < limit ? (base | SC_PTE_LEAF) : 0;
		}
	}
}

/* Makes [va, va + len) translatable; 0 when the table pool is full. */
SC_HELPER int sc_try_map(struct sc_probe *p, uint64_t va, uint64_t len)
{
	uint64_t limit = sc_probe_limit(p), last;

	if (p->one_gib || len == 0 || va >= limit)
		return 1;
	last = va + len - 1;
	if (last < va || last >= limit)
		last = limit - 1;
	for (uint64_t gib = va / SC_GIB; gib <= last / SC_GIB; ++gib)
		if (!sc_map_gib(p, gib))
			return 0;
	return 1;
}

SC_HELPER struct sc_kvm_cpuid2 *sc_supported_cpuid(int kvm)
{
	for (uint32_t nent = 128; nent <= 8192; nent *= 2) {
		struct sc_kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = nent;
		if (ioctl(kvm, SC_KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			break;
	}
	return NULL;
}

SC_HELPER const struct sc_kvm_cpuid_entry2 *sc_cpuid_leaf(const struct sc_kvm_cpuid2 *c, uint32_t function)
{
	for (uint32_t i = 0; i < c->nent; ++i)
		if (c->entries[i].function == function)
			return &c->entries[i];
	return NULL;
}

SC_HELPER void sc_set_segment(struct sc_kvm_segment *s, uint16_t selector, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->limit = 0xffffffff;
	s->selector = selector | 3;  /* RPL 3 */
	s->type = type;
	s->present = 1;
	s->dpl = 3;  /* CPL3: the native path on every backend */
	s->s = 1;
	s->g = 1;
	s->l = code;    /* 64-bit code segment */
	s->db = !code;  /* L=1 requires D=0 */
}

SC_HELPER int sc_set_entry_registers(struct sc_probe *p, uint64_t next_index)
{
	struct sc_kvm_regs regs = {0};

	regs.rip = SC_HARNESS_GPA + SC_PROBE_CODE;
	regs.rsp = SC_HARNESS_GPA + SC_PROBE_STACK_TOP;
	regs.rflags = 0x3002;  /* bit 1, IOPL 3 so CPL3 code may use `out` */
	regs.r12 = next_index;
	regs.r13 = SC_HARNESS_GPA + SC_PROBE_CONTROL;
	regs.r14 = SC_DIGEST_PRIME;
	return ioctl(p->vcpu, SC_KVM_SET_REGS, &regs);
}

SC_HELPER void sc_probe_destroy(struct sc_probe *p)
{
	if (!p)
		return;
	if (p->run)
		munmap(p->run, p->run_size);
	if (p->vcpu >= 0)
		close(p->vcpu);
	if (p->mem)
		munmap(p->mem, SC_HARNESS_SIZE);
	free(p);
}

/* Sets the probe up on vm_fd; NULL after printing which step failed (guest
 * accesses of that VM are then noprobe, as in the harness). */
SC_HELPER struct sc_probe *sc_probe_create(int kvm, int vm_fd, const char *vm_name)
{
	struct sc_probe *p = calloc(1, sizeof(*p));
	struct sc_kvm_cpuid2 *cpuid = NULL;
	const struct sc_kvm_cpuid_entry2 *leaf;
	struct sc_region1 region;
	const char *failed = NULL;
	int nr, run_size;

	if (!p)
		return NULL;
	p->vcpu = -1;
	p->intact = 1;
	p->mem = mmap(NULL, SC_HARNESS_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		failed = "mmap harness memory";
		goto fail;
	}
	memcpy(p->mem + SC_PROBE_CODE, sc_guest_code, sizeof(sc_guest_code));

	/* The highest user slot id of address space 0, read like the harness does. */
	nr = ioctl(vm_fd, SC_KVM_CHECK_EXTENSION, SC_KVM_CAP_NR_MEMSLOTS);
	if (nr <= 0)
		nr = ioctl(kvm, SC_KVM_CHECK_EXTENSION, SC_KVM_CAP_NR_MEMSLOTS);
	if (nr <= 0) {
		failed = "KVM_CAP_NR_MEMSLOTS";
		goto fail;
	}
	p->harness_slot = (uint32_t)(nr - 1);
	region = (struct sc_region1){p->harness_slot, 0, SC_HARNESS_GPA, SC_HARNESS_SIZE, (uint64_t)(uintptr_t)p->mem};
	if (ioctl(vm_fd, SC_KVM_SET_USER_MEMORY_REGION, &region)) {
		failed = "KVM_SET_USER_MEMORY_REGION (harness slot)";
		goto fail;
	}
	p->vcpu = ioctl(vm_fd, SC_KVM_CREATE_VCPU, 0);
	if (p->vcpu < 0) {
		failed = "KVM_CREATE_VCPU";
		goto fail;
	}
	run_size = ioctl(kvm, SC_KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		failed = "KVM_GET_VCPU_MMAP_SIZE";
		goto fail;
	}
	p->run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu, 0);
	if (p->run == MAP_FAILED) {
		p->run = NULL;
		failed = "mmap kvm_run";
		goto fail;
	}
	p->run_size = (size_t)run_size;

	/* CPUID first: SVM and VMX refuse long-mode sregs on a vCPU whose
	 * CPUID does not advertise long mode. */
	cpuid = sc_supported_cpuid(kvm);
	if (!cpuid) {
		failed = "KVM_GET_SUPPORTED_CPUID";
		goto fail;
	}
	if (ioctl(p->vcpu, SC_KVM_SET_CPUID2, cpuid)) {
		failed = "KVM_SET_CPUID2";
		goto fail;
	}
	leaf = sc_cpuid_leaf(cpuid, 0x80000008);  /* MAXPHYADDR; 36 without the leaf */
	p->guest_phys_bits = leaf ? (leaf->eax & 0xff) : 36;
	if (p->guest_phys_bits < 32)
		p->guest_phys_bits = 36;
	if (p->guest_phys_bits > 52)
		p->guest_phys_bits = 52;
	leaf = sc_cpuid_leaf(cpuid, 0x80000001);
	p->one_gib = leaf && ((leaf->edx >> 26) & 1);  /* pdpe1gb */
	free(cpuid);
	cpuid = NULL;
	sc_build_tables(p);

	if (ioctl(p->vcpu, SC_KVM_GET_SREGS, &p->sregs)) {
		failed = "KVM_GET_SREGS";
		goto fail;
	}
	p->sregs.cr0 = 0x80050033;  /* PG | AM | WP | NE | ET | MP | PE */
	p->sregs.cr4 = 0x620;       /* OSXMMEXCPT | OSFXSR | PAE */
	p->sregs.efer = 0x500;      /* LMA | LME */
	p->sregs.cr3 = sc_cr3(p);
	sc_set_segment(&p->sregs.cs, 0x08, 11, 1);  /* execute/read, accessed */
	sc_set_segment(&p->sregs.ds, 0x10, 3, 0);   /* read/write, accessed */
	p->sregs.es = p->sregs.ss = p->sregs.fs = p->sregs.gs = p->sregs.ds;
	if (ioctl(p->vcpu, SC_KVM_SET_SREGS, &p->sregs)) {
		failed = "KVM_SET_SREGS (long mode, CPL3)";
		goto fail;
	}
	p->cr3_stale = 0;
	if (sc_set_entry_registers(p, 0)) {
		failed = "KVM_SET_REGS";
		goto fail;
	}
	return p;

fail:
	printf("# %s: the probe vCPU could not be set up: %s: %s\n", vm_name, failed, strerror(errno));
	free(cpuid);
	sc_probe_destroy(p);
	return NULL;
}

/* After a failed or aborted run: complete pending I/O, drop pending events,
 * reload the registers at the loop entry with the next index. */
SC_HELPER void sc_restart_after(struct sc_probe *p, uint64_t index)
{
	struct sc_kvm_vcpu_events events = {{0}};
	struct sc_kvm_mp_state mp = {SC_KVM_MP_STATE_RUNNABLE};

	p->run->immediate_exit = 1;
	ioctl(p->vcpu, SC_KVM_RUN, 0);
	p->run->immediate_exit = 0;
	ioctl(p->vcpu, SC_KVM_SET_VCPU_EVENTS, &events);
	ioctl(p->vcpu, SC_KVM_SET_MP_STATE, &mp);
	ioctl(p->vcpu, SC_KVM_SET_SREGS, &p->sregs);
	p->cr3_stale = 0;
	sc_set_entry_registers(p, index);
}

/* One access of a batch. */
struct sc_access {
	uint64_t op;  /* SC_PROBE_OP_READ, _WRITE or _DIGEST */
	uint64_t gpa;
	uint64_t value;
	struct sc_outcome out;
	int done;
};

SC_HELPER uint64_t sc_access_length(const struct sc_access *a)
{
	return a->op == SC_PROBE_OP_DIGEST ? SC_PAGE_SIZE : 8;
}

SC_HELPER int sc_accessible(const struct sc_probe *p, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;

	if (end < gpa || end > sc_probe_limit(p))
		return 0;
	return end <= SC_HARNESS_GPA || gpa >= SC_HARNESS_GPA + SC_HARNESS_SIZE;
}

SC_HELPER void sc_record(struct sc_access *a, struct sc_outcome o)
{
	if (!a->done) {  /* the first event of an access is its outcome */
		a->out = o;
		a->done = 1;
	}
}

/* Runs todo[0..count) (indices into acc) in the guest, one batch. */
SC_HELPER void sc_run_chunk(struct sc_probe *p, struct sc_access *acc, const size_t *todo, size_t count)
{
	struct sc_probe_control *ctl = (struct sc_probe_control *)(p->mem + SC_PROBE_CONTROL);
	struct sc_probe_entry *entries = (struct sc_probe_entry *)(p->mem + SC_PROBE_ENTRIES);
	uint64_t next = 0;  /* the index the current run started from */
	int stray = 0;

	if (p->cr3_stale) {
		/* A CR3 change through KVM_SET_SREGS flushes the guest's TLB. */
		p->sregs.cr3 = sc_cr3(p);
		ioctl(p->vcpu, SC_KVM_SET_SREGS, &p->sregs);
		p->cr3_stale = 0;
	}
	if (!p->at_batch_start)
		sc_set_entry_registers(p, 0);
	p->at_batch_start = 0;
	while (next < count) {
		uint64_t limit = SC_RUN_TIMEOUT_BASE_US + SC_RUN_TIMEOUT_PER_ENTRY_US * (count - next);
		uint64_t cur;
		int rc, err, fired;

		rc = sc_timed_kvm_run(p->vcpu, p->run, limit, &fired);
		err = errno;
		/* Every entry done, and the run ended at the final `out` in some
		 * other way than its PIO exit (a kvm_pvm host shuts the vCPU down
		 * there when the `out` runs natively): the batch is complete. */
		if (ctl->current == count &&
		    !(rc == 0 && p->run->exit_reason == SC_KVM_EXIT_IO && p->run->io.port == SC_PORT_BATCH_DONE)) {
			sc_restart_after(p, 0);
			break;
		}
		/* The guest publishes its index before each access. */
		cur = ctl->current;
		if (cur < next || cur >= count)
			cur = next;
		if (rc < 0) {
			if (err == EINTR && !fired && ++stray < 1000)
				continue;  /* someone else's signal */
			if (err == EINTR)
				sc_record(&acc[todo[cur]], sc_timeout());
			else if (p->run->exit_reason == SC_KVM_EXIT_MEMORY_FAULT)
				sc_record(&acc[todo[cur]],
					  sc_memfault(err, p->run->memory_fault.flags, p->run->memory_fault.gpa,
						      p->run->memory_fault.size));
			else
				sc_record(&acc[todo[cur]], sc_run_error(err, p->run->exit_reason));
			next = cur + 1;
			sc_restart_after(p, next);
			continue;
		}
		if (p->run->exit_reason == SC_KVM_EXIT_IO && p->run->io.direction == SC_KVM_EXIT_IO_OUT) {
			if (p->run->io.port == SC_PORT_BATCH_DONE) {
				p->at_batch_start = 1;
				break;
			}
			if (p->run->io.port == SC_PORT_ENTRY_DONE)
				continue;
		}
		if (p->run->exit_reason == SC_KVM_EXIT_MMIO) {
			sc_record(&acc[todo[cur]], sc_mmio(p->run->mmio.phys_addr, p->run->mmio.is_write != 0));
			if (!p->run->mmio.is_write) {
				/* Answer the read with the filler; a digest abandons the page. */
				uint64_t filler = SC_MMIO_FILLER;

				memcpy(p->run->mmio.data, &filler, p->run->mmio.len > 8 ? 8 : p->run->mmio.len);
				if (entries[cur].op == SC_PROBE_OP_DIGEST)
					ctl->skip = 1;
			}
			continue;
		}
		/* Any other exit is this access's outcome; go on with the next. */
		sc_record(&acc[todo[cur]], sc_run_error(0, p->run->exit_reason));
		next = cur + 1;
		sc_restart_after(p, next);
	}
	for (size_t i = 0; i < count; ++i)  /* no event: completed in the guest */
		sc_record(&acc[todo[i]], entries[i].op == SC_PROBE_OP_WRITE ? sc_ok() : sc_value(entries[i].result));
}

/* One outcome per access, in order (GuestProbe::run_batch). */
SC_HELPER void sc_run_batch(struct sc_probe *p, struct sc_access *acc, size_t n)
{
	struct sc_probe_control *ctl = (struct sc_probe_control *)(p->mem + SC_PROBE_CONTROL);
	struct sc_probe_entry *entries = (struct sc_probe_entry *)(p->mem + SC_PROBE_ENTRIES);
	size_t *todo = calloc(n ? n : 1, sizeof(*todo)), ntodo = 0;

	for (size_t i = 0; i < n; ++i) {
		acc[i].done = 0;
		if (todo && p->intact && sc_accessible(p, acc[i].gpa, sc_access_length(&acc[i])))
			todo[ntodo++] = i;
		else
			sc_record(&acc[i], sc_noprobe());
	}
	for (size_t first = 0; first < ntodo;) {
		size_t k = 0;

		while (first + k < ntodo && k < SC_PROBE_MAX_ENTRIES) {
			struct sc_access *a = &acc[todo[first + k]];

			if (!sc_try_map(p, a->gpa, sc_access_length(a))) {
				/* Table pool full: run what we have, then start afresh. */
				if (k > 0)
					break;
				sc_reset_tables(p);
				sc_try_map(p, a->gpa, sc_access_length(a));
			}
			entries[k] = (struct sc_probe_entry){a->op, a->gpa, a->value, 0};
			++k;
		}
		ctl->count = k;
		ctl->skip = 0;
		ctl->current = 0;
		ctl->report_each = 0;
		sc_run_chunk(p, acc, todo + first, k);
		first += k;
	}
	free(todo);
}

/* --------------------------------------------------------------- handles */

/* A VM handle (vN): its fd (-1 when never created, failed or closed) and
 * its probe (NULL when gone). */
struct sc_vm {
	const char *name;
	int fd;
	struct sc_probe *probe;
};

/* A guest_memfd (gN) or memfd (fN) handle. */
struct sc_file {
	int fd;
};

/* A mapping handle (mN): always at SC_MAPPING_ARENA + N * SC_MAPPING_STRIDE. */
struct sc_map {
	uint32_t index;
	void *addr;  /* NULL when not mapped */
	size_t size;
};

static int sc_kvm = -1;  /* /dev/kvm */

SC_HELPER uint64_t sc_arena(uint32_t index)
{
	return SC_MAPPING_ARENA + (uint64_t)index * SC_MAPPING_STRIDE;
}

/* ------------------------------------------------------ kernel features */

/* What the sequence needs of the kernel (replay/features.h: the features its
 * expected outcomes cannot hold without). Each is asked the way
 * harness/kernel_facts.cpp asks it, on /dev/kvm or on a scratch default VM. */
enum sc_feature {
	SC_FEATURE_GUEST_MEMFD, SC_FEATURE_GMEM_ON_DEFAULT_VM, SC_FEATURE_GMEM_MMAP,
	SC_FEATURE_MEMORY_ATTRIBUTES, SC_FEATURE_VM_TYPE, SC_FEATURE_READONLY_MEM,
	SC_FEATURE_SMM_ADDRESS_SPACE, SC_FEATURE_PAGING_4_LEVEL, SC_FEATURE_MAXPHYADDR_52,
};

struct sc_need {
	enum sc_feature feature;
	uint64_t vm_type;  /* SC_FEATURE_VM_TYPE */
	const char *name;  /* as slotcheck replay names it */
};

SC_HELPER long sc_extension(int fd, long cap)
{
	int r = ioctl(fd, SC_KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

/* An ioctl with all-zero arguments fails its own checks (EINVAL) where it
 * exists, without changing anything; ENOTTY means it is not compiled in. */
SC_HELPER int sc_ioctl_exists(int fd, unsigned long request, void *zeroed)
{
	int r;

	errno = 0;
	r = ioctl(fd, request, zeroed);
	if (r >= 0)
		close(r);
	return !(r < 0 && errno == ENOTTY);
}

/* Machine facts, as harness/kernel_facts.cpp reads them. With 5-level
 * paging a process may map above 2^47 when it asks for it with an explicit
 * hint; with 4 levels the hint cannot be honoured. */
SC_HELPER int sc_five_level_paging(void)
{
	void *hint = (void *)(1ull << 50);
	void *p = mmap(hint, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	munmap(p, 4096);
	return p == hint;
}

/* The first line of a file, "" when it cannot be read. */
SC_HELPER void sc_first_line(const char *path, char *line, int size)
{
	FILE *f = fopen(path, "r");

	line[0] = 0;
	if (!f)
		return;
	if (!fgets(line, size, f))
		line[0] = 0;
	fclose(f);
}

/* kvm_mmu_max_gfn(): the host MAXPHYADDR with TDP (npt/ept "Y" or "1" of the
 * loaded vendor module), 52 bits under shadow paging. */
SC_HELPER int sc_max_gfn_bits(void)
{
	static const char *const tdp[] = {"/sys/module/kvm_amd/parameters/npt",
					  "/sys/module/kvm_intel/parameters/ept"};
	char line[256];
	int bits = 52, tdp_on = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof(tdp) / sizeof(tdp[0]); ++i) {
		sc_first_line(tdp[i], line, sizeof(line));
		tdp_on |= line[0] == 'Y' || line[0] == '1';
	}
	if (!tdp_on)
		return 52 - 12;
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "address sizes", 13) == 0 && colon && sscanf(colon + 1, "%d", &bits) == 1)
			break;
	}
	if (f)
		fclose(f);
	return bits - 12;
}

SC_HELPER int sc_has(int kvm, const struct sc_need *need)
{
	struct sc_create_guest_memfd gmem = {0};
	struct sc_memory_attributes attrs = {0};
	int vm, has = 0;

	if (need->feature == SC_FEATURE_PAGING_4_LEVEL)
		return !sc_five_level_paging();
	if (need->feature == SC_FEATURE_MAXPHYADDR_52)
		return sc_max_gfn_bits() >= 40;
	if (need->feature == SC_FEATURE_VM_TYPE)
		return need->vm_type == 0 ||
		       (need->vm_type < 64 && ((uint64_t)sc_extension(kvm, SC_KVM_CAP_VM_TYPES) >> need->vm_type) & 1);
	vm = ioctl(kvm, SC_KVM_CREATE_VM, 0);
	if (vm < 0)
		return 0;
	switch (need->feature) {
	case SC_FEATURE_GUEST_MEMFD: has = sc_ioctl_exists(vm, SC_KVM_CREATE_GUEST_MEMFD, &gmem); break;
	case SC_FEATURE_GMEM_ON_DEFAULT_VM: has = sc_extension(vm, SC_KVM_CAP_GUEST_MEMFD) > 0; break;
	case SC_FEATURE_GMEM_MMAP: has = (sc_extension(vm, SC_KVM_CAP_GUEST_MEMFD_FLAGS) & 1) != 0; break;
	case SC_FEATURE_MEMORY_ATTRIBUTES: has = sc_ioctl_exists(vm, SC_KVM_SET_MEMORY_ATTRIBUTES, &attrs); break;
	case SC_FEATURE_READONLY_MEM: has = sc_extension(vm, SC_KVM_CAP_READONLY_MEM) > 0; break;
	case SC_FEATURE_SMM_ADDRESS_SPACE: has = sc_extension(vm, SC_KVM_CAP_MULTI_ADDRESS_SPACE) >= 2; break;
	case SC_FEATURE_VM_TYPE: case SC_FEATURE_PAGING_4_LEVEL: case SC_FEATURE_MAXPHYADDR_52: break;
	}
	close(vm);
	return has;
}

/* A kernel without what the sequence needs cannot run it: every test is a
 * kselftest skip naming the missing features, and the program exits 4. */
SC_HELPER void sc_skip_without(int kvm, const struct sc_need *needs, size_t n, int tests)
{
	char missing[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < n; ++i) {
		if (sc_has(kvm, &needs[i]))
			continue;
		used += (size_t)snprintf(missing + used, used < sizeof(missing) ? sizeof(missing) - used : 0, "%s%s",
					 used ? ", " : "", needs[i].name);
		if (used >= sizeof(missing))
			used = sizeof(missing) - 1;
	}
	if (!used)
		return;
	printf("1..%d\n", tests);
	for (int t = 1; t <= tests; ++t)
		printf("ok %d # SKIP needs %s\n", t, missing);
	printf("# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:%d error:0\n", tests);
	exit(KSFT_SKIP);
}

/* Opens /dev/kvm (a missing or foreign one skips the whole program, and so
 * does a kernel without a feature in `needs`), reserves the never-open fd
 * number, installs the fault handlers and prints the plan. */
SC_HELPER void sc_begin(int tests, const struct sc_need *needs, size_t n)
{
	struct rlimit rl;
	struct sigaction sa = {0};
	struct sigevent sev = {0};
	int api;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	sc_kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (sc_kvm < 0) {
		printf("1..0 # SKIP /dev/kvm: %s\n", strerror(errno));
		exit(KSFT_SKIP);
	}
	api = ioctl(sc_kvm, SC_KVM_GET_API_VERSION, 0);
	if (api != SC_KVM_API_VERSION) {
		printf("1..0 # SKIP /dev/kvm: KVM_GET_API_VERSION returned %d, expected %d\n", api, SC_KVM_API_VERSION);
		exit(KSFT_SKIP);
	}
	sc_skip_without(sc_kvm, needs, n, tests);
	/* SC_NEVER_OPEN_FD must name a closed fd for the whole run. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > (rlim_t)SC_NEVER_OPEN_FD) {
		rl.rlim_cur = SC_NEVER_OPEN_FD;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (fcntl(SC_NEVER_OPEN_FD, F_GETFD) != -1)
		close(SC_NEVER_OPEN_FD);

	sa.sa_sigaction = sc_on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sc_on_timer;  /* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN + 3, &sa, NULL);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN + 3;
	sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &sc_timer)) {
		printf("Bail out! timer_create: %s\n", strerror(errno));
		exit(KSFT_FAIL);
	}
	printf("1..%d\n", tests);
}

SC_HELPER void sc_end(void)
{
	sc_totals(0);
	exit(KSFT_PASS);
}

/* ------------------------------------------------------------ operations */

/* One helper per operation of the sequence language, each with the
 * conventions of harness/kvm_backend.cpp. Creating a handle that is still
 * live leaves the old resource open until the program ends. */

SC_HELPER struct sc_outcome sc_create_vm(struct sc_vm *vm, uint64_t type)
{
	int fd = ioctl(sc_kvm, SC_KVM_CREATE_VM, (unsigned long)type);

	if (fd < 0)
		return sc_error(errno);
	vm->fd = fd;
	vm->probe = sc_probe_create(sc_kvm, fd, vm->name);  /* the harness slot exists from the start */
	return sc_ok();
}

SC_HELPER struct sc_outcome sc_create_guest_memfd(struct sc_file *gmem, int vm_fd, uint64_t size, uint64_t flags)
{
	struct sc_create_guest_memfd args = {.size = size, .flags = flags};
	int fd = ioctl(vm_fd, SC_KVM_CREATE_GUEST_MEMFD, &args);

	if (fd < 0)
		return sc_error(errno);
	gmem->fd = fd;
	return sc_ok();
}

SC_HELPER struct sc_outcome sc_create_memfd(struct sc_file *f, uint64_t size)
{
	int fd = memfd_create("slotcheck", MFD_CLOEXEC);
	int err;

	if (fd < 0)
		return sc_error(errno);
	if (ftruncate(fd, (off_t)size)) {
		err = errno;
		close(fd);
		return sc_error(err);
	}
	f->fd = fd;
	return sc_ok();
}

enum sc_source { SC_FILE, SC_ANONYMOUS };

/* MAP_SHARED of a file or of anonymous shared memory at the mapping's fixed
 * address (the offset is passed as given, even for anonymous memory). */
SC_HELPER struct sc_outcome sc_mmap(struct sc_map *m, enum sc_source source, int fd, uint64_t offset,
					uint64_t size, int prot)
{
	void *want = (void *)(uintptr_t)sc_arena(m->index);
	int flags = MAP_SHARED | MAP_FIXED_NOREPLACE | (source == SC_ANONYMOUS ? MAP_ANONYMOUS : 0);
	void *got = mmap(want, (size_t)size, prot, flags, fd, (off_t)offset);

	if (got == MAP_FAILED)
		return sc_error(errno);
	if (got != want) {  /* pre-4.17 kernels take MAP_FIXED_NOREPLACE as a hint */
		munmap(got, (size_t)size);
		return sc_error(EEXIST);
	}
	m->addr = got;
	m->size = (size_t)size;
	return sc_ok();
}

SC_HELPER struct sc_outcome sc_munmap(struct sc_map *m)
{
	int rc;

	if (!m->addr)
		return sc_ok();  /* nothing live under this name: ok without a syscall */
	rc = munmap(m->addr, m->size);
	m->addr = NULL;
	return sc_result(rc);
}

/* A successful change of the harness slot (address space 0) retires the probe. */
SC_HELPER void sc_note_slot_change(struct sc_vm *vm, uint32_t slot)
{
	if (vm->probe && slot == vm->probe->harness_slot)
		vm->probe->intact = 0;
}

SC_HELPER struct sc_outcome sc_set_user_memory_region(struct sc_vm *vm, uint32_t slot, uint32_t flags,
							  uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	struct sc_region1 r = {slot, flags, gpa, size, uaddr};
	int rc = ioctl(vm->fd, SC_KVM_SET_USER_MEMORY_REGION, &r);

	if (rc == 0)
		sc_note_slot_change(vm, slot);
	return sc_result(rc);
}

SC_HELPER struct sc_outcome sc_set_user_memory_region2(struct sc_vm *vm, uint32_t slot, uint32_t flags,
							   uint64_t gpa, uint64_t size, uint64_t uaddr,
							   int gmem_fd, uint64_t gmem_offset)
{
	struct sc_region2 r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uaddr, .guest_memfd_offset = gmem_offset, .guest_memfd = (uint32_t)gmem_fd,
	};
	int rc = ioctl(vm->fd, SC_KVM_SET_USER_MEMORY_REGION2, &r);

	if (rc == 0)
		sc_note_slot_change(vm, slot);
	return sc_result(rc);
}

SC_HELPER struct sc_outcome sc_set_memory_attributes(struct sc_vm *vm, uint64_t address, uint64_t size,
							 uint64_t attributes, uint64_t flags)
{
	struct sc_memory_attributes a = {address, size, attributes, flags};
	int rc = ioctl(vm->fd, SC_KVM_SET_MEMORY_ATTRIBUTES, &a);

	/* Private harness pages (the probe's code, page tables, command page)
	 * would fault before the probe reached its access: noprobe from then on,
	 * as in the harness. */
	if (rc == 0 && (attributes & (1ull << 3)) && vm->probe && address < SC_HARNESS_GPA + SC_HARNESS_SIZE &&
	    address + size > SC_HARNESS_GPA)
		vm->probe->intact = 0;
	return sc_result(rc);
}

SC_HELPER struct sc_outcome sc_fallocate(int fd, int mode, uint64_t offset, uint64_t len)
{
	return sc_result(fallocate(fd, mode, (off_t)offset, (off_t)len));
}

/* close(2) of a handle without an open fd is EBADF without a syscall: the
 * number may have been reused. */
SC_HELPER struct sc_outcome sc_close_file(struct sc_file *f)
{
	int rc;

	if (f->fd < 0)
		return sc_error(EBADF);
	rc = close(f->fd);
	f->fd = -1;
	return sc_result(rc);
}

/* Closing a VM's fd also closes its probe vCPU: noprobe from then on. */
SC_HELPER struct sc_outcome sc_close_vm(struct sc_vm *vm)
{
	int rc;

	if (vm->fd < 0)
		return sc_error(EBADF);
	sc_probe_destroy(vm->probe);
	vm->probe = NULL;
	rc = close(vm->fd);
	vm->fd = -1;
	return sc_result(rc);
}

SC_HELPER struct sc_outcome sc_guest_access(struct sc_vm *vm, uint64_t op, uint64_t gpa, uint64_t value)
{
	struct sc_access a = {.op = op, .gpa = gpa, .value = value};

	if (!vm->probe || !vm->probe->intact)
		return sc_noprobe();
	sc_run_batch(vm->probe, &a, 1);
	return a.out;
}

SC_HELPER struct sc_outcome sc_guest_read(struct sc_vm *vm, uint64_t gpa)
{
	return sc_guest_access(vm, SC_PROBE_OP_READ, gpa, 0);
}

SC_HELPER struct sc_outcome sc_guest_write(struct sc_vm *vm, uint64_t gpa, uint64_t value)
{
	return sc_guest_access(vm, SC_PROBE_OP_WRITE, gpa, value);
}

/* --------------------------------------------------------------- `check` */

/* One observed page: the guest view through a VM's probe (vm set, address a
 * gpa) or the host view of a mapping page (vm NULL, address a host address),
 * with the page digest or failure the model predicts. */
struct sc_page {
	struct sc_vm *vm;
	uint64_t address;
	const char *name;
	struct sc_outcome want;
};

/* KvmBackend::observe: host pages first, then one probe batch per VM, then
 * one TAP test per page in the order given. */
SC_HELPER void sc_check(const char *step, struct sc_page *pages, size_t n)
{
	struct sc_outcome *got = calloc(n ? n : 1, sizeof(*got));
	struct sc_access *batch = calloc(n ? n : 1, sizeof(*batch));
	size_t *index = calloc(n ? n : 1, sizeof(*index));
	char what[256];

	if (!got || !batch || !index) {
		printf("Bail out! %s: out of memory\n", step);
		exit(KSFT_FAIL);
	}
	for (size_t i = 0; i < n; ++i) {
		got[i] = sc_noprobe();
		if (!pages[i].vm)
			got[i] = sc_host_access(SC_HOST_DIGEST, pages[i].address, 8, 0);
	}
	for (size_t i = 0; i < n; ++i) {
		struct sc_vm *vm = pages[i].vm;
		size_t k = 0, seen = 0;

		for (size_t j = 0; j < i; ++j)
			seen |= pages[j].vm == vm;
		if (!vm || seen || !vm->probe || !vm->probe->intact)
			continue;  /* a host page, a VM already done, or noprobe */
		for (size_t j = i; j < n; ++j) {
			if (pages[j].vm != vm)
				continue;
			batch[k] = (struct sc_access){.op = SC_PROBE_OP_DIGEST, .gpa = pages[j].address};
			index[k++] = j;
		}
		sc_run_batch(vm->probe, batch, k);
		for (size_t j = 0; j < k; ++j)
			got[index[j]] = batch[j].out;
	}
	if (n == 0) {
		snprintf(what, sizeof(what), "%s: nothing to observe", step);
		sc_expect(what, sc_ok(), sc_ok());
	}
	for (size_t i = 0; i < n; ++i) {
		snprintf(what, sizeof(what), "%s: %s", step, pages[i].name);
		sc_expect(what, got[i], pages[i].want);
	}
	free(got);
	free(batch);
	free(index);
}
