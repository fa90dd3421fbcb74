// Host-side reads, writes and page digests of memory that may fault: the
// executor core's (harness/c/host_access.h) with model outcomes.
//
// A host access to a sequence's mapping is an observation like any other:
// a guest_memfd mapping without INIT_SHARED raises SIGBUS, an unmapped arena
// address raises SIGSEGV. Both are caught (handlers installed once per
// process, a thread-local sigsetjmp buffer) and reported as outcomes instead
// of killing the process. Faults outside these functions still reach the
// previous handler (default: crash), so real harness bugs stay loud.
#pragma once

#include <cstdint>

#include "seq/outcome.h"

namespace slotcheck {

// Reads `width` (1 or 8) bytes at addr with one load: Outcome::read_value,
// sigbus or sigsegv; error(EINVAL) for any other width.
Outcome host_read(uint64_t addr, unsigned width);
// Writes the low `width` bytes of value with one store: ok, sigbus, sigsegv.
Outcome host_write(uint64_t addr, unsigned width, uint64_t value);
// page_digest() of the 4096 bytes at addr, read word by word.
Outcome host_digest_page(uint64_t addr);

}  // namespace slotcheck
