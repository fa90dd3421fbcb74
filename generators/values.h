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
// Byte values at the top of the signed and unsigned ranges, where offset
// arithmetic goes negative or wraps: 2^63 and 2^64, a page or a byte either
// side.
rc::Gen<uint64_t> near_top_u64();
// A byte offset to add to an aligned value to break its alignment: a byte,
// 8 bytes (so guest and host accesses stay valid), half a page, a page - 1.
rc::Gen<uint64_t> misalignment();
// A value to write: never zero, so a later read of zero shows the page was
// really punched or replaced.
rc::Gen<uint64_t> written_value();

}  // namespace slotcheck::gen
