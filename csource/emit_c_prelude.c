/*
 * The reproducer's own runtime: its handles, one call per operation of the
 * sequence language (each performed by harness/c/ops.c, as in
 * harness/kvm_backend.cpp), whether the kernel has the features a sequence
 * needs (asked by harness/c/kernel_facts.c, as in harness/kernel_facts.cpp),
 * and the kselftest TAP output.
 *
 * `slotcheck emit-c` copies this file verbatim into every program it writes,
 * after a block of numbers from the harness headers (SC_MAPPING_*,
 * SC_NEVER_OPEN_FD, the errno names) and after the executor core of
 * harness/c/ (uapi, page tables, vCPU setup, the timed KVM_RUN, the batch
 * runner, guarded host accesses, kernel facts, the operations), which the
 * harness itself runs; before the steps. So a program reports exactly the
 * outcomes `slotcheck replay` would see on the same kernel.
 *
 * Only libc, and no <linux/kvm.h>: the core defines the KVM structures under
 * sc_ names (harness/c/uapi.h says why).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Every helper a step may call. A program calls only those its sequence
 * needs, and clang (unlike gcc) warns about an unused static inline function
 * in the main file: -Wall -Wextra -Werror must pass with both. (The executor
 * core's functions are external, one translation unit here: no compiler
 * warns about an unused one.) */
#define SC_HELPER static inline __attribute__((unused))

/* kselftest exit codes */
#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

/* -------------------------------------------------------------- outcomes */

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

/* --------------------------------------------------------------- handles */

/* A VM handle (vN): its fd (-1 when never created, failed or closed) and
 * its probe (NULL when gone). */
