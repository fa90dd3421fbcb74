// Seeded kernel bugs (label vm-mutant, docs/mutants.md): for each mutant,
// scripts/mutate-kernel builds the KVM modules of the scripts/build-kernel
// kernel with the bug put in, and `slotcheck vm --seconds 60` on it must
// report a divergence whose minimized sequence is no longer than the
// shortest sequence that can show that bug (or, for a bug that can wedge
// the kernel inside the buggy call, a kernel report whose sequence in
// flight triggers it). The control is the same fuzzing
// on the unmodified modules, which must find nothing: what the mutants
// trip over is the bug, not noise.
#include <gtest/gtest.h>

#include <string>

#include "tests/vm_summary.h"

namespace {

using namespace slotcheck::test;

struct BuiltKernel {
    std::string kernel, modules;
};

// The last "kernel: " and "modules: " lines of a build script's output.
BuiltKernel parse_paths(const std::string& output) {
    BuiltKernel k;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("kernel: ", 0) == 0) k.kernel = line.substr(8);
        if (line.rfind("modules: ", 0) == 0) k.modules = line.substr(9);
    }
    return k;
}

BuiltKernel mutant(const std::string& name) {
    const auto r = run_command((kSource / "scripts/mutate-kernel").string() + " " + name);
    EXPECT_EQ(r.status, 0) << r.output;
    return parse_paths(r.output);
}

// Without report reproduction: a mutant may also break the kernel (the
// bind-no-overlap-check one ends in a soft lockup in xa_store_range), and
// what these tests hold is the divergence and its shrinking; reproducing the
// report is vm.VmCommand.DelayedReportIsReproducedFromItsCauseAndMinimized's.
VmRun fuzz(const std::string& test, const BuiltKernel& k, unsigned seconds, const std::string& more = "") {
    return run_vm(test, "--kernel " + k.kernel + " --modules " + k.modules + " --seconds " + std::to_string(seconds) +
                            " --seed 1 --silence-seconds 60 --no-repro" + more);
}

TEST(VmMutant, UnmodifiedModulesFuzzClean) {
    const auto r = run_command((kSource / "scripts/build-kernel").string() + " 6.12");
    ASSERT_EQ(r.status, 0) << r.output;
    const BuiltKernel base = parse_paths(r.output);
    const auto run = fuzz("mutant-control", base, 60);
    EXPECT_EQ(run.command.status, 0) << run.command.output;
    ASSERT_EQ(run.summary.kernels.size(), 1u) << run.command.output;
    EXPECT_GT(total(run.summary.kernels[0].sequences_per_boot), 100u) << run.command.output;
    EXPECT_TRUE(run.summary.findings.empty()) << run.command.output;
}

struct MutantCase {
    const char* name;
    // The shortest sequence that can show the bug, and why it needs each
    // operation (docs/mutants.md); the minimizer must reach it.
    size_t shortest;
    // For a bug that can wedge the kernel inside the buggy call (then no
    // answer comes back to diverge): the model's mutant of the same rule.
    const char* model_mutant = nullptr;
};

void PrintTo(const MutantCase& c, std::ostream* os) { *os << c.name; }

class VmMutantIsFound : public testing::TestWithParam<MutantCase> {};

TEST_P(VmMutantIsFound, FoundAndMinimized) {
    const MutantCase& c = GetParam();
    const BuiltKernel k = mutant(c.name);
    ASSERT_FALSE(k.modules.empty());
    // The first finding ends the VM. Most mutants fall within seconds; the
    // stale page of release-no-zap needs its exact seven-step pattern, found
    // after 30-100 s (docs/mutants.md), so the bound is wider than that.
    const auto run = fuzz(std::string("mutant-") + c.name, k, 150, " --stop-on-finding");
    EXPECT_EQ(run.command.status, 1) << run.command.output;
    size_t divergences = 0, shortest = SIZE_MAX;
    for (const auto& f : run.summary.findings) {
        if (f.kind != "divergence") continue;
        ++divergences;
        const fs::path minimized = fs::path(f.dir) / "minimized.seq";
        ASSERT_TRUE(fs::exists(minimized)) << f.dir;
        shortest = std::min(shortest, sequence_steps(minimized).size());
    }
    if (divergences == 0 && c.model_mutant) {
        // The kernel locked up inside the buggy call before it could
        // answer: the finding is its report, and the sequence in flight must
        // be one that triggers the seeded bug. The model with the same rule
        // mutated says whether it does, and shrinks it to the bug's core.
        size_t reports = 0;
        for (const auto& f : run.summary.findings) {
            if (f.kind == "divergence") continue;
            ++reports;
            const fs::path in_flight = fs::path(f.dir) / "sequence.seq", core = fs::path(f.dir) / "model-core.seq";
            ASSERT_TRUE(fs::exists(in_flight)) << f.dir;
            const auto shown = run_command(std::string(SLOTCHECK_BINARY) + " minimize --model-only --mutant " +
                                           c.model_mutant + " --profile linux-6.12-sw-protected --out " +
                                           core.string() + " " + in_flight.string());
            // 1: it fails and was minimized (sys/exit_codes.h).
            EXPECT_EQ(shown.status, 1) << f.title << ": the sequence in flight does not trigger " << c.model_mutant
                                       << "\n" << shown.output;
            if (shown.status == 1) shortest = std::min(shortest, sequence_steps(core).size());
        }
        ASSERT_GT(reports, 0u) << "neither a divergence nor a kernel report\n" << run.command.output;
        EXPECT_LE(shortest, c.shortest) << run.command.output;
        return;
    }
    ASSERT_GT(divergences, 0u) << run.command.output;
    EXPECT_LE(shortest, c.shortest) << run.command.output;
}

INSTANTIATE_TEST_SUITE_P(
    Mutants, VmMutantIsFound,
    testing::Values(
        // vm type 1, gmem, private slot, PRIVATE attribute, a guest access
        // that maps the page, the punch, the access that sees the old page.
        MutantCase{"invalidate-one-page-short", 7},
        // the same with close instead of the punch.
        MutantCase{"release-no-zap", 7},
        // vm type 1, gmem, two slots on overlapping offsets. Some overlaps
        // make xa_store_range() loop (a soft lockup inside the bind).
        MutantCase{"bind-no-overlap-check", 4, "gmem.bind-overlap"},
        // vm (any type), gmem, an unaligned fallocate.
        MutantCase{"fallocate-unaligned-accepted", 3},
        // vm, an unaligned KVM_SET_MEMORY_ATTRIBUTES.
        MutantCase{"attributes-unaligned-accepted", 2}),
    [](const testing::TestParamInfo<MutantCase>& info) {
        std::string n = info.param.name;
        for (auto& ch : n)
            if (ch == '-') ch = '_';
        return n;
    });

}  // namespace
