// The baseline the replay and fuzz benchmarks compare against: a plain C
// loop of raw ioctls with no model, no isolation and no observation. Each
// round creates a one-page guest_memfd slot, punches its page and deletes
// the slot (3 ops). Returns ops/s, or 0 when /dev/kvm cannot be set up.
// With `touch_pages`, the loop writes a byte in that many pages of its own
// after each memslot change: what it costs a program to come back to its
// data after the kernel put it to sleep (docs/performance.md).
#pragma once

#include <cstdint>

namespace slotcheck {

double raw_ioctl_loop(int rounds, uint64_t file_size, int touch_pages = 0);

}  // namespace slotcheck
