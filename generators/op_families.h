// The operation families of the stateful generator. Each draws a short run
// of operations (usually one; a few where a situation needs a before and an
// after, like "write a page, punch it, read it") from the current state.
// They run inside rc::gen::exec (generators/draw.h) and never apply what they
// return: the caller applies each operation to the state in order. Every
// handle they use exists by then, so the runs always pass validate_handles().
#pragma once

#include <vector>

#include "generators/generation_state.h"
#include "seq/ops.h"

namespace slotcheck::gen {

// Plausible: what a careful VMM would do, on live handles, with values that
// fit, yet aimed at the edges (adjacent ranges, ends of files). Implausible:
// one field or one handle deliberately wrong (closed fds, unaligned or
// wrapping values, ids past the limits), so every rejection rule is tried.
enum class Intent : uint8_t { Plausible, Implausible };

using Ops = std::vector<Op>;

// vm_ops.cpp: KVM_CREATE_VM with good and bad types, closing a VM.
Ops vm_ops(GenerationState& s, Intent intent);
// attribute_ops.cpp: KVM_SET_MEMORY_ATTRIBUTES over slot ranges.
Ops attribute_ops(GenerationState& s, Intent intent);
// file_ops.cpp: guest_memfd and memfd creation, closing files.
Ops file_ops(GenerationState& s, Intent intent);
// fallocate_ops.cpp: punch and allocate on both file kinds, every mode.
Ops fallocate_ops(GenerationState& s, Intent intent);
// mapping_ops.cpp: mmap (aliasing pairs included) and munmap.
Ops mapping_ops(GenerationState& s, Intent intent);
// host_access_ops.cpp: reads and writes through mappings.
Ops host_access_ops(GenerationState& s, Intent intent);
// region_ops.cpp: memslot creation, modification and deletion, v1 and v2.
Ops region_ops(GenerationState& s, Intent intent);
// guest_access_ops.cpp: probe reads and writes at slot edges.
Ops guest_access_ops(GenerationState& s, Intent intent);

}  // namespace slotcheck::gen
