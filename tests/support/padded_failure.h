// Long failing sequences with a known small core, for testing and timing
// minimizers: the core's operations spread over a stream of unrelated
// operations (their own VM, guest_memfd, memfd and mapping, plus reads of
// unmapped gpas of the core's VM) that neither the bind-overlap nor the
// punch mutant changes. Deterministic for a given seed.
#pragma once

#include <cstdint>

#include "seq/sequence.h"

namespace slotcheck::gen {

// Four steps on v0/g0 whose last one binds file offsets the third already
// bound: EEXIST upstream, ok under the mutant gmem.bind-overlap. Four is
// minimal: the guest_memfd needs its VM, and an overlap needs two bindings.
// The values are deliberately unround (a gpa of 0x7f3a000, offsets 0x2000
// and 0x3000 into an 0x8000-byte file).
Sequence bind_overlap_core();

// Six steps on v0/g0: bind a page, the guest writes it, punch it, the guest
// reads it back: 0 upstream, the written value under the mutant gmem.punch.
Sequence punch_core();

// `core` with `padding` unrelated steps woven in; the core's steps keep
// their order and land at evenly spread positions.
Sequence padded(const Sequence& core, size_t padding, uint64_t seed);

}  // namespace slotcheck::gen
