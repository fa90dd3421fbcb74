/*
 * Host-side reads, writes and page digests of memory that may fault.
 *
 * A host access to a sequence's mapping is an observation like any other: a
 * guest_memfd mapping without INIT_SHARED raises SIGBUS, an unmapped arena
 * address raises SIGSEGV. Both are caught (handlers installed once per
 * process, a thread-local sigsetjmp buffer) and reported as outcomes instead
 * of killing the process. Faults outside these functions still reach the
 * previous handler (default: crash), so real bugs stay loud.
 */
#ifndef SC_HOST_ACCESS_H
#define SC_HOST_ACCESS_H

#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/outcome.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Reads `width` (1 or 8) bytes at addr with one load: the value, sigbus or
 * sigsegv; error(EINVAL) for any other width. */
struct sc_outcome sc_host_read(uint64_t addr, unsigned width);
/* Writes the low `width` bytes of value with one store: ok, sigbus, sigsegv. */
struct sc_outcome sc_host_write(uint64_t addr, unsigned width, uint64_t value);
/* page_digest() of the 4096 bytes at addr, read word by word. */
struct sc_outcome sc_host_digest_page(uint64_t addr);

#ifdef __cplusplus
}
#endif

#endif /* SC_HOST_ACCESS_H */
