// The executor core (harness/c/, C11 and libc only) seen from C++.
//
// The code that performs a sequence on a kernel exists once, in C: the KVM
// uapi, the probe's page tables, vCPU setup, the timed KVM_RUN, the batch
// runner and the guarded host accesses. The harness calls it through thin
// RAII classes (guest_probe.h, host_access.h); every reproducer that
// `slotcheck emit-c` writes embeds the same files verbatim
// (csource/emit_c.cmake), so both run the same code.
#pragma once

#include "harness/c/host_access.h"
#include "harness/c/kernel_facts.h"
#include "harness/c/layout.h"
#include "harness/c/ops.h"
#include "harness/c/outcome.h"
#include "harness/c/page_tables.h"
#include "harness/c/probe.h"
#include "harness/c/run_timer.h"
#include "harness/c/uapi.h"
#include "harness/c/vcpu.h"
#include "seq/layout.h"
#include "seq/outcome.h"

namespace slotcheck {

// The core's copy of the model's numbers (harness/c/layout.h) must be the model's.
static_assert(SC_PAGE_SIZE == kPageSize);
static_assert(SC_HARNESS_GPA == kHarnessGpa);
static_assert(SC_HARNESS_SIZE == kHarnessSize);
static_assert(SC_GUEST_ACCESS_LIMIT == kGuestAccessLimit);
static_assert(SC_MMIO_FILLER == kMmioFiller);
static_assert(SC_DIGEST_PRIME == kDigestPrime);

inline Outcome to_outcome(const sc_outcome& o) {
    switch (o.kind) {
    case SC_OK: return Outcome::ok();
    case SC_ERRNO: return Outcome::error(o.err);
    case SC_VALUE: return Outcome::read_value(o.value);
    case SC_SIGBUS: return Outcome::sigbus();
    case SC_SIGSEGV: return Outcome::sigsegv();
    case SC_MMIO: return Outcome::mmio(o.gpa, o.is_write != 0);
    case SC_MEMFAULT: return Outcome::memory_fault(o.err, o.flags, o.gpa, o.size);
    case SC_RUN_ERROR: return Outcome::run_error(o.err, o.exit_reason);
    case SC_TIMEOUT: return Outcome::timeout();
    case SC_NOPROBE: return Outcome::no_probe();
    }
    return Outcome::no_probe();
}

}  // namespace slotcheck
