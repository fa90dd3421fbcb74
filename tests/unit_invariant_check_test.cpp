// The differ's invariant check (replay/differ.cpp, docs/model.md): a model
// whose overlap rule is switched off (the mutant of gmem.bind-overlap) lets
// two slots bind the same file offsets, and replay must report the broken
// invariant at the step that broke it, whether or not later steps touch
// slots at all.
#include <gtest/gtest.h>

#include "model/profile.h"
#include "replay/differ.h"
#include "seq/rules.h"
#include "seq/sequence.h"

namespace {

using namespace slotcheck;

ReplayReport replay_with_overlap_mutant(const std::string& text) {
    auto parsed = parse(text);
    EXPECT_FALSE(parsed.error) << parsed.error->to_string();
    ReplayOptions options;
    options.check_expectations = false;
    options.mutant = rule_by_name("gmem.bind-overlap");
    EXPECT_TRUE(options.mutant);
    return replay(*parsed.sequence, upstream_profile(), nullptr, options);
}

const char* kOverlap =
    "slotcheck-sequence 1\n"
    "vm v0 type=0x0\n"
    "gmem g0 vm=v0 size=0x4000 flags=0x0\n"
    "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0\n"
    "region v0 slot=0x2 flags=0x4 gpa=0x200000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x1000\n";

TEST(InvariantCheck, OverlappingBindingIsReportedAtTheRegionStep) {
    const auto report = replay_with_overlap_mutant(std::string(kOverlap) + "fallocate g0 mode=0x3 offset=0x0 len=0x1000\n");
    ASSERT_EQ(report.divergences.size(), 1u);
    const auto& d = report.divergences[0];
    EXPECT_EQ(d.kind, Divergence::Kind::Invariant);
    EXPECT_EQ(d.step, 3u);
    ASSERT_FALSE(d.invariant_problems.empty());
    EXPECT_NE(d.invariant_problems[0].find("overlap"), std::string::npos) << d.invariant_problems[0];
}

TEST(InvariantCheck, UnmutatedModelKeepsTheInvariants) {
    auto parsed = parse(std::string(kOverlap) + "fallocate g0 mode=0x3 offset=0x0 len=0x1000\ncheck\n");
    ASSERT_FALSE(parsed.error);
    ReplayOptions options;
    options.check_expectations = false;
    const auto report = replay(*parsed.sequence, upstream_profile(), nullptr, options);
    EXPECT_TRUE(report.divergences.empty());
}

}  // namespace
