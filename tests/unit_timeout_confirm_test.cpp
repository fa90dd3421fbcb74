// A sequence that outlives its time limit is judged once more with a longer
// limit before it counts as a hang (replay/sequence_oracle.h): one slow run
// on a loaded host is not a hung kernel, two are.
#include <gtest/gtest.h>

#include <vector>

#include "replay/sequence_oracle.h"

namespace slotcheck {
namespace {

using std::chrono::milliseconds;

// Answers the scripted verdicts in turn and records the limits it was given.
struct ScriptedAttempts {
    std::vector<Verdict::Status> answers;
    std::vector<milliseconds> limits;
    Verdict operator()(milliseconds limit) {
        Verdict v;
        v.status = answers.at(limits.size());
        if (v.status == Verdict::Status::TimedOut)
            v.detail = "the replay child timed out after " + std::to_string(limit.count()) + " ms";
        limits.push_back(limit);
        return v;
    }
};

Verdict judge_with(ScriptedAttempts& script, bool confirm) {
    return judge_confirming_timeouts([&](milliseconds limit) { return script(limit); }, milliseconds(10000),
                                     confirm);
}

TEST(TimeoutConfirmation, ASlowRunThatFinishesOnTheRetryIsTheRetrysVerdictMarkedSlow) {
    ScriptedAttempts script{{Verdict::Status::TimedOut, Verdict::Status::Agree}, {}};
    const Verdict v = judge_with(script, true);
    EXPECT_EQ(v.status, Verdict::Status::Agree);
    EXPECT_TRUE(v.slow);
    ASSERT_EQ(script.limits.size(), 2u);
    EXPECT_EQ(script.limits[1], kTimeoutRetryFactor * milliseconds(10000));

    ScriptedAttempts diverging{{Verdict::Status::TimedOut, Verdict::Status::Diverge}, {}};
    const Verdict d = judge_with(diverging, true);
    EXPECT_EQ(d.status, Verdict::Status::Diverge);
    EXPECT_TRUE(d.slow);
}

TEST(TimeoutConfirmation, TwoTimeoutsAreAHangAndTheDetailNamesBothLimits) {
    ScriptedAttempts script{{Verdict::Status::TimedOut, Verdict::Status::TimedOut}, {}};
    const Verdict v = judge_with(script, true);
    EXPECT_EQ(v.status, Verdict::Status::TimedOut);
    EXPECT_FALSE(v.slow);
    EXPECT_EQ(v.detail, "the replay child timed out after 10000 ms, and again after 30000 ms");
}

TEST(TimeoutConfirmation, OtherVerdictsAndUnconfirmedTimeoutsRunOnce) {
    for (auto status : {Verdict::Status::Agree, Verdict::Status::Diverge, Verdict::Status::Crashed}) {
        ScriptedAttempts script{{status}, {}};
        EXPECT_EQ(judge_with(script, true).status, status);
        EXPECT_EQ(script.limits.size(), 1u);
    }
    ScriptedAttempts script{{Verdict::Status::TimedOut}, {}};
    EXPECT_EQ(judge_with(script, false).status, Verdict::Status::TimedOut);
    EXPECT_EQ(script.limits.size(), 1u);
}

TEST(TimeoutConfirmation, TheLongestJudgementCoversBothRunsOfEveryReproductionRun) {
    JudgeOptions options;
    options.timeout = milliseconds(10000);
    options.runs = 1;
    EXPECT_EQ(longest_judgement(options), milliseconds(40000));
    options.runs = 3;
    EXPECT_EQ(longest_judgement(options), milliseconds(120000));
    options.confirm_timeouts = false;
    EXPECT_EQ(longest_judgement(options), milliseconds(30000));
}

}  // namespace
}  // namespace slotcheck
