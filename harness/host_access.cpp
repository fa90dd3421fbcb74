#include "harness/host_access.h"

#include "harness/c_core.h"

namespace slotcheck {

Outcome host_read(uint64_t addr, unsigned width) { return to_outcome(sc_host_read(addr, width)); }

Outcome host_write(uint64_t addr, unsigned width, uint64_t value) {
    return to_outcome(sc_host_write(addr, width, value));
}

Outcome host_digest_page(uint64_t addr) { return to_outcome(sc_host_digest_page(addr)); }

}  // namespace slotcheck
