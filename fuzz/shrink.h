// Shrinking a failing fuzz sequence with the minimizer (replay/minimize.h),
// judged by the same oracle that found it, keeping the same failure.
#pragma once

#include <cstdint>

#include "replay/sequence_oracle.h"

namespace slotcheck::fuzz {

struct ShrinkResult {
    Sequence sequence;  // the smallest sequence that still fails the same way
    Verdict verdict;    // its verdict
    uint64_t candidates = 0;
    double seconds = 0;
    bool cut_short = false;  // the budget ran out before the result was 1-minimal
};

// Candidates the model expects to hold more than `kernel_memory_limit`
// bytes of kernel memory are never run on a kernel: removing a step (a
// delete, a step that made a later create fail) or simplifying a value can
// raise the total above the failing sequence's.
ShrinkResult shrink_failure(const Sequence& seq, const Verdict& verdict, const JudgeOptions& judge_options,
                            Sameness same, double budget_s, uint64_t kernel_memory_limit);

}  // namespace slotcheck::fuzz
