/*
 * The probe vCPU: one per VM, the executor's eyes inside the guest.
 *
 * At creation it adds the harness memslot (seq/layout.h: id
 * KVM_CAP_NR_MEMSLOTS - 1, gpa SC_HARNESS_GPA, SC_HARNESS_SIZE bytes of
 * private anonymous memory outside the mapping arena) with the probe
 * program, its control page and page tables (page_tables.h). At the first
 * access it creates vCPU 0, sets CPUID and enters 64-bit long mode at CPL3
 * (vcpu.h). Then sc_probe_run_batch() executes accesses (8-byte reads and
 * writes, page digests) and reports one outcome per access.
 *
 * Accesses the probe cannot make (at or above the access limit, or inside
 * the harness slot) are noprobe without running. Per access, the outcomes
 * are: value (read: the value; digest: the page digest), ok (write), mmio
 * (no memslot: reads are answered with SC_MMIO_FILLER and the run goes on),
 * memfault / run error (KVM_RUN failed), run error (0, reason) for any other
 * exit, timeout (the run hit its wall-clock limit, run_timer.h). After a
 * failed or aborted run the probe resets the vCPU's registers to the loop
 * entry with the next index, so one bad access never costs the rest of the
 * batch.
 */
#ifndef SC_PROBE_H
#define SC_PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/outcome.h"
#include "harness/c/page_tables.h"
#include "harness/c/uapi.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The limit of one KVM_RUN: a base plus a share per entry still to execute. */
#define SC_RUN_TIMEOUT_BASE_US 5000000ull
#define SC_RUN_TIMEOUT_PER_ENTRY_US 5000ull

struct sc_probe_options {
	uint64_t run_timeout_base_us, run_timeout_per_entry_us;
	/* `out` after every entry (one exit per access) instead of one exit per
	 * batch. Outcomes are the same either way (the guest also publishes its
	 * current index); this exists to measure and to debug. */
	int report_each_entry;
	/* The 2 MiB on-demand tables even where 1 GiB pages exist, and a cap on
	 * their pool (0: none): tests of the fallback. */
	int force_2m_pages;
	uint64_t table_pool_limit;
};

struct sc_probe_stats {
	uint64_t runs;           /* KVM_RUN calls */
	uint64_t resets;         /* register resets after a failed or aborted run */
	uint64_t mmio_exits;
	uint64_t shutdown_ends;  /* batches whose final `out` ended the run otherwise (kvm_pvm) */
};

struct sc_probe {
	struct sc_probe_options options;
	uint8_t *mem;  /* the harness slot's memory, or NULL */
	/* For the vCPU made at the first access: the VM it belongs to (not
	 * owned; the probe must go before that fd is closed), /dev/kvm and the
	 * CPUID to give it (owned). */
	int kvm_fd, vm_fd;
	struct sc_kvm_cpuid2 *cpuid;
	int vcpu;  /* -1 until made */
	struct sc_kvm_run *run;
	size_t run_size;
	struct sc_page_tables tables;
	struct sc_kvm_sregs sregs;  /* long mode at CPL3, loaded again after resets */
	int cr3_stale;
	/* The vCPU stopped at the batch-done `out`: the next run starts a new
	 * batch by itself, so no KVM_SET_REGS is needed. */
	int at_batch_start;
	uint32_t harness_slot;  /* raw slot number (address space 0) */
	unsigned guest_phys_bits;
	int intact;  /* 0 once the harness slot was changed or made private */
	char vcpu_error[192];  /* why the vCPU could not be made; "" while it could */
	struct sc_probe_stats stats;
};

/* Options as the harness has them by default. */
struct sc_probe_options sc_probe_default_options(void);

/* Setup, step 1: zeroes *p, maps the harness memory with the probe program
 * and adds the harness slot to vm_fd. 0, or -1 with `error` naming the step
 * and errno; sc_probe_release() either way. */
int sc_probe_add_slot(struct sc_probe *p, int kvm_fd, int vm_fd, const struct sc_probe_options *options,
		      char *error, size_t error_size);
/* Setup, step 2: takes what KVM_GET_SUPPORTED_CPUID returned (copied):
 * the guest's MAXPHYADDR, and the page tables in the form it allows. */
int sc_probe_set_cpuid(struct sc_probe *p, const struct sc_kvm_cpuid2 *supported, char *error, size_t error_size);
/* Releases the vCPU, its run page, the harness memory and the CPUID copy. */
void sc_probe_release(struct sc_probe *p);

/* The vCPU's MAXPHYADDR bound: a guest cannot address physical memory at or
 * above 2^bits (a page-table entry pointing there has reserved bits set, and
 * the access ends in a #PF the probe cannot deliver: KVM_EXIT_INTERNAL_ERROR,
 * suberror 3, seen on 7.3). So the probe maps and touches only gpas below
 * min(2^bits, SC_GUEST_ACCESS_LIMIT). */
uint64_t sc_probe_access_limit(const struct sc_probe *p);
/* 1 when gpa .. gpa+len is below the access limit and outside the harness slot. */
int sc_probe_accessible(const struct sc_probe *p, uint64_t gpa, uint64_t len);
/* Makes the vCPU if it is not made yet; 0 when it cannot be (vcpu_error says why). */
int sc_probe_ensure_vcpu(struct sc_probe *p);

/* One access of a batch, and its outcome. */
struct sc_access {
	uint64_t op;  /* SC_PROBE_OP_READ, _WRITE or _DIGEST */
	uint64_t gpa;  /* a digest's gpa is its page address */
	uint64_t value;
	struct sc_outcome out;
	int done;
};

/* One outcome per access, in order (batch.c). The vCPU is made at the first
 * access that needs it; without it every access is noprobe. */
void sc_probe_run_batch(struct sc_probe *p, struct sc_access *accesses, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SC_PROBE_H */