struct sc_vm {
	const char *name;
	int fd;
	struct sc_probe *probe;
	int vcpu_error_shown;
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

/* ------------------------------------------------------------ the probe */

/* The probe of a new VM, set up as GuestProbe::create does it (the harness
 * slot at once, the vCPU at the first access); NULL after printing which
 * step failed (guest accesses of that VM are then noprobe, as in the
 * harness). */
SC_HELPER struct sc_probe *sc_probe_create(int kvm, int vm_fd, const char *vm_name)
{
	static struct sc_kvm_cpuid2 *supported;  /* asked once, as the harness does */
	struct sc_probe_options options = sc_probe_default_options();
	struct sc_probe *p = calloc(1, sizeof(*p));
	char error[256] = "";

	if (!p) {
		printf("# %s: the probe could not be set up: out of memory\n", vm_name);
		return NULL;
	}
	if (sc_probe_add_slot(p, kvm, vm_fd, &options, error, sizeof(error)) == 0) {
		if (!supported)
			supported = sc_supported_cpuid(kvm);
		if (!supported)
			snprintf(error, sizeof(error), "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		else if (sc_probe_set_cpuid(p, supported, error, sizeof(error)) == 0)
			return p;
	}
	printf("# %s: the probe could not be set up: %s\n", vm_name, error);
	sc_probe_release(p);
	free(p);
	return NULL;
}

SC_HELPER void sc_probe_destroy(struct sc_probe *p)
{
	if (!p)
		return;
	sc_probe_release(p);
	free(p);
}

/* The first time the VM's probe vCPU could not be made, says why. */
SC_HELPER void sc_note_vcpu_error(struct sc_vm *vm)
{
	if (vm->probe && vm->probe->vcpu_error[0] && !vm->vcpu_error_shown) {
		printf("# %s: the probe vCPU could not be set up: %s\n", vm->name, vm->probe->vcpu_error);
		vm->vcpu_error_shown = 1;
	}
}

/* A batch of the VM's probe. */
SC_HELPER void sc_probe_batch(struct sc_vm *vm, struct sc_access *accesses, size_t n)
{
	sc_probe_run_batch(vm->probe, accesses, n);
	sc_note_vcpu_error(vm);
}

/* ------------------------------------------------------ kernel features */

/* What the sequence needs of the kernel (replay/features.h: the features its
 * expected outcomes cannot hold without), asked on /dev/kvm or on a scratch
 * default VM. */
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

/* Each feature asked with the calls of harness/c/kernel_facts.c. */
SC_HELPER int sc_has(int kvm, const struct sc_need *need)
{
	int vm = -1, has = 0;

	if (need->feature == SC_FEATURE_PAGING_4_LEVEL)
		return !sc_five_level_paging();
	if (need->feature == SC_FEATURE_MAXPHYADDR_52)
		return sc_max_gfn_bits() >= 40;
	if (need->feature == SC_FEATURE_VM_TYPE)
		return need->vm_type == 0 ||
		       (need->vm_type < 64 && ((uint64_t)sc_check_extension(kvm, SC_KVM_CAP_VM_TYPES) >> need->vm_type) & 1);
	if (sc_op_create_vm(kvm, 0, &vm).kind != SC_OK)
		return 0;
	switch (need->feature) {
	case SC_FEATURE_GUEST_MEMFD: has = sc_has_create_guest_memfd_ioctl(vm); break;
	case SC_FEATURE_GMEM_ON_DEFAULT_VM: has = sc_check_extension(vm, SC_KVM_CAP_GUEST_MEMFD) > 0; break;
	case SC_FEATURE_GMEM_MMAP: has = (sc_check_extension(vm, SC_KVM_CAP_GUEST_MEMFD_FLAGS) & 1) != 0; break;
	case SC_FEATURE_MEMORY_ATTRIBUTES: has = sc_has_set_memory_attributes_ioctl(vm); break;
	case SC_FEATURE_READONLY_MEM: has = sc_check_extension(vm, SC_KVM_CAP_READONLY_MEM) > 0; break;
	case SC_FEATURE_SMM_ADDRESS_SPACE: has = sc_check_extension(vm, SC_KVM_CAP_MULTI_ADDRESS_SPACE) >= 2; break;
	case SC_FEATURE_VM_TYPE: case SC_FEATURE_PAGING_4_LEVEL: case SC_FEATURE_MAXPHYADDR_52: break;
	}
	sc_op_close(&vm);
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
 * number, makes the run timer and prints the plan. */
SC_HELPER void sc_begin(int tests, const struct sc_need *needs, size_t n)
{
	char why[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	sc_kvm = sc_open_kvm(why, sizeof(why));
	if (sc_kvm < 0) {
		printf("1..0 # SKIP %s\n", why);
		exit(KSFT_SKIP);
	}
	sc_skip_without(sc_kvm, needs, n, tests);
	sc_reserve_never_open_fd(SC_NEVER_OPEN_FD);

	/* The executor's run timer, made now: without it no run could be bounded. */
	if (sc_run_timer_prepare()) {
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

/* One helper per operation of the sequence language: the step's handles
 * around the calls of harness/c/ops.c, which the harness runs too. Creating a handle that is still
 * live leaves the old resource open until the program ends. */

SC_HELPER struct sc_outcome sc_create_vm(struct sc_vm *vm, uint64_t type)
{
	struct sc_outcome o = sc_op_create_vm(sc_kvm, type, &vm->fd);

	if (o.kind != SC_OK)
		return o;
	vm->probe = sc_probe_create(sc_kvm, vm->fd, vm->name);  /* the harness slot exists from the start */
	return sc_ok();
}

SC_HELPER struct sc_outcome sc_create_guest_memfd(struct sc_file *gmem, int vm_fd, uint64_t size, uint64_t flags)
{
	return sc_op_create_guest_memfd(vm_fd, size, flags, &gmem->fd);
}

SC_HELPER struct sc_outcome sc_create_memfd(struct sc_file *f, uint64_t size)
{
	return sc_op_create_memfd(size, &f->fd);
}

enum sc_source { SC_FILE, SC_ANONYMOUS };

SC_HELPER struct sc_outcome sc_mmap(struct sc_map *m, enum sc_source source, int fd, uint64_t offset,
					uint64_t size, int prot)
{
	void *want = (void *)(uintptr_t)sc_arena(m->index);
	struct sc_outcome o = sc_op_mmap(want, size, prot, source == SC_ANONYMOUS, fd, offset);

	if (o.kind == SC_OK) {
		m->addr = want;
		m->size = (size_t)size;
	}
	return o;
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

SC_HELPER struct sc_outcome sc_set_user_memory_region(struct sc_vm *vm, uint32_t slot, uint32_t flags,
							  uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	struct sc_outcome o = sc_op_set_region1(vm->fd, slot, flags, gpa, size, uaddr);

	if (o.kind == SC_OK)
		sc_op_region_changed(vm->probe, slot);
	return o;
}

SC_HELPER struct sc_outcome sc_set_user_memory_region2(struct sc_vm *vm, uint32_t slot, uint32_t flags,
							   uint64_t gpa, uint64_t size, uint64_t uaddr,
							   int gmem_fd, uint64_t gmem_offset)
{
	struct sc_outcome o = sc_op_set_region2(vm->fd, slot, flags, gpa, size, uaddr, gmem_fd, gmem_offset);

	if (o.kind == SC_OK)
		sc_op_region_changed(vm->probe, slot);
	return o;
}

SC_HELPER struct sc_outcome sc_set_memory_attributes(struct sc_vm *vm, uint64_t address, uint64_t size,
							 uint64_t attributes, uint64_t flags)
{
	return sc_op_set_attributes(vm->fd, vm->probe, address, size, attributes, flags);
}

SC_HELPER struct sc_outcome sc_fallocate(int fd, int mode, uint64_t offset, uint64_t len)
{
	return sc_op_fallocate(fd, mode, offset, len);
}

SC_HELPER struct sc_outcome sc_close_file(struct sc_file *f)
{
	return sc_op_close(&f->fd);
}

/* Closing a VM's fd also closes its probe vCPU: noprobe from then on. */
SC_HELPER struct sc_outcome sc_close_vm(struct sc_vm *vm)
{
	if (vm->fd >= 0) {
		sc_probe_destroy(vm->probe);
		vm->probe = NULL;
	}
	return sc_op_close(&vm->fd);
}

SC_HELPER struct sc_outcome sc_guest_access(struct sc_vm *vm, uint64_t op, uint64_t gpa, uint64_t value)
{
	struct sc_access a = {.op = op, .gpa = gpa, .value = value};

	if (!vm->probe || !vm->probe->intact)
		return sc_noprobe();
	sc_probe_batch(vm, &a, 1);
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

/* Observes the pages with the core's sc_observe (host pages first, then one
 * probe batch per VM, as KvmBackend::observe does), then one TAP test per
 * page in the order given. */
SC_HELPER void sc_check(const char *step, struct sc_page *pages, size_t n)
{
	struct sc_observed_page *observed = calloc(n ? n : 1, sizeof(*observed));
	char what[256];

	if (!observed) {
		printf("Bail out! %s: out of memory\n", step);
		exit(KSFT_FAIL);
	}
	for (size_t i = 0; i < n; ++i) {
		observed[i].host = !pages[i].vm;
		observed[i].probe = pages[i].vm ? pages[i].vm->probe : NULL;
		observed[i].address = pages[i].address;
	}
	if (sc_observe(observed, n)) {
		printf("Bail out! %s: out of memory\n", step);
		exit(KSFT_FAIL);
	}
	for (size_t i = 0; i < n; ++i)
		if (pages[i].vm)
			sc_note_vcpu_error(pages[i].vm);
	if (n == 0) {
		snprintf(what, sizeof(what), "%s: nothing to observe", step);
		sc_expect(what, sc_ok(), sc_ok());
	}
	for (size_t i = 0; i < n; ++i) {
		snprintf(what, sizeof(what), "%s: %s", step, pages[i].name);
		sc_expect(what, observed[i].out, pages[i].want);
	}
	free(observed);
}
