// The C call that performs one operation of a sequence in an emitted
// program (the sc_* helpers of csource/emit_c_prelude.c), and the handle
// variables those calls name.
#pragma once

#include <set>
#include <string>

#include "seq/executor.h"
#include "seq/ops.h"

namespace slotcheck {

class EmitCCalls {
public:
    // A C expression of type struct sc_outcome that performs `op` (never Check).
    std::string call(const Op& op);
    // The initializer of one struct sc_page for an observation request.
    std::string page(const ObservationRequest& request, const std::string& want);
    // One static variable per handle any call named, in handle order.
    std::string declarations() const;

    // Pieces of calls, recording the handles they name.
    std::string handle(const Handle& h);      // "&v0"
    std::string fd(const Handle& h);          // "v0.fd"; a mapping has no fd: "-1"
    std::string fd(const FdRef& ref);         // also sc_kvm, -1, SC_NEVER_OPEN_FD
    std::string address(const HostAddr& a);   // "sc_arena(3) + 0x10", or a raw number

private:
    std::set<Handle> used_;
};

}  // namespace slotcheck
