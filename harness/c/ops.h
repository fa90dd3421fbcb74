/*
 * The operations of the sequence language with their conventions, once:
 * harness/kvm_backend.cpp wraps the results in RAII owners, and every
 * reproducer calls them from its steps (csource/emit_c_prelude.c).
 */
#ifndef SC_OPS_H
#define SC_OPS_H

#include <stddef.h>
#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/outcome.h"
#include "harness/c/probe.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* KVM_CREATE_VM of `type` on /dev/kvm: ok with *fd set, or the errno. */
struct sc_outcome sc_op_create_vm(int kvm_fd, uint64_t type, int *fd);

/* KVM_CREATE_GUEST_MEMFD / memfd_create + ftruncate: ok with *fd set, or
 * the errno (nothing left open). */
struct sc_outcome sc_op_create_guest_memfd(int vm_fd, uint64_t size, uint64_t flags, int *fd);
struct sc_outcome sc_op_create_memfd(uint64_t size, int *fd);

/* MAP_SHARED of a file (fd) or of anonymous shared memory (anonymous set)
 * at the mapping's fixed address `want`; the offset is passed as given,
 * even for anonymous memory. EEXIST when the kernel took the address as a
 * hint (before 4.17), with nothing left mapped. */
struct sc_outcome sc_op_mmap(void *want, uint64_t size, int prot, int anonymous, int fd, uint64_t offset);

/* KVM_SET_USER_MEMORY_REGION / KVM_SET_USER_MEMORY_REGION2. */
struct sc_outcome sc_op_set_region1(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
				    uint64_t uaddr);
struct sc_outcome sc_op_set_region2(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa, uint64_t size,
				    uint64_t uaddr, int gmem_fd, uint64_t gmem_offset);
/* Any successful change of the harness slot in address space 0 (deleting,
 * moving, re-flagging, or an identical re-set) retires the probe. */
void sc_op_region_changed(struct sc_probe *probe, uint32_t slot);

/* KVM_SET_MEMORY_ATTRIBUTES. On success, private harness pages (code, page
 * tables, command page) would fault before the probe reached its access:
 * the probe (may be NULL) is retired. */
struct sc_outcome sc_op_set_attributes(int vm_fd, struct sc_probe *probe, uint64_t address, uint64_t size,
				       uint64_t attributes, uint64_t flags);

/* fallocate(2) of a handle's fd. */
struct sc_outcome sc_op_fallocate(int fd, int mode, uint64_t offset, uint64_t len);

/* close(2) of a handle's fd: EBADF without a syscall when it has none (-1:
 * never created, failed, closed, or a mapping), since the number may have
 * been reused. *fd is -1 afterwards. A VM's caller releases its probe vCPU
 * first: the VM is noprobe from then on. */
struct sc_outcome sc_op_close(int *fd);

/* One page a `check` observes: a host page (host set, `address` a host
 * address) or a guest page (`address` a gpa) through its VM's probe, which
 * is NULL when the VM has none. */
struct sc_observed_page {
	int host;
	struct sc_probe *probe;
	uint64_t address;
	struct sc_outcome out;  /* the page digest or the failure */
};

/* Observes every page: host pages first, then one probe batch per VM (in
 * the order of each VM's first page; its pages in order); a guest page
 * without a live probe (none, retired, or its vCPU could not be made) is
 * noprobe. -1 with errno ENOMEM when the batch cannot be allocated. */
int sc_observe(struct sc_observed_page *pages, size_t n);

/* `never_open` (seq/layout.h kNeverOpenFd) must name a closed fd for the
 * whole run: capping the soft RLIMIT_NOFILE there makes the kernel unable
 * to hand that number out; an fd already open there (inherited) is closed. */
void sc_reserve_never_open_fd(int never_open);

#ifdef __cplusplus
}
#endif

#endif /* SC_OPS_H */
