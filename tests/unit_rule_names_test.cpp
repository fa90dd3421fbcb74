// An expected outcome that names its rule, `=> EINVAL [region.gpa-wrap]`
// (docs/sequence-format.md "Naming the rule"): the text form, the check in
// model-only replay, kernel replay ignoring it, and annotate writing it.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "model/corpus_profiles.h"
#include "model/profile.h"
#include "model/world.h"
#include "replay/differ.h"
#include "replay/point.h"
#include "replay/rule_naming.h"
#include "replay/sequence_oracle.h"
#include "seq/sequence.h"
#include "seq/sequence_reader.h"
#include "seq/step_source.h"
#include "tests/command_output.h"
#include "tests/parsed_sequence.h"
#include "tests/scratch_dir.h"

namespace slotcheck {
namespace {

using test::parsed;

// gpa 0xffffffffffffe000 + 0x1000 ends exactly at 2^64 - 4096: it does not
// wrap, and its last gfn is past kvm_mmu_max_gfn(), so region.max-gfn
// decides the EINVAL; this file names region.gpa-wrap, the wrong reason.
const char* kWrongRule =
    "slotcheck-sequence 1\n"
    "vm v0 type=0x0 => ok\n"
    "mmap m0 anon offset=0x0 size=0x1000 prot=rw => ok\n"
    "region v0 slot=0x1 flags=0x0 gpa=0xffffffffffffe000 size=0x1000 uaddr=m0+0x0 gmem=-1 offset=0x0 => EINVAL "
    "[region.gpa-wrap]\n";

std::string with_rule(const std::string& text, const std::string& from, const std::string& to) {
    std::string out = text;
    out.replace(out.find(from), from.size(), to);
    return out;
}

TEST(RuleNames, ParseIntoTheOutcomeAndEachAlternativeAndPrintBack) {
    const std::string text =
        "slotcheck-sequence 1\n"
        "vm v0 type=0x0 => ok\n"
        "gmem g0 vm=v0 size=0x4000 flags=0x0 => ok\n"
        "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x8000000000000000 => "
        "EINVAL [gmem.bind-offset-negative] | gmem-offset-unsigned: EINVAL [gmem.bind-range] !kernel: EEXIST\n"
        "region v0 slot=0x2 flags=0x0 gpa=0x100000 size=0x1001 uaddr=0x0 gmem=-1 offset=0x0 => EINVAL | "
        "sw-protected-vm: EINVAL "
        "[region.size-unaligned]\n"
        "region v0 slot=0x2 flags=0x0 gpa=0x100000 size=0x1000 uaddr=0x0 gmem=-1 offset=0x0 => ok\n";
    const Sequence seq = parsed(text);
    const Expectation& both = *seq.steps[2].expect;
    EXPECT_EQ(both.outcome, Outcome::error(EINVAL));
    EXPECT_EQ(both.rule, RuleId::BindOffsetNegative);
    ASSERT_EQ(both.alternatives.size(), 1u);
    EXPECT_EQ(both.alternatives[0].rule, RuleId::BindRange);
    EXPECT_EQ(both.kernel_deviation, Outcome::error(EEXIST));
    const Expectation& alternative_only = *seq.steps[3].expect;
    EXPECT_FALSE(alternative_only.rule);
    EXPECT_EQ(alternative_only.alternatives.at(0).rule, RuleId::RegionSizeUnaligned);
    EXPECT_FALSE(seq.steps[4].expect->rule);
    EXPECT_EQ(print(seq), text);
    // Spacing is free, as elsewhere after "=>"; the printer writes one blank.
    const Sequence spaced = parsed(with_rule(text, "EINVAL [gmem.bind-offset-negative] |", "EINVAL[ gmem.bind-offset-negative ]|"));
    EXPECT_EQ(spaced.steps[2].expect, seq.steps[2].expect);
}

TEST(RuleNames, AnUnknownRuleIsAnErrorAtItsColumn) {
    const auto r = parse("slotcheck-sequence 1\nvm v0 type=0x0 => ok | sw-protected-vm: EINVAL [vm.typo]\n", "f.seq");
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->to_string(), "f.seq:2:49: unknown rule 'vm.typo' (slotcheck rules lists them)");
}

TEST(RuleNames, ModelOnlyReplayFailsWhenAnotherRuleDecided) {
    const auto report = replay(parsed(kWrongRule), upstream_profile(), nullptr, ReplayOptions{});
    ASSERT_EQ(report.divergences.size(), 1u);
    const Divergence& d = report.divergences.front();
    EXPECT_EQ(d.kind, Divergence::Kind::Expectation);
    EXPECT_EQ(d.rule, RuleId::RegionMaxGfn);
    EXPECT_EQ(d.named_rule, RuleId::RegionGpaWrap);
    EXPECT_EQ(d.summary(),
              "step 3 (line 4) region v0 slot=0x1 flags=0x0 gpa=0xffffffffffffe000 size=0x1000 uaddr=m0+0x0 gmem=-1 "
              "offset=0x0: EINVAL as expected, but decided by region.max-gfn, the file names region.gpa-wrap");
    // Named right, it agrees.
    const auto right = replay(parsed(with_rule(kWrongRule, "region.gpa-wrap", "region.max-gfn")), upstream_profile(),
                              nullptr, ReplayOptions{});
    EXPECT_TRUE(right.agreed()) << right.divergences.front().summary();
    // --ignore-expectations ignores the rule too.
    ReplayOptions ignoring;
    ignoring.check_expectations = false;
    EXPECT_TRUE(replay(parsed(kWrongRule), upstream_profile(), nullptr, ignoring).agreed());
}

// `slotcheck replay --model-only`, through the same file replay as the command.
TEST(RuleNames, ReplayModelOnlyReportsTheRuleDivergence) {
    test::ScratchDir dir("rule-names-replay");
    const auto r = test::run_slotcheck("replay --model-only " + dir.file("wrong.seq", kWrongRule));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("expectation: step 3 (line 4) "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(": EINVAL as expected, but decided by region.max-gfn, the file names region.gpa-wrap"),
              std::string::npos)
        << r.output;
}

// Under each profile the rule of the outcome it reads is checked: the main
// one under linux-6.18 (signed offsets), the alternative under upstream.
TEST(RuleNames, EachProfileChecksTheRuleOfTheOutcomeItReads) {
    const std::string right =
        "slotcheck-sequence 1\n"
        "vm v0 type=0x0 => ok\n"
        "gmem g0 vm=v0 size=0x4000 flags=0x0 => ok\n"
        "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x8000000000000000 => "
        "EINVAL [gmem.bind-offset-negative] | gmem-offset-unsigned: EINVAL [gmem.bind-range]\n";
    const Profile old_kernel = *named_profile("linux-6.18"), new_kernel = upstream_profile();
    EXPECT_TRUE(replay(parsed(right), old_kernel, nullptr, ReplayOptions{}).agreed());
    EXPECT_TRUE(replay(parsed(right), new_kernel, nullptr, ReplayOptions{}).agreed());
    const std::string wrong =
        with_rule(right, "[gmem.bind-offset-negative] | gmem-offset-unsigned: EINVAL [gmem.bind-range]",
                  "[gmem.bind-range] | gmem-offset-unsigned: EINVAL [gmem.bind-offset-negative]");
    const auto on_old = replay(parsed(wrong), old_kernel, nullptr, ReplayOptions{});
    ASSERT_EQ(on_old.divergences.size(), 1u);
    EXPECT_EQ(on_old.divergences.front().named_rule, RuleId::BindRange);
    const auto on_new = replay(parsed(wrong), new_kernel, nullptr, ReplayOptions{});
    ASSERT_EQ(on_new.divergences.size(), 1u);
    EXPECT_EQ(on_new.divergences.front().named_rule, RuleId::BindOffsetNegative);
}

// A kernel has no rules: replay against one (here the model itself as the
// kernel, as the judgement tests use) compares outcomes only.
TEST(RuleNames, KernelReplayIgnoresThem) {
    const Sequence seq = parsed(kWrongRule);
    const Profile profile = upstream_profile();
    World kernel(profile);
    const auto report = replay(seq, profile, &kernel, ReplayOptions{});
    EXPECT_TRUE(report.agreed()) << report.divergences.front().summary();

    // The judge every command shares, with the file's expectations checked.
    JudgeOptions judging;
    judging.profile = profile;
    judging.check_expectations = true;
    judging.runs = 1;
    judging.make_kernel = [profile]() -> std::unique_ptr<Executor> { return std::make_unique<World>(profile); };
    const Verdict v = judge(seq, judging);
    EXPECT_EQ(v.status, Verdict::Status::Agree) << v.detail;

    // `slotcheck replay`'s kernel path: the file in an isolated child.
    test::ScratchDir dir("rule-names-kernel");
    const std::string file = dir.file("wrong.seq", kWrongRule);
    FileSteps steps(file);
    PointFinder point;
    each_step(steps, [&](size_t i, const Step& step) {
        point.add(i, step);
        return true;
    });
    JudgeOptions file_judging = judging;
    file_judging.timeout = std::chrono::milliseconds(60000);
    const Verdict r = judge(steps, file_judging, FileJudging{point.last(), false});
    EXPECT_EQ(r.status, Verdict::Status::Agree) << r.detail;
}

// annotate names the deciding rule of each rejection (an errno, a fault of
// a host access, a failed KVM_RUN), and of nothing else.
TEST(RuleNames, AnnotateWritesTheRuleOfEveryRejection) {
    test::ScratchDir dir("rule-names-annotate");
    const std::string file = dir.file("bare.seq",
                                      "slotcheck-sequence 1\n"
                                      "vm v0 type=0x0\n"
                                      "mmap m0 anon offset=0x0 size=0x1000 prot=rw\n"
                                      "region v0 slot=0x1 flags=0x0 gpa=0xfffffffffffff000 size=0x1000 uaddr=m0+0x0\n"
                                      "region v0 slot=0x1 flags=0x0 gpa=0x100000 size=0x1000 uaddr=m0+0x0\n"
                                      "gread v0 0x100000\n"
                                      "gread v0 0x200000\n"
                                      "munmap m0\n"
                                      "hread m0+0x0 u64\n"
                                      "gread v0 0x100000\n");
    const auto r = test::run_slotcheck("annotate --out " + (dir.path / "out").string() + " " + file);
    ASSERT_EQ(r.status, 0) << r.output;
    std::ifstream in(dir.path / "out" / "bare.seq");
    std::stringstream written;
    written << in.rdbuf();
    EXPECT_EQ(written.str(),
              "slotcheck-sequence 1\n"
              "vm v0 type=0x0 => ok\n"
              "mmap m0 anon offset=0x0 size=0x1000 prot=rw => ok\n"
              "region v0 slot=0x1 flags=0x0 gpa=0xfffffffffffff000 size=0x1000 uaddr=m0+0x0 gmem=-1 offset=0x0 => "
              "EINVAL [region.gpa-wrap]\n"
              "region v0 slot=0x1 flags=0x0 gpa=0x100000 size=0x1000 uaddr=m0+0x0 gmem=-1 offset=0x0 => ok\n"
              "gread v0 0x100000 => 0x0\n"
              "gread v0 0x200000 => mmio read 0x200000\n"
              "munmap m0 => ok\n"
              "hread m0+0x0 u64 => sigsegv [host.unmapped]\n"
              "gread v0 0x100000 => run EFAULT exit=0x0 [guest.hva-fault]\n");
}

// Where a variant changes the rule but not the outcome, the other rule is an
// alternative with the same outcome.
TEST(RuleNames, AnnotateAddsAnAlternativeWhereAVariantChangesTheRule) {
    const Sequence seq = parsed(
        "slotcheck-sequence 1\n"
        "vm v0 type=0x0\n"
        "gmem g0 vm=v0 size=0x4000 flags=0x0\n"
        "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x8000000000000000\n");
    const Sequence annotated = with_model_expectations(seq, *named_profile("linux-6.18"));
    EXPECT_EQ(print_expectation(*annotated.steps[2].expect),
              "EINVAL [gmem.bind-offset-negative] | gmem-offset-unsigned: EINVAL [gmem.bind-range]");
}

// --name-rules keeps what is written and the file's layout, and names the
// rules the corpus profiles decide; where they disagree it says so.
TEST(RuleNames, NameRulesKeepsTheWrittenFileAndReportsARuleThatDependsOnAVariant) {
    test::ScratchDir dir("rule-names-name-rules");
    const std::string text =
        "slotcheck-sequence 1\n"
        "# header\n"
        "vm v0 type=0x0 => ok\n"
        "mmap m0 anon offset=0x0 size=0x1000 prot=rw => ok\n"
        "region v0 slot=0x1 flags=0x0 gpa=0xfffffffffffff000 size=0x1000 uaddr=m0+0x0 => EINVAL      # wraps\n"
        "hread m0+0x1000 u64 => sigsegv\n";
    const std::string file = dir.file("written.seq", text);
    const auto r = test::run_slotcheck("annotate --name-rules " + file);
    EXPECT_EQ(r.status, 0) << r.output;
    std::ifstream in(file);
    std::stringstream written;
    written << in.rdbuf();
    EXPECT_EQ(written.str(), with_rule(with_rule(text, "EINVAL      #", "EINVAL [region.gpa-wrap]  #"), "=> sigsegv",
                                       "=> sigsegv [host.unmapped]"));

    // Under 6.12 the flags decide this EINVAL (no MMAP flag there), elsewhere the size.
    const Sequence depends = parsed(
        "slotcheck-sequence 1\n"
        "vm v0 type=0x0 => ok\n"
        "gmem g0 vm=v0 size=0x0 flags=0x3 => EINVAL\n");
    const RuleNaming named = with_rules_named(depends, corpus_profiles());
    ASSERT_EQ(named.problems.size(), 1u);
    EXPECT_NE(named.problems.front().find("step 2 (line 3): EINVAL is decided by different rules (gmem.create-flags "
                                          "under linux-6.12"),
              std::string::npos)
        << named.problems.front();
    EXPECT_FALSE(named.sequence.steps[1].expect->rule);
}

}  // namespace
}  // namespace slotcheck
