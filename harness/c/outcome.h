/*
 * What one operation did, as userspace sees it: the C form of
 * seq/outcome.h's Outcome (harness/c_core.h converts).
 */
#ifndef SC_OUTCOME_H
#define SC_OUTCOME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

struct sc_outcome sc_ok(void);
struct sc_outcome sc_error(int err);
struct sc_outcome sc_value(uint64_t value);
struct sc_outcome sc_sigbus(void);
struct sc_outcome sc_sigsegv(void);
struct sc_outcome sc_timeout(void);
struct sc_outcome sc_noprobe(void);
struct sc_outcome sc_mmio(uint64_t gpa, int is_write);
struct sc_outcome sc_memfault(int err, uint64_t flags, uint64_t gpa, uint64_t size);
struct sc_outcome sc_run_error(int err, uint32_t exit_reason);
/* ok for rc >= 0, else the errno */
struct sc_outcome sc_result(long rc);

#ifdef __cplusplus
}
#endif

#endif /* SC_OUTCOME_H */
