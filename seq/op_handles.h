// Which handles an operation creates and which it names, for code that
// edits sequences (the minimizer drops or repairs the uses of a handle whose
// creation it removed).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "seq/ops.h"

namespace slotcheck {

// The handle the op creates (vm, gmem, memfd, mmap), if any.
std::optional<Handle> created_handle(const Op& op);

// Every handle the op names as an argument, not counting the one it creates:
// the VM of a gmem, the file of an mmap, a region's VM, uaddr mapping and
// guest_memfd fd, the target of a close, and so on.
std::vector<Handle> used_handles(const Op& op);

// Calls `rename` on every handle the op creates or names, in place.
void rename_handles(Op& op, const std::function<void(Handle&)>& rename);

}  // namespace slotcheck
