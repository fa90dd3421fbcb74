/* The probe's identity map (page_tables.h). */
#include <string.h>

#ifndef SC_REPRODUCER
#include "harness/c/layout.h"
#include "harness/c/page_tables.h"
#endif

#define SC_PTE_TABLE 0x7ull  /* present, writable, user */
#define SC_PTE_LEAF 0x87ull  /* ... and a large page */
#define SC_PTE_PRESENT 0x1ull
#define SC_GIB (1ull << 30)
#define SC_TWO_MIB (1ull << 21)
#define SC_PML4_ENTRIES (SC_GUEST_ACCESS_LIMIT >> 39) /* 256 */

SC_STATIC_ASSERT(SC_PROBE_TABLE_POOL_PAGES >= SC_PML4_ENTRIES + 1, "the pool must hold the 1 GiB tables");

static uint64_t *sc_table(const struct sc_page_tables *t, uint64_t offset)
{
	return (uint64_t *)(t->mem + offset);
}

static uint64_t sc_pml4_offset(const struct sc_page_tables *t)
{
	return t->root ? SC_PROBE_PML4_1 : SC_PROBE_PML4_0;
}

/* The offset of a zeroed pool page, or 0 when the pool is empty. */
static uint64_t sc_alloc_table(struct sc_page_tables *t)
{
	uint64_t off;

	if (t->pool_used >= t->pool_pages)
		return 0;
	off = SC_PROBE_TABLE_POOL + t->pool_used++ * SC_PAGE_SIZE;
	memset(t->mem + off, 0, SC_PAGE_SIZE);
	return off;
}

/* 2 MiB form: adds the PDPT and PD of one 1 GiB region; 0 when the pool is empty. */
static int sc_map_gib_region(struct sc_page_tables *t, uint64_t gib)
{
	uint64_t *pml4 = sc_table(t, sc_pml4_offset(t));
	uint64_t i = gib / 512, j = gib % 512, off, *pdpt, *pd;

	if (!(pml4[i] & SC_PTE_PRESENT)) {
		off = sc_alloc_table(t);
		if (!off)
			return 0;
		pml4[i] = (SC_HARNESS_GPA + off) | SC_PTE_TABLE;
	}
	pdpt = sc_table(t, (pml4[i] & ~0xfffull) - SC_HARNESS_GPA);
	if (pdpt[j] & SC_PTE_PRESENT)
		return 1;
	off = sc_alloc_table(t);
	if (!off)
		return 0;
	pd = sc_table(t, off);
	for (uint64_t k = 0; k < 512; ++k)
		pd[k] = (gib * SC_GIB + k * SC_TWO_MIB) | SC_PTE_LEAF;
	pdpt[j] = (SC_HARNESS_GPA + off) | SC_PTE_TABLE;
	return 1;
}

void sc_page_tables_init(struct sc_page_tables *t, uint8_t *harness, int one_gib_pages, uint64_t limit,
			 uint64_t pool_limit)
{
	t->mem = harness;
	t->one_gib = one_gib_pages;
	t->root = 0;
	t->pool_used = 0;
	t->pool_pages = SC_PROBE_TABLE_POOL_PAGES;
	if (pool_limit != 0 && pool_limit < SC_PROBE_TABLE_POOL_PAGES)
		t->pool_pages = pool_limit < 6 ? 6 : pool_limit;  /* the harness region's tables and one entry's */
	t->limit = limit > SC_GUEST_ACCESS_LIMIT ? SC_GUEST_ACCESS_LIMIT : limit;
	if (t->one_gib) {
		uint64_t *pml4 = sc_table(t, SC_PROBE_PML4_0);

		for (uint64_t i = 0; i < SC_PML4_ENTRIES; ++i) {
			uint64_t pdpt_off = SC_PROBE_TABLE_POOL + i * SC_PAGE_SIZE;
			uint64_t *pdpt = sc_table(t, pdpt_off);

			pml4[i] = (SC_HARNESS_GPA + pdpt_off) | SC_PTE_TABLE;
			for (uint64_t j = 0; j < 512; ++j) {
				uint64_t base = (i * 512 + j) * SC_GIB;

				pdpt[j] = base < t->limit ? (base | SC_PTE_LEAF) : 0;
			}
		}
		return;
	}
	t->root = 1;  /* the reset flips to root 0 */
	sc_page_tables_reset(t);
}

uint64_t sc_page_tables_cr3(const struct sc_page_tables *t)
{
	return SC_HARNESS_GPA + sc_pml4_offset(t);
}

void sc_page_tables_reset(struct sc_page_tables *t)
{
	if (t->one_gib)
		return;
	t->root ^= 1;
	t->pool_used = 0;
	memset(sc_table(t, sc_pml4_offset(t)), 0, SC_PAGE_SIZE);
	/* The probe's own code, stack and control page must always translate. */
	sc_map_gib_region(t, SC_HARNESS_GPA / SC_GIB);
}

int sc_page_tables_try_map(struct sc_page_tables *t, uint64_t va, uint64_t len)
{
	uint64_t last;

	if (t->one_gib || len == 0 || va >= t->limit)
		return 1;
	last = va + len - 1;
	if (last < va || last >= t->limit)
		last = t->limit - 1;
	for (uint64_t gib = va / SC_GIB; gib <= last / SC_GIB; ++gib)
		if (!sc_map_gib_region(t, gib))
			return 0;
	return 1;
}
