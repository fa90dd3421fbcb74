// The point of a sequence file: the step or steps whose outcome it tests,
// and whether a replay got there. A file whose setup failed (its guest_memfd
// refused at step 2, say) may still agree with the model step by step, on a
// chain of errors, and test nothing: such a file did not reach its point,
// which is never a pass (docs/sequence-format.md "The point of a file").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/differ.h"
#include "model/profile.h"
#include "model/sequence.h"

namespace slotcheck {

// The 0-based steps marked `point`; where none is marked, the last step with
// a written expectation; empty when the file writes none (it states nothing).
std::vector<size_t> point_steps(const Sequence& seq);

struct PointReach {
    bool reached = true;
    std::vector<size_t> point;  // point_steps()
    // Why not: the first step before the point that the file writes to
    // succeed (`ok` or a value, read under the profile) and that did not,
    // or that the replay stopped before the point.
    std::optional<size_t> blocked_at;
    std::string why;
};

// Whether `report` (a replay of `seq` under `profile`) reached the file's
// point: it ran the last point step, and every step before it that is not
// itself a point step and whose written outcome is a success succeeded
// there (on the kernel when there was one, else on the model). Outcomes
// other than success before the point (an expected EINVAL) are the file's
// business, checked as expectations.
PointReach point_reach(const Sequence& seq, const Profile& profile, const ReplayReport& report);

}  // namespace slotcheck
