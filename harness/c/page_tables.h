/*
 * The probe's page tables: guest virtual = guest physical for [0, limit)
 * (limit = min(2^47, 2^MAXPHYADDR)), user-accessible and writable
 * everywhere, held in the harness slot.
 *
 * Preferred form (CPUID pdpe1gb, which qemu -cpu max and current hardware
 * report): one PML4 whose 256 low entries point at 256 PDPTs of 1 GiB pages.
 * That is 257 pages, fully built once, never changed.
 *
 * Fallback without 1 GiB pages: identity mapping [0, 2^47) with 2 MiB pages
 * would take 128 Ki page directories (512 MiB), far more than the 2 MiB slot.
 * So tables are built on demand: before each run the probe calls
 * sc_page_tables_try_map() for every address the run will touch, which adds
 * the PDPT and PD (512 x 2 MiB pages) of that 1 GiB region from a pool of
 * table pages. Filling non-present entries needs no TLB flush (x86 caches no
 * not-present entries). When the pool is full, the probe ends the run's
 * chunk there, and at the start of the next chunk resets: every table is
 * dropped, which recycles table pages for other regions. A stale
 * paging-structure cache could then translate with the old contents, so the
 * rebuild goes into the *other* of two PML4 roots and the probe loads the new
 * CR3 with KVM_SET_SREGS; a CR3 change there makes KVM reset the vCPU's MMU
 * context and flush its guest TLB. Only a reset ever changes a present entry.
 */
#ifndef SC_PAGE_TABLES_H
#define SC_PAGE_TABLES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sc_page_tables {
	uint8_t *mem;  /* host view of the harness slot (SC_HARNESS_SIZE bytes) */
	int one_gib;
	int root;  /* which of SC_PROBE_PML4_0 / _1 is live */
	uint64_t pool_used, pool_pages;
	uint64_t limit;
};

/* Builds the tables in `harness`. Only gpas below `limit` (the guest's
 * 2^MAXPHYADDR, at most 2^47) are mapped: an entry pointing higher would have
 * reserved bits set. `pool_limit` caps the table pages of the 2 MiB form (0:
 * all of them); tests use a tiny pool to exercise the reset. */
void sc_page_tables_init(struct sc_page_tables *t, uint8_t *harness, int one_gib_pages, uint64_t limit,
			 uint64_t pool_limit);

/* gpa of the PML4 to load into CR3. */
uint64_t sc_page_tables_cr3(const struct sc_page_tables *t);

/* Makes [va, va + len) translatable; 0 when the table pool is full (part of
 * the range may be mapped then, which is harmless). */
int sc_page_tables_try_map(struct sc_page_tables *t, uint64_t va, uint64_t len);

/* Drops every mapping but the harness region's and switches roots: the
 * caller must load sc_page_tables_cr3() into the vCPU before the next run. */
void sc_page_tables_reset(struct sc_page_tables *t);

#ifdef __cplusplus
}
#endif

#endif /* SC_PAGE_TABLES_H */
