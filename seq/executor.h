// The interface between the differ and whatever executes a sequence: the
// reference model (model/world.h) or a real kernel (harness/kvm_backend.h).
// Both answer the same operations and the same observation requests, so the
// differ compares like with like.
#pragma once

#include <vector>

#include "seq/ops.h"
#include "seq/outcome.h"

namespace slotcheck {

// A place to observe in a `check`: the guest view of one page (gpa page
// aligned) or the host view of one page of a mapping (offset page aligned).
struct ObservationRequest {
    Observation::Where where = Observation::Where::Guest;
    Handle handle{};
    uint64_t address = 0;
    friend bool operator==(const ObservationRequest&, const ObservationRequest&) = default;
};

class Executor {
public:
    virtual ~Executor() = default;
    // Performs one operation (never Check) and reports what userspace saw.
    virtual Outcome apply(const Op& op) = 0;
    // Observes each requested page: Value outcomes carry page_digest() of the
    // 4096 bytes; failures carry the fault (Mmio, MemoryFault, RunError,
    // Sigbus, Sigsegv, NoProbe).
    virtual std::vector<Observation> observe(const std::vector<ObservationRequest>& requests) = 0;
};

}  // namespace slotcheck
