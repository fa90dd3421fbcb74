// The point of a sequence file: the step or steps whose outcome it tests,
// and whether a replay got there. A file whose setup failed (its guest_memfd
// refused at step 2, say) may still agree with the model step by step, on a
// chain of errors, and test nothing: such a file did not reach its point,
// which is never a pass (docs/sequence-format.md "The point of a file").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"
#include "replay/differ.h"
#include "seq/sequence.h"

namespace slotcheck {

// The last step of a file's point: the last step marked `point`; where none
// is marked, the last step with a written expectation; nothing when the file
// writes none (it states nothing). Gathered a step at a time.
class PointFinder {
public:
    void add(size_t index, const Step& step);
    struct Last {
        size_t index = 0;
        int line = 0;
        Op op;
    };
    std::optional<Last> last() const { return marked_ ? marked_ : expected_; }

private:
    std::optional<Last> marked_, expected_;
};

std::optional<PointFinder::Last> last_point_step(const Sequence& seq);

struct PointReach {
    bool reached = true;
    // Why not: the first step before the point that the file writes to
    // succeed (`ok` or a value, read under the profile) and that did not,
    // or that the replay stopped before the point, and its line (0 then).
    std::optional<size_t> blocked_at;
    int blocked_line = 0;
    std::string why;
};

// Whether a replay under `profile` reached the file's point, followed a step
// at a time (ReplayOptions::on_step): it ran the last point step, and every
// step before it that is not itself a point step and whose written outcome
// is a success succeeded there (on the kernel when there was one, else on
// the model). Outcomes other than success before the point (an expected
// EINVAL) are the file's business, checked as expectations.
class PointWatch {
public:
    PointWatch(const Profile& profile, std::optional<PointFinder::Last> last) : profile_(profile), last_(std::move(last)) {}
    void see(const Step& step, const StepRecord& rec);
    // The verdict once the replay ran `steps_run` steps.
    PointReach reach(size_t steps_run) const;

private:
    const Profile& profile_;
    std::optional<PointFinder::Last> last_;
    PointReach blocked_;
};

// The same for a sequence in memory and a report that kept every step.
PointReach point_reach(const Sequence& seq, const Profile& profile, const ReplayReport& report);

}  // namespace slotcheck
