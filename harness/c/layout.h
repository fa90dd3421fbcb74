/*
 * The numbers the executor works with: the host layout it shares with the
 * model (seq/layout.h; harness/c_core.h pins each to it) and the layout
 * of the harness memslot that the probe program (guest_code.c) runs from.
 *
 * The harness slot (SC_HARNESS_GPA, SC_HARNESS_SIZE) is identity mapped like
 * all guest memory below 2^47, so each SC_PROBE_* offset is both a guest
 * virtual address and, added to SC_HARNESS_GPA, a guest physical one.
 */
#ifndef SC_LAYOUT_H
#define SC_LAYOUT_H

#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/uapi.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* From seq/layout.h and seq/outcome.h. */
#define SC_PAGE_SIZE 0x1000ull
#define SC_HARNESS_GPA 0xc0000000ull
#define SC_HARNESS_SIZE 0x200000ull
#define SC_GUEST_ACCESS_LIMIT (1ull << 47)
#define SC_MMIO_FILLER 0xeeeeeeeeeeeeeeeeull  /* what an MMIO read of the probe gets */
#define SC_DIGEST_PRIME 0x100000001b3ull      /* page_digest() */

/* The harness slot. */
#define SC_PROBE_CODE 0x0000ull       /* one page of code */
#define SC_PROBE_STACK_TOP 0x3000ull  /* stack: 0x1000..0x3000 (unused today) */
#define SC_PROBE_CONTROL 0x4000ull    /* struct sc_probe_control */
#define SC_PROBE_ENTRIES 0x5000ull    /* struct sc_probe_entry[] */
#define SC_PROBE_PML4_0 0xc0000ull    /* two roots: page_tables.h says why */
#define SC_PROBE_PML4_1 0xc1000ull
#define SC_PROBE_TABLE_POOL 0xc2000ull  /* PDPT and PD pages */
#define SC_PROBE_TABLE_POOL_PAGES ((SC_HARNESS_SIZE - SC_PROBE_TABLE_POOL) / SC_PAGE_SIZE)

/* Host -> guest, one per batch. 64 bytes so entries stay cache-line aligned. */
struct sc_probe_control {
	uint64_t count;        /* entries in this batch */
	uint64_t skip;         /* host sets 1 during a digest's first (MMIO) read: abandon the page */
	uint64_t current;      /* guest -> host: index of the entry being executed */
	uint64_t report_each;  /* 1: `out SC_PORT_ENTRY_DONE` after every entry */
	uint64_t reserved[4];
};
SC_STATIC_ASSERT(sizeof(struct sc_probe_control) == 64, "probe control");

#define SC_PROBE_OP_READ 1ull
#define SC_PROBE_OP_WRITE 2ull
#define SC_PROBE_OP_DIGEST 3ull

/* One access; `result` is written by the guest (the value read, or the digest). */
struct sc_probe_entry {
	uint64_t op;
	uint64_t addr;  /* guest virtual = guest physical */
	uint64_t value;
	uint64_t result;
};
SC_STATIC_ASSERT(sizeof(struct sc_probe_entry) == 32, "probe entry");  /* the code computes index << 5 */

#define SC_PROBE_MAX_ENTRIES ((SC_PROBE_PML4_0 - SC_PROBE_ENTRIES) / sizeof(struct sc_probe_entry))

#define SC_PORT_ENTRY_DONE 0x10  /* eax = index of the finished entry */
#define SC_PORT_BATCH_DONE 0x11

/* The probe's machine code (guest_code.c). Register contract at the loop
 * entry (SC_PROBE_CODE): r13 = control page VA, r12 = index of the next
 * entry, r14 = SC_DIGEST_PRIME, RFLAGS.IOPL = 3. After the
 * `out SC_PORT_BATCH_DONE` exit the guest sets r12 = 0 and jumps to the
 * loop entry when it is run again. */
#define SC_GUEST_CODE_SIZE 159
extern const uint8_t sc_guest_code[SC_GUEST_CODE_SIZE];

#ifdef __cplusplus
}
#endif

#endif /* SC_LAYOUT_H */
