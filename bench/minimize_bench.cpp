// Minimizing a 1,000-operation failing sequence (a known 4- or 6-step core
// padded with unrelated operations, tests/support/padded_failure.h): against
// the model with a mutant rule everywhere, and against /dev/kvm with the
// same mutant in the model when the device is there (`scripts/bench-in-vm
// minimize_bench` runs it inside qemu). Prints time, candidates judged and
// the final length. Target (docs/performance.md): within 20 s against
// /dev/kvm.
#include <chrono>
#include <cstdio>
#include <string>

#include "harness/kernel_facts.h"
#include "replay/minimize.h"
#include "replay/sequence_oracle.h"
#include "tests/support/padded_failure.h"

using namespace slotcheck;

namespace {

constexpr size_t kLength = 1000;

void run(const char* name, const Sequence& core, RuleId mutant, OracleKind oracle) {
    const Sequence input = gen::padded(core, kLength - core.steps.size() - 4, 1);
    JudgeOptions options;
    options.oracle = oracle;
    options.mutant = mutant;
    const Verdict first = judge(input, options);
    if (!first.failed()) {
        std::printf("%-12s %-6s the padded sequence does not fail: %s\n", name, oracle_kind_name(oracle).c_str(),
                    first.detail.c_str());
        return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const MinimizeResult r = minimize(input, [&](const Sequence& c) {
        const Verdict v = judge(c, options);
        return v.failed() && same_failure(first, v, Sameness::Rule);
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%-12s %-6s %5zu -> %zu steps  %7.2f s  %4zu candidates  %6.1f ms/candidate%s\n", name,
                oracle_kind_name(oracle).c_str(), r.original_length, r.sequence.steps.size(), s, r.candidates,
                1000 * s / static_cast<double>(r.candidates), r.one_minimal ? "" : "  (not 1-minimal)");
}

}  // namespace

int main() {
    std::printf("minimize a %zu-step sequence, same failure by rule\n", kLength);
    run("bind-overlap", gen::bind_overlap_core(), RuleId::BindOverlap, OracleKind::Model);
    run("punch", gen::punch_core(), RuleId::GmemPunch, OracleKind::Model);
    std::string why;
    if (!kvm_available(why)) {
        std::printf("kernel oracle skipped: %s\n", why.c_str());
        return 0;
    }
    std::printf("kernel %s\n", gather_kernel_facts().release.c_str());
    run("bind-overlap", gen::bind_overlap_core(), RuleId::BindOverlap, OracleKind::Kernel);
    run("punch", gen::punch_core(), RuleId::GmemPunch, OracleKind::Kernel);
    return 0;
}
