// `minimize --vm` keeps a candidate when its VM brings back the failure the
// input did (orchestration/vm_oracle.h): the same kernel report, the same failing
// verdict as the judge compares verdicts, or the same end of the VM, as
// much as --same asks.
#include <gtest/gtest.h>

#include "orchestration/vm_oracle.h"

namespace slotcheck::cli {
namespace {

VmFailure divergence(const std::string& op_text, RuleId rule) {
    Verdict v;
    v.status = Verdict::Status::Diverge;
    v.divergence = Divergence{};
    v.divergence->op_text = op_text;
    v.divergence->rule = rule;
    v.divergence->other = Outcome::error(22);
    v.detail = v.divergence->summary();
    return VmFailure{.verdict = v, .detail = v.detail};
}

VmFailure report(vm::SplatKind kind, const std::string& title) {
    return VmFailure{.report = kind, .report_title = title, .detail = title};
}

TEST(VmOracleSameness, AReportMatchesTheSameReportOnly) {
    const auto warning = report(vm::SplatKind::Warning, "WARNING in kvm_gmem_bind");
    EXPECT_EQ(warning.describe(), "warning: WARNING in kvm_gmem_bind");
    for (auto how : {Sameness::Op, Sameness::Rule}) {
        EXPECT_TRUE(VmOracle::same(warning, report(vm::SplatKind::Warning, "WARNING in kvm_gmem_bind"), how));
        EXPECT_FALSE(VmOracle::same(warning, report(vm::SplatKind::Warning, "WARNING in kvm_gmem_unbind"), how));
        EXPECT_FALSE(VmOracle::same(warning, report(vm::SplatKind::Kasan, "WARNING in kvm_gmem_bind"), how));
        EXPECT_FALSE(VmOracle::same(warning, divergence("region v0", RuleId::Count), how));
    }
    EXPECT_TRUE(VmOracle::same(warning, VmFailure{.end = vm::VmEnd::Died}, Sameness::Any));
}

TEST(VmOracleSameness, DivergencesCompareAsTheJudgeComparesVerdicts) {
    const auto first = divergence("region v0 slot=0x1", RuleId(0));
    EXPECT_EQ(first.kind(), "divergence");
    EXPECT_EQ(first.signature(), failure_signature(*first.verdict));
    // Another rule at the same kind of operation: the same for --same op only.
    const auto other_rule = divergence("region v0 slot=0x2", RuleId(1));
    EXPECT_TRUE(VmOracle::same(first, other_rule, Sameness::Op));
    EXPECT_FALSE(VmOracle::same(first, other_rule, Sameness::Rule));
    EXPECT_TRUE(VmOracle::same(first, divergence("region v0 slot=0x3", RuleId(0)), Sameness::Rule));
    EXPECT_FALSE(VmOracle::same(first, divergence("gmem g0 vm=v0", RuleId(0)), Sameness::Op));
}

TEST(VmOracleSameness, AVmThatEndedBadlyMatchesTheSameEnd) {
    const VmFailure died{.end = vm::VmEnd::Died, .detail = "no trailer"};
    EXPECT_EQ(died.describe(), "died");
    EXPECT_TRUE(VmOracle::same(died, VmFailure{.end = vm::VmEnd::Died}, Sameness::Rule));
    EXPECT_FALSE(VmOracle::same(died, VmFailure{.end = vm::VmEnd::Hung}, Sameness::Rule));
    Verdict crashed;
    crashed.status = Verdict::Status::Crashed;
    EXPECT_FALSE(VmOracle::same(died, VmFailure{.verdict = crashed}, Sameness::Op));
}

}  // namespace
}  // namespace slotcheck::cli
