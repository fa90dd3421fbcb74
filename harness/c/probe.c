/* The probe's setup: harness slot, CPUID, the vCPU at its first use (probe.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef SC_REPRODUCER
#include "harness/c/layout.h"
#include "harness/c/probe.h"
#include "harness/c/vcpu.h"
#endif

static int sc_probe_fail(char *error, size_t error_size, const char *step)
{
	int err = errno;

	snprintf(error, error_size, "%s: %s", step, strerror(err));
	errno = err;
	return -1;
}

struct sc_probe_options sc_probe_default_options(void)
{
	struct sc_probe_options o;

	memset(&o, 0, sizeof(o));
	o.run_timeout_base_us = SC_RUN_TIMEOUT_BASE_US;
	o.run_timeout_per_entry_us = SC_RUN_TIMEOUT_PER_ENTRY_US;
	return o;
}

int sc_probe_add_slot(struct sc_probe *p, int kvm_fd, int vm_fd, const struct sc_probe_options *options,
		      char *error, size_t error_size)
{
	struct sc_region1 region;
	void *mem;
	int nr;

	memset(p, 0, sizeof(*p));
	p->options = *options;
	p->kvm_fd = kvm_fd;
	p->vm_fd = vm_fd;
	p->vcpu = -1;
	p->intact = 1;
	p->guest_phys_bits = 36;
	/* Harness-private memory, placed by the kernel (never in the mapping
	 * arena, so no sequence address can name it). */
	mem = mmap(NULL, SC_HARNESS_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return sc_probe_fail(error, error_size, "mmap harness memory");
	p->mem = (uint8_t *)mem;
	memcpy(p->mem + SC_PROBE_CODE, sc_guest_code, sizeof(sc_guest_code));

	/* The highest user slot id of address space 0 (seq/layout.h). */
	nr = ioctl(vm_fd, SC_KVM_CHECK_EXTENSION, SC_KVM_CAP_NR_MEMSLOTS);
	if (nr <= 0)
		nr = ioctl(kvm_fd, SC_KVM_CHECK_EXTENSION, SC_KVM_CAP_NR_MEMSLOTS);
	if (nr <= 0) {
		snprintf(error, error_size, "KVM_CAP_NR_MEMSLOTS is %d", nr);
		return -1;
	}
	p->harness_slot = (uint32_t)(nr - 1);
	memset(&region, 0, sizeof(region));
	region.slot = p->harness_slot;
	region.guest_phys_addr = SC_HARNESS_GPA;
	region.memory_size = SC_HARNESS_SIZE;
	region.userspace_addr = (uint64_t)(uintptr_t)p->mem;
	if (ioctl(vm_fd, SC_KVM_SET_USER_MEMORY_REGION, &region) != 0)
		return sc_probe_fail(error, error_size, "KVM_SET_USER_MEMORY_REGION (harness slot)");
	return 0;
}

int sc_probe_set_cpuid(struct sc_probe *p, const struct sc_kvm_cpuid2 *supported, char *error, size_t error_size)
{
	size_t size = sc_cpuid_size(supported);

	p->cpuid = (struct sc_kvm_cpuid2 *)malloc(size);
	if (!p->cpuid)
		return sc_probe_fail(error, error_size, "CPUID copy");
	memcpy(p->cpuid, supported, size);
	p->guest_phys_bits = sc_cpuid_phys_bits(supported);
	sc_page_tables_init(&p->tables, p->mem, sc_cpuid_has_pdpe1gb(supported) && !p->options.force_2m_pages,
			    sc_probe_access_limit(p), p->options.table_pool_limit);
	return 0;
}

void sc_probe_release(struct sc_probe *p)
{
	if (p->run)
		munmap(p->run, p->run_size);
	if (p->vcpu >= 0)
		close(p->vcpu);
	if (p->mem)
		munmap(p->mem, SC_HARNESS_SIZE);
	free(p->cpuid);
	p->run = NULL;
	p->vcpu = -1;
	p->mem = NULL;
	p->cpuid = NULL;
}

uint64_t sc_probe_access_limit(const struct sc_probe *p)
{
	return p->guest_phys_bits >= 47 ? SC_GUEST_ACCESS_LIMIT : 1ull << p->guest_phys_bits;
}

int sc_probe_accessible(const struct sc_probe *p, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;

	if (end < gpa || end > sc_probe_access_limit(p))
		return 0;
	return end <= SC_HARNESS_GPA || gpa >= SC_HARNESS_GPA + SC_HARNESS_SIZE;
}

static int sc_probe_create_vcpu(struct sc_probe *p, char *error, size_t error_size)
{
	int run_size;
	void *run;

	p->vcpu = ioctl(p->vm_fd, SC_KVM_CREATE_VCPU, 0);
	if (p->vcpu < 0)
		return sc_probe_fail(error, error_size, "KVM_CREATE_VCPU");
	run_size = ioctl(p->kvm_fd, SC_KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		return sc_probe_fail(error, error_size, "KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu, 0);
	if (run == MAP_FAILED)
		return sc_probe_fail(error, error_size, "mmap kvm_run");
	p->run = (struct sc_kvm_run *)run;
	p->run_size = (size_t)run_size;

	/* CPUID first: SVM and VMX kernels refuse long-mode sregs (EINVAL) on a
	 * vCPU whose CPUID does not advertise long mode (probes/README.md). */
	if (ioctl(p->vcpu, SC_KVM_SET_CPUID2, p->cpuid) != 0)
		return sc_probe_fail(error, error_size, "KVM_SET_CPUID2");
	if (sc_vcpu_enter_long_mode(p->vcpu, sc_page_tables_cr3(&p->tables), &p->sregs, error, error_size))
		return -1;
	p->cr3_stale = 0;
	if (sc_vcpu_set_entry_registers(p->vcpu, 0) != 0)
		return sc_probe_fail(error, error_size, "KVM_SET_REGS");
	return 0;
}

int sc_probe_ensure_vcpu(struct sc_probe *p)
{
	if (p->vcpu >= 0)
		return 1;
	if (p->vcpu_error[0])
		return 0;
	if (sc_probe_create_vcpu(p, p->vcpu_error, sizeof(p->vcpu_error)) == 0)
		return 1;
	if (!p->vcpu_error[0])
		snprintf(p->vcpu_error, sizeof(p->vcpu_error), "vCPU setup failed");
	if (p->vcpu >= 0)
		close(p->vcpu);  /* the run page, if mapped, stays until the release */
	p->vcpu = -1;
	return 0;
}
