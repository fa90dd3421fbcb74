/* The operations of the sequence language (ops.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef SC_REPRODUCER
#include "harness/c/host_access.h"
#include "harness/c/layout.h"
#include "harness/c/ops.h"
#include "harness/c/uapi.h"
#endif

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

struct sc_outcome sc_op_create_vm(int kvm_fd, uint64_t type, int *fd)
{
	int r = ioctl(kvm_fd, SC_KVM_CREATE_VM, (unsigned long)type);

	if (r < 0)
		return sc_error(errno);
	*fd = r;
	return sc_ok();
}

struct sc_outcome sc_op_create_guest_memfd(int vm_fd, uint64_t size, uint64_t flags, int *fd)
{
	struct sc_create_guest_memfd args = {.size = size, .flags = flags};
	int r = ioctl(vm_fd, SC_KVM_CREATE_GUEST_MEMFD, &args);

	if (r < 0)
		return sc_error(errno);
	*fd = r;
	return sc_ok();
}

struct sc_outcome sc_op_create_memfd(uint64_t size, int *fd)
{
	int r = memfd_create("slotcheck", MFD_CLOEXEC);
	int err;

	if (r < 0)
		return sc_error(errno);
	if (ftruncate(r, (off_t)size)) {
		err = errno;
		close(r);
		return sc_error(err);
	}
	*fd = r;
	return sc_ok();
}

struct sc_outcome sc_op_mmap(void *want, uint64_t size, int prot, int anonymous, int fd, uint64_t offset)
{
	int flags = MAP_SHARED | MAP_FIXED_NOREPLACE | (anonymous ? MAP_ANONYMOUS : 0);
	void *got = mmap(want, (size_t)size, prot, flags, fd, (off_t)offset);

	if (got == MAP_FAILED)
		return sc_error(errno);
	if (got != want) {
		munmap(got, (size_t)size);
		return sc_error(EEXIST);
	}
	return sc_ok();
}

struct sc_outcome sc_op_set_region1(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
				    uint64_t uaddr)
{
	struct sc_region1 r = {slot, flags, gpa, size, uaddr};

	return sc_result(ioctl(vm_fd, SC_KVM_SET_USER_MEMORY_REGION, &r));
}

struct sc_outcome sc_op_set_region2(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
				    uint64_t uaddr, int gmem_fd, uint64_t gmem_offset)
{
	struct sc_region2 r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uaddr, .guest_memfd_offset = gmem_offset, .guest_memfd = (uint32_t)gmem_fd,
	};

	return sc_result(ioctl(vm_fd, SC_KVM_SET_USER_MEMORY_REGION2, &r));
}

void sc_op_region_changed(struct sc_probe *probe, uint32_t slot)
{
	/* (as 0, id nr-1): the raw slot equals the id */
	if (probe && slot == probe->harness_slot)
		probe->intact = 0;
}

struct sc_outcome sc_op_set_attributes(int vm_fd, struct sc_probe *probe, uint64_t address, uint64_t size,
				       uint64_t attributes, uint64_t flags)
{
	struct sc_memory_attributes a = {address, size, attributes, flags};
	long rc = ioctl(vm_fd, SC_KVM_SET_MEMORY_ATTRIBUTES, &a);
	struct sc_outcome result = sc_result(rc);

	if (rc == 0 && (attributes & SC_KVM_MEMORY_ATTRIBUTE_PRIVATE) && probe &&
	    address < SC_HARNESS_GPA + SC_HARNESS_SIZE && address + size > SC_HARNESS_GPA)
		probe->intact = 0;
	return result;
}

struct sc_outcome sc_op_close(int *fd)
{
	int rc;

	if (*fd < 0)
		return sc_error(EBADF);
	rc = close(*fd);
	*fd = -1;
	return sc_result(rc);
}

struct sc_outcome sc_op_fallocate(int fd, int mode, uint64_t offset, uint64_t len)
{
	return sc_result(fallocate(fd, mode, (off_t)offset, (off_t)len));
}

void sc_reserve_never_open_fd(int never_open)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > (rlim_t)never_open) {
		rl.rlim_cur = (rlim_t)never_open;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (fcntl(never_open, F_GETFD) != -1)
		close(never_open);
}

int sc_observe(struct sc_observed_page *pages, size_t n)
{
	struct sc_access *batch = calloc(n ? n : 1, sizeof(*batch));
	size_t *index = calloc(n ? n : 1, sizeof(*index));

	if (!batch || !index) {
		free(batch);
		free(index);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; ++i)
		pages[i].out = pages[i].host ? sc_host_digest_page(pages[i].address) : sc_noprobe();
	for (size_t i = 0; i < n; ++i) {
		struct sc_probe *probe = pages[i].probe;
		size_t k = 0;
		int seen = 0;

		for (size_t j = 0; j < i; ++j)
			seen |= !pages[j].host && pages[j].probe == probe;
		if (pages[i].host || seen || !probe || !probe->intact)
			continue; /* a host page, a VM already done, or noprobe */
		for (size_t j = i; j < n; ++j) {
			if (pages[j].host || pages[j].probe != probe)
				continue;
			batch[k] = (struct sc_access){.op = SC_PROBE_OP_DIGEST, .gpa = pages[j].address};
			index[k++] = j;
		}
		sc_probe_run_batch(probe, batch, k);
		for (size_t j = 0; j < k; ++j)
			pages[index[j]].out = batch[j].out;
	}
	free(batch);
	free(index);
	return 0;
}
