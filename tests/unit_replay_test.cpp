// Differential replay (replay/differ.cpp): the model runs ahead of the
// kernel, a stretch of steps at a time. These tests hold the report to what
// running the two in lock step gives, for stretches of 1, 2, 3 and the
// default 1024 steps (so divergences fall on every position of a stretch):
// the kernel runs exactly the steps up to the first divergence, a check
// observes what the model planned at that point of the sequence, divergences
// come in step order (a step's kernel divergence before the model's own),
// and the rule counts cover only the steps both ran.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"
#include "model/world.h"
#include "parsed_sequence.h"
#include "replay/differ.h"
#include "seq/sequence.h"

namespace {

using namespace slotcheck;

// A kernel that is the reference model, records what it was asked, and can
// be told to answer one operation or one check differently.
class ScriptedKernel : public Executor {
public:
    explicit ScriptedKernel(const Profile& profile) : world_(profile) {}
    Outcome apply(const Op& op) override {
        const size_t n = calls++;
        applied.push_back(print_op(op));
        Outcome o = world_.apply(op);
        return n == wrong_call ? Outcome::error(99) : o;
    }
    std::vector<Observation> observe(const std::vector<ObservationRequest>& requests) override {
        const size_t n = calls++;
        plans.push_back(requests);
        auto seen = world_.observe(requests);
        if (n == wrong_call && !seen.empty()) seen.front().outcome = Outcome::sigsegv();
        return seen;
    }
    size_t calls = 0;
    std::optional<size_t> wrong_call;  // the 0-based call (operation or check) answered wrongly
    std::vector<std::string> applied;
    std::vector<std::vector<ObservationRequest>> plans;

private:
    World world_;
};

using test::parsed;

// Two bound slots, a check between them and one after a punch.
const char* kSequence =
    "slotcheck-sequence 1\n"
    "vm v0 type=0x0 => ok\n"
    "gmem g0 vm=v0 size=0x4000 flags=0x3 => ok\n"
    "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0 => ok\n"
    "check\n"
    "region v0 slot=0x2 flags=0x4 gpa=0x200000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x2000 => ok\n"
    "fallocate g0 mode=0x3 offset=0x0 len=0x1000 => ok\n"
    "check\n"
    "region v0 slot=0x2 flags=0x4 gpa=0x0 size=0x0 uaddr=0x0 gmem=g0 offset=0x0 => ok\n";

Profile profile() { return upstream_profile(); }

// The report a model-only replay of the first `n` steps gives.
ReplayReport model_replay_of_prefix(const Sequence& seq, size_t n) {
    Sequence prefix = seq;
    prefix.steps.resize(n);
    return replay(prefix, profile(), nullptr, ReplayOptions{});
}

// The parameter: how far the model may run ahead of the kernel.
class Replay : public testing::TestWithParam<size_t> {
protected:
    ReplayOptions options(bool stop_at_first = true) const {
        ReplayOptions o;
        o.model_ahead_steps = GetParam();
        o.stop_at_first = stop_at_first;
        return o;
    }
};

TEST_P(Replay, AgreeingKernelRunsEveryStepAndSeesEachCheckPlannedWhereItStands) {
    const Sequence seq = parsed(kSequence);
    ScriptedKernel kernel(profile());
    const auto report = replay(seq, profile(), &kernel, options());
    EXPECT_TRUE(report.agreed());
    EXPECT_EQ(report.steps.size(), seq.steps.size());
    EXPECT_EQ(kernel.applied.size(), seq.steps.size() - 2);
    ASSERT_EQ(kernel.plans.size(), 2u);
    // The first check comes before slot 2 exists: its plan is the one a model
    // that stands there makes, not the plan of the end of the sequence.
    World at_first_check(profile());
    for (size_t i = 0; i < 3; ++i) at_first_check.step(seq.steps[i].op);
    EXPECT_EQ(kernel.plans[0], at_first_check.observation_plan());
    EXPECT_NE(kernel.plans[0], kernel.plans[1]);
    for (const auto& rec : report.steps) EXPECT_TRUE(rec.kernel) << "step " << rec.index;
}

TEST_P(Replay, KernelDivergenceEndsTheReportAtItsStepWithTheCountsOfTheStepsBothRan) {
    const Sequence seq = parsed(kSequence);
    for (size_t wrong = 0; wrong < seq.steps.size(); ++wrong) {
        ScriptedKernel kernel(profile());
        kernel.wrong_call = wrong;  // the kernel's calls are the steps, one each
        const auto report = replay(seq, profile(), &kernel, options());
        ASSERT_EQ(report.divergences.size(), 1u) << "wrong answer at step " << wrong;
        const auto& d = report.divergences.front();
        EXPECT_EQ(d.step, wrong);
        const bool is_check = std::holds_alternative<Check>(seq.steps[wrong].op);
        EXPECT_EQ(d.kind, is_check ? Divergence::Kind::View : Divergence::Kind::Outcome);
        EXPECT_EQ(kernel.calls, wrong + 1) << "the kernel must not run past the divergence";
        EXPECT_EQ(report.steps.size(), wrong + 1);
        const auto prefix = model_replay_of_prefix(seq, wrong + 1);
        EXPECT_EQ(report.rule_hits, prefix.rule_hits) << "wrong answer at step " << wrong;
        EXPECT_EQ(report.rule_passes, prefix.rule_passes) << "wrong answer at step " << wrong;
    }
}

TEST_P(Replay, ModelOnlyDivergenceStopsTheKernelAtThatStep) {
    std::string text = kSequence;
    // Step 6 (0-based 5, the punch) now expects an error the model does not give.
    text.replace(text.find("len=0x1000 => ok"), 16, "len=0x1000 => EINVAL");
    const Sequence seq = parsed(text);
    ScriptedKernel kernel(profile());
    const auto report = replay(seq, profile(), &kernel, options());
    ASSERT_EQ(report.divergences.size(), 1u);
    EXPECT_EQ(report.divergences.front().kind, Divergence::Kind::Expectation);
    EXPECT_EQ(report.divergences.front().step, 5u);
    EXPECT_EQ(kernel.calls, 6u);
    EXPECT_EQ(report.steps.size(), 6u);
}

TEST_P(Replay, AtOneStepTheKernelDivergenceComesBeforeTheModelsOwn) {
    std::string text = kSequence;
    text.replace(text.find("len=0x1000 => ok"), 16, "len=0x1000 => EINVAL");
    const Sequence seq = parsed(text);
    ScriptedKernel kernel(profile());
    kernel.wrong_call = 5;
    const auto report = replay(seq, profile(), &kernel, options(false));
    ASSERT_EQ(report.divergences.size(), 2u);
    EXPECT_EQ(report.divergences[0].kind, Divergence::Kind::Outcome);
    EXPECT_EQ(report.divergences[1].kind, Divergence::Kind::Expectation);
    EXPECT_EQ(report.divergences[0].step, 5u);
    EXPECT_EQ(report.divergences[1].step, 5u);
    // Not stopping, the kernel runs everything.
    EXPECT_EQ(kernel.calls, seq.steps.size());

    ScriptedKernel first(profile());
    first.wrong_call = 5;
    const auto stopped = replay(seq, profile(), &first, options());
    ASSERT_EQ(stopped.divergences.size(), 1u);
    EXPECT_EQ(stopped.divergences[0].kind, Divergence::Kind::Outcome);
}

TEST_P(Replay, WithoutStoppingEveryDivergenceIsReportedInStepOrder) {
    const Sequence seq = parsed(kSequence);
    ScriptedKernel kernel(profile());
    kernel.wrong_call = 2;
    const auto report = replay(seq, profile(), &kernel, options(false));
    ASSERT_FALSE(report.divergences.empty());
    for (size_t i = 1; i < report.divergences.size(); ++i)
        EXPECT_LE(report.divergences[i - 1].step, report.divergences[i].step);
    EXPECT_EQ(report.steps.size(), seq.steps.size());
    EXPECT_EQ(report.rule_passes, model_replay_of_prefix(seq, seq.steps.size()).rule_passes);
}

TEST_P(Replay, ModelOnlyReplayReportsEveryStepAndTheSameCountsWhateverTheStretch) {
    std::string text = kSequence;
    text.replace(text.find("len=0x1000 => ok"), 16, "len=0x1000 => EINVAL");
    const Sequence seq = parsed(text);
    const auto whole = replay(seq, profile(), nullptr, options(false));
    ReplayOptions lock_step = options(false);
    lock_step.model_ahead_steps = 1;
    const auto one_by_one = replay(seq, profile(), nullptr, lock_step);
    EXPECT_EQ(whole.steps.size(), seq.steps.size());
    ASSERT_EQ(whole.divergences.size(), 1u);
    EXPECT_EQ(whole.divergences[0].step, 5u);
    EXPECT_EQ(whole.rule_hits, one_by_one.rule_hits);
    EXPECT_EQ(whole.rule_passes, one_by_one.rule_passes);
}

INSTANTIATE_TEST_SUITE_P(Stretches, Replay, testing::Values(size_t{1}, size_t{2}, size_t{3}, size_t{1024}),
                         [](const testing::TestParamInfo<size_t>& info) {
                             return "ahead" + std::to_string(info.param);
                         });

}  // namespace
