/*
 * The reproducer's own runtime: its handles, the operations of the sequence
 * language with the conventions of harness/kvm_backend.cpp, the kernel
 * features a sequence needs, and the kselftest TAP output.
 *
 * `slotcheck emit-c` copies this file verbatim into every program it writes,
 * after a block of numbers from the harness headers (SC_MAPPING_*,
 * SC_NEVER_OPEN_FD, the errno names) and after the executor core of
 * harness/c/ (uapi, page tables, vCPU setup, the timed KVM_RUN, the batch
 * runner, guarded host accesses), which the harness itself runs; before the
 * steps. So a program reports exactly the outcomes `slotcheck replay` would
 * see on the same kernel.
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
#include <sys/resource.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

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

/* A batch of the VM's probe; the first time its vCPU cannot be made, says why. */
SC_HELPER void sc_probe_batch(struct sc_vm *vm, struct sc_access *accesses, size_t n)
{
	sc_probe_run_batch(vm->probe, accesses, n);
	if (vm->probe->vcpu_error[0] && !vm->vcpu_error_shown) {
		printf("# %s: the probe vCPU could not be set up: %s\n", vm->name, vm->probe->vcpu_error);
		vm->vcpu_error_shown = 1;
	}
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
 * number, makes the run timer and prints the plan. */
SC_HELPER void sc_begin(int tests, const struct sc_need *needs, size_t n)
{
	struct rlimit rl;
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
	if (rc == 0 && (attributes & SC_KVM_MEMORY_ATTRIBUTE_PRIVATE) && vm->probe && address < SC_HARNESS_GPA + SC_HARNESS_SIZE &&
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
			got[i] = sc_host_digest_page(pages[i].address);
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
		sc_probe_batch(vm, batch, k);
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
