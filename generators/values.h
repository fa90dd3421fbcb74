// Value generators biased toward the boundaries where kernels break: page
// multiples and their neighbours, sizes near 2^31 pages, offsets near 2^63
// and 2^64, the slot-id limit.
#pragma once

#include <rapidcheck.h>

#include <cstdint>

namespace slotcheck::gen {

// Any u64, mostly "interesting": small page multiples, values one off a
// page multiple, powers of two and their neighbours, the top of the range.
rc::Gen<uint64_t> interesting_u64();
// A page-aligned value below `limit_pages` pages, sometimes unaligned.
rc::Gen<uint64_t> page_value(uint64_t limit_pages, int unaligned_percent);
// A small count of pages (1..16) times the page size, sometimes 0 or huge.
rc::Gen<uint64_t> size_value();

}  // namespace slotcheck::gen
