/* The constructors of outcome.h. */
#include <errno.h>

#ifndef SC_REPRODUCER
#include "harness/c/outcome.h"
#endif

struct sc_outcome sc_ok(void)
{
	struct sc_outcome o = {.kind = SC_OK};
	return o;
}

struct sc_outcome sc_error(int err)
{
	struct sc_outcome o = {.kind = SC_ERRNO};
	o.err = err;
	return o;
}

struct sc_outcome sc_value(uint64_t value)
{
	struct sc_outcome o = {.kind = SC_VALUE};
	o.value = value;
	return o;
}

struct sc_outcome sc_sigbus(void)
{
	struct sc_outcome o = {.kind = SC_SIGBUS};
	return o;
}

struct sc_outcome sc_sigsegv(void)
{
	struct sc_outcome o = {.kind = SC_SIGSEGV};
	return o;
}

struct sc_outcome sc_timeout(void)
{
	struct sc_outcome o = {.kind = SC_TIMEOUT};
	return o;
}

struct sc_outcome sc_noprobe(void)
{
	struct sc_outcome o = {.kind = SC_NOPROBE};
	return o;
}

struct sc_outcome sc_mmio(uint64_t gpa, int is_write)
{
	struct sc_outcome o = {.kind = SC_MMIO};
	o.gpa = gpa;
	o.is_write = is_write;
	return o;
}

struct sc_outcome sc_memfault(int err, uint64_t flags, uint64_t gpa, uint64_t size)
{
	struct sc_outcome o = {.kind = SC_MEMFAULT};
	o.err = err;
	o.flags = flags;
	o.gpa = gpa;
	o.size = size;
	return o;
}

struct sc_outcome sc_run_error(int err, uint32_t exit_reason)
{
	struct sc_outcome o = {.kind = SC_RUN_ERROR};
	o.err = err;
	o.exit_reason = exit_reason;
	return o;
}

struct sc_outcome sc_result(long rc)
{
	return rc < 0 ? sc_error(errno) : sc_ok();
}
