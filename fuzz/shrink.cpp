#include "fuzz/shrink.h"

#include <chrono>
#include <string>

#include "model/kernel_memory.h"
#include "replay/minimize.h"

namespace slotcheck::fuzz {

ShrinkResult shrink_failure(const Sequence& seq, const Verdict& verdict, const JudgeOptions& judge_options,
                            Sameness same, double budget_s, uint64_t kernel_memory_limit) {
    const auto t0 = std::chrono::steady_clock::now();
    ShrinkResult r;
    r.sequence = seq;
    r.verdict = verdict;
    // The candidate that last failed the same way, with its verdict, so the
    // finding reports the divergence of the shrunk sequence itself.
    uint64_t tried = 0;
    // Candidates are judged once: the result is re-run below, and re-running
    // every failing candidate would triple the cost of shrinking.
    JudgeOptions candidate_options = judge_options;
    candidate_options.runs = 1;
    auto still_fails = [&](const Sequence& candidate) {
        if (judge_options.oracle == OracleKind::Kernel &&
            first_step_over(candidate, judge_options.profile, kernel_memory_limit))
            return false;
        Verdict v = judge(candidate, candidate_options, "shrink candidate " + std::to_string(++tried));
        if (!same_failure(verdict, v, same)) return false;
        r.verdict = v;
        return true;
    };
    MinimizeOptions options;
    options.progress = [&](const MinimizeProgress& p) {
        if (judge_options.on_activity)
            judge_options.on_activity("shrinking " + std::to_string(seq.steps.size()) + " -> " +
                                      std::to_string(p.length) + " ops");
    };
    options.deadline = t0 + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(budget_s));
    MinimizeResult m = minimize(without_expectations(seq), still_fails, options);
    r.sequence = std::move(m.sequence);
    r.candidates = m.candidates;
    r.cut_short = !m.one_minimal;
    // The minimizer's last accepted candidate may not be the final sequence
    // (a later transformation such as renumbering is accepted without a
    // changed verdict); judge the result once more so verdict and sequence
    // belong together. This judgement re-runs a failure (judge_options.runs),
    // so the finding says how often its shrunk form reproduces.
    Verdict final_verdict = judge(r.sequence, judge_options, "shrink result");
    if (final_verdict.failed() || final_verdict.status == Verdict::Status::Flaky) r.verdict = final_verdict;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace slotcheck::fuzz
