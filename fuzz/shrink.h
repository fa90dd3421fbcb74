// Shrinking a failing fuzz sequence with the minimizer (model/minimize.h),
// judged by the same oracle that found it, keeping the same failure.
#pragma once

#include <cstdint>

#include "harness/sequence_oracle.h"

namespace slotcheck::fuzz {

struct ShrinkResult {
    Sequence sequence;  // the smallest sequence that still fails the same way
    Verdict verdict;    // its verdict
    uint64_t candidates = 0;
    double seconds = 0;
    bool cut_short = false;  // the budget ran out before the result was 1-minimal
};

ShrinkResult shrink_failure(const Sequence& seq, const Verdict& verdict, const JudgeOptions& judge_options,
                            Sameness same, double budget_s);

}  // namespace slotcheck::fuzz
