// Fuzzing the real kernel (label kvm; skipped where /dev/kvm is absent, run
// inside qemu by vm.kvm-tests-7): generated sequences with a fixed seed and
// bounded length must agree with the model, and mutants of the model must
// be killed by the kernel's answers.
#include <gtest/gtest.h>

#include "fuzz/campaign.h"
#include "harness/kernel_facts.h"
#include "model/deviation.h"
#include "tests/sanitizer_slowdown.h"

namespace slotcheck::fuzz {
namespace {

class KernelFuzz : public testing::Test {
protected:
    void SetUp() override {
        std::string why;
        if (!kvm_available(why)) GTEST_SKIP() << why;
        options_.judge.profile = profile_with_baseline(gather_kernel_facts());
        options_.judge.oracle = OracleKind::Kernel;
        options_.seed = 20261125;
        options_.max_ops = 40;
        options_.shrink_seconds = 60;
    }
    CampaignOptions options_;
};

// The fixed-seed property: every sequence the campaign judges in its time
// agrees with the model (a divergence is reported shrunk, with its text).
TEST_F(KernelFuzz, GeneratedSequencesAgreeWithTheModel) {
    options_.seconds = 15;
    auto r = run_campaign(options_, nullptr);
    for (const auto& f : r.findings)
        ADD_FAILURE() << f.signature << " (sequence " << f.index << "): " << f.verdict.detail << "\n" << print(f.shrunk);
    for (const auto& e : r.worker_errors) ADD_FAILURE() << "worker: " << e;
    EXPECT_GT(r.stats.sequences, 10u);
}

class KernelKillsMutant : public KernelFuzz, public testing::WithParamInterface<const char*> {};

TEST_P(KernelKillsMutant, WithinThirtySeconds) {
    // A guest_memfd rule cannot decide anything on a kernel without
    // KVM_CREATE_GUEST_MEMFD: there its mutant is the same model.
    const std::string name = GetParam();
    const KernelFacts facts = gather_kernel_facts();
    if ((name.rfind("gmem.", 0) == 0 || name.rfind("guest.gmem", 0) == 0) && !facts.has_create_guest_memfd_ioctl)
        GTEST_SKIP() << "KVM_CREATE_GUEST_MEMFD is ENOTTY on " << facts.release << ": " << name
                     << " cannot be reached";
    options_.seconds = 30 * test::kSanitizerSlowdown;
    options_.judge.mutant = rule_by_name(GetParam());
    options_.judge.check_invariants = false;
    ASSERT_TRUE(options_.judge.mutant);
    auto r = run_campaign(options_, nullptr);
    ASSERT_FALSE(r.findings.empty()) << GetParam() << " survived " << r.stats.sequences << " sequences";
    EXPECT_LE(r.findings.front().shrunk.steps.size(), 8u) << print(r.findings.front().shrunk);
}

INSTANTIATE_TEST_SUITE_P(Mutants, KernelKillsMutant,
                         testing::Values("gmem.punch", "gmem.bind-overlap", "host.access", "guest.gmem-released"),
                         [](const testing::TestParamInfo<const char*>& info) {
                             std::string n = info.param;
                             for (auto& c : n)
                                 if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

}  // namespace
}  // namespace slotcheck::fuzz
