// A judge's long-lived kernel child: JudgeOptions::judging_child.
//
// Instead of a fork per run (run_isolated), one PersistentChild
// (harness/persistent_child.h) replays sequence after sequence, each on a
// fresh executor (a fresh KvmBackend, so a fresh VM, or make_kernel()),
// and is replaced after a crash, a timeout or a failed leak check. The
// verdict of a run is read the same way either way (verdict_of_child), so
// the verdicts are the same.
#pragma once

#include <chrono>

#include "harness/persistent_child.h"
#include "replay/sequence_oracle.h"

namespace slotcheck {

class JudgingChild {
public:
    // The child judges with the profile and make_kernel of `options`, fixed
    // when it is forked; each request carries the sequence and the replay
    // switches (expectations, invariants, mutant) of its call.
    explicit JudgingChild(const JudgeOptions& options);

    // One run of `seq` on a fresh kernel in the child, at most `limit` long.
    IsolatedResult run(const Sequence& seq, const JudgeOptions& options, std::chrono::milliseconds limit);

    const PersistentChild& process() const { return child_; }

private:
    PersistentChild child_;
};

// A JudgingChild for `options`, to put in options.judging_child.
std::shared_ptr<JudgingChild> make_judging_child(const JudgeOptions& options);

}  // namespace slotcheck
