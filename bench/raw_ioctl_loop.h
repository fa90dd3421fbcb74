// The baseline the replay and fuzz benchmarks compare against: a plain C
// loop of raw ioctls with no model, no isolation and no observation. Each
// round creates a one-page guest_memfd slot, punches its page and deletes
// the slot (3 ops). Returns ops/s, or 0 when /dev/kvm cannot be set up.
#pragma once

#include <cstdint>

namespace slotcheck {

double raw_ioctl_loop(int rounds, uint64_t file_size);

}  // namespace slotcheck
