// The point of a file (replay/point.h): the `point` marker parses and prints,
// the point defaults to the last step with an expectation, and a replay that
// agrees on a chain of errors without getting there is `not-reached`, counted
// apart and never a pass.
#include <gtest/gtest.h>

#include <fstream>

#include "replay/differ.h"
#include "replay/point.h"
#include "tests/command_output.h"
#include "tests/json_read.h"

namespace slotcheck {
namespace {

using test::run_slotcheck;

Sequence from_text(const std::string& text) {
    auto parsed = parse("slotcheck-sequence 1\n" + text, "<test>");
    if (parsed.error) ADD_FAILURE() << parsed.error->to_string();
    return parsed.sequence.value_or(Sequence{});
}

ReplayReport replay_ignoring_expectations(const Sequence& seq, const Profile& profile) {
    ReplayOptions options;
    options.check_expectations = false;
    return replay(seq, profile, nullptr, options);
}

TEST(Point, TheMarkerParsesPrintsCanonicallyAndIsOptional) {
    const std::string text =
        "slotcheck-sequence 1\n"
        "vm v0 type=0x0 => ok\n"
        "point   vm v1 type=0x0 => ok  # the point\n"
        "close v1 => ok\n";
    auto parsed = parse(text, "p.seq");
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    const Sequence& seq = *parsed.sequence;
    EXPECT_FALSE(seq.steps[0].point);
    EXPECT_TRUE(seq.steps[1].point);
    EXPECT_FALSE(seq.steps[2].point);
    const std::string printed = print(seq);
    EXPECT_NE(printed.find("\npoint vm v1 type=0x0 => ok  # the point\n"), std::string::npos) << printed;
    auto again = parse(printed, "p.seq");
    ASSERT_TRUE(again.sequence);
    EXPECT_EQ(*again.sequence, seq);
    ASSERT_TRUE(last_point_step(seq));
    EXPECT_EQ(last_point_step(seq)->index, 1u);

    auto bare = parse("slotcheck-sequence 1\npoint\n", "bad.seq");
    ASSERT_TRUE(bare.error);
    EXPECT_EQ(bare.error->to_string(), "bad.seq:2:6: expected an operation after 'point'");
    auto unknown = parse("slotcheck-sequence 1\npoint nothing v0\n", "bad.seq");
    ASSERT_TRUE(unknown.error);
    EXPECT_EQ(unknown.error->line, 2);
}

TEST(Point, WithoutAMarkerThePointIsTheLastStepWithAnExpectation) {
    EXPECT_EQ(last_point_step(from_text("vm v0 type=0x0 => ok\nvm v1 type=0x0 => ok\ncheck\n"))->index, 1u);
    EXPECT_FALSE(last_point_step(from_text("vm v0 type=0x0\ncheck\n")));
    const auto both = from_text("point vm v0 type=0x0 => ok\nvm v1 type=0x0 => ok\npoint check\n");
    // The last marked step ends the point; the earlier marked one is part of it.
    EXPECT_EQ(last_point_step(both)->index, 2u);
}

// The situation of the issue: on 6.12 the A1 regression file's guest_memfd
// (MMAP|INIT_SHARED on a default VM) is refused at step 2, and the model,
// holding the kernel's answers rather than the file's, agrees on every step.
TEST(Point, AFileWhoseSetupFailsDoesNotReachItsPoint) {
    auto parsed = parse_file(std::string(SLOTCHECK_SOURCE_DIR) + "/corpus/region/gmem-toggle-fix.seq");
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    const Profile p612 = *named_profile("linux-6.12");
    const auto report = replay_ignoring_expectations(*parsed.sequence, p612);
    ASSERT_TRUE(report.agreed());
    const auto reach = point_reach(*parsed.sequence, p612, report);
    EXPECT_FALSE(reach.reached);
    ASSERT_TRUE(reach.blocked_at);
    EXPECT_EQ(*reach.blocked_at, 1u);
    EXPECT_EQ(reach.why.rfind("step 2 (line " + std::to_string(parsed.sequence->steps[1].line) + ") gmem g0", 0), 0u) << reach.why;
    EXPECT_NE(reach.why.find("gave EINVAL, the file expects ok"), std::string::npos) << reach.why;
    // On a kernel with the feature the same file reaches it.
    const Profile up = upstream_profile();
    const auto there = point_reach(*parsed.sequence, up, replay_ignoring_expectations(*parsed.sequence, up));
    EXPECT_TRUE(there.reached) << there.why;
}

TEST(Point, OnlyStepsBeforeThePointAndWrittenToSucceedDecide) {
    // Step 2 fails as written (EINVAL), step 4 fails after the point: reached.
    const auto seq = from_text(
        "vm v0 type=0x0 => ok\n"
        "vm v1 type=0x9 => EINVAL\n"
        "point vm v2 type=0x0 => ok\n"
        "vm v3 type=0x9 => ok\n");
    const Profile up = upstream_profile();
    EXPECT_TRUE(point_reach(seq, up, replay_ignoring_expectations(seq, up)).reached);
    // The same failure before the point blocks it.
    const auto before = from_text("vm v0 type=0x9 => ok\npoint vm v1 type=0x0 => ok\n");
    const auto reach = point_reach(before, up, replay_ignoring_expectations(before, up));
    EXPECT_FALSE(reach.reached);
    EXPECT_EQ(reach.blocked_at, std::optional<size_t>{0});
}

// A file written for a kernel whose guest_memfd mount allows PROT_EXEC: under
// upstream its executable mapping is refused (EPERM), so the host read it is
// about never touches the file. gmem-noexec-mount is a behaviour, not a
// feature, so this is not a skip.
const char* const kExecMapping =
    "slotcheck-sequence 1\n"
    "vm v0 type=0x0 => ok\n"
    "gmem g0 vm=v0 size=0x1000 flags=0x3 => ok\n"
    "mmap m0 g0 offset=0x0 size=0x1000 prot=rx => ok\n"
    "point hread m0+0x0 u8 => 0x0\n";

TEST(ReplayPoint, NotReachedIsCountedApartAndReachedPasses) {
    const std::string file = testing::TempDir() + "/exec-mapping.seq";
    std::ofstream(file) << kExecMapping;
    const auto r = run_slotcheck("replay --model-only --ignore-expectations --json - " + file);
    EXPECT_EQ(r.status, 0) << r.output;
    std::string error;
    const test::json doc = test::parse_document(r.output, "slotcheck.replay/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << r.output;
    ASSERT_EQ(doc["files"].size(), 1u) << r.output;
    const test::json& result = doc["files"][0];
    EXPECT_EQ(result["verdict"], "not-reached") << r.output;
    ASSERT_FALSE(result["findings"].empty()) << r.output;
    EXPECT_EQ(result["findings"][0]["kind"], "not reached") << r.output;
    EXPECT_EQ(result["findings"][0]["step"], 3) << r.output;
    EXPECT_EQ(result["findings"][0]["line"], 4) << r.output;
    EXPECT_EQ(doc["totals"],
              test::json({{"passed", 0}, {"failed", 0}, {"skipped", 0}, {"not_reached", 1}, {"flaky", 0}}))
        << r.output;
    const auto table = run_slotcheck("replay --model-only --ignore-expectations " + file);
    EXPECT_NE(table.output.find("not-reached\n    not reached: step 3 (line 4) mmap m0 g0"), std::string::npos)
        << table.output;
    EXPECT_NE(table.output.find("0 passed, 0 failed, 0 skipped, 1 not reached"), std::string::npos) << table.output;

    const auto reached = run_slotcheck("replay --model-only --variant gmem-noexec-mount=off " + file);
    EXPECT_EQ(reached.status, 0) << reached.output;
    EXPECT_NE(reached.output.find("1 passed, 0 failed, 0 skipped, 0 not reached"), std::string::npos) << reached.output;
}

}  // namespace
}  // namespace slotcheck
