// The fuzzing campaign without a kernel: the wire between workers and the
// parent, determinism of the generated sequences, a model-only campaign
// whose invariants hold, and mutants of the model that the campaign must
// kill (judged against the unmutated model) and shrink to a few operations.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fuzz/campaign.h"
#include "fuzz/wire.h"
#include "model/mutation.h"
#include "sys/record.h"
#include "tests/command_output.h"
#include "tests/json_read.h"
#include "tests/sanitizer_slowdown.h"

namespace slotcheck::fuzz {
namespace {

CampaignOptions model_campaign(double seconds, uint64_t seed) {
    CampaignOptions o;
    o.seconds = seconds;
    o.seed = seed;
    o.judge.profile = *named_profile("linux-7.3");
    o.judge.oracle = OracleKind::Model;
    o.shrink_seconds = 20;
    return o;
}

TEST(FuzzWire, FindingsAndStatisticsSurviveThePipeFormat) {
    Finding f;
    f.index = 42;
    f.sequence_seed = sequence_seed(7, 42);
    f.verdict.status = Verdict::Status::Diverge;
    f.signature = "outcome gmem.punch at gread";
    f.verdict.detail = "step 3 gread v0 0x0: model 0x1, kernel 0x0";
    Divergence d;
    d.step = 2;
    d.op_text = "gread v0 0x0";
    d.model = Outcome::read_value(1);
    d.other = Outcome::read_value(0);
    f.verdict.divergence = d;
    f.found_after_s = 1.25;
    f.shrink_candidates = 99;
    f.original = generate_sequence(upstream_profile(), 7, 42, 30);
    f.shrunk = generate_sequence(upstream_profile(), 7, 43, 10);
    std::string error;
    auto back = wire::decode_finding(wire::encode_finding(f), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->index, f.index);
    EXPECT_EQ(back->sequence_seed, f.sequence_seed);
    EXPECT_EQ(back->signature, f.signature);
    EXPECT_EQ(back->verdict.detail, f.verdict.detail);
    EXPECT_EQ(back->verdict.status, f.verdict.status);
    ASSERT_TRUE(back->verdict.divergence);
    EXPECT_EQ(back->verdict.divergence->summary(), d.summary());
    EXPECT_EQ(print(back->original), print(f.original));
    EXPECT_EQ(print(back->shrunk), print(f.shrunk));

    Stats stats;
    stats.sequences = 1971;
    stats.failures = 1;
    stats.slow = 3;
    stats.judge_s = 14.5;
    RuleCoverage coverage, coverage_back;
    Stats stats_back;
    ASSERT_TRUE(wire::decode_stats(wire::encode_stats(stats, coverage), stats_back, coverage_back));
    EXPECT_EQ(stats_back.sequences, 1971u);
    EXPECT_EQ(stats_back.failures, 1u);
    EXPECT_EQ(stats_back.slow, 3u);
    EXPECT_DOUBLE_EQ(stats_back.judge_s, 14.5);
    EXPECT_TRUE(stats_back.census.empty()) << "no census field without --census";
    // The census (--census) rides on the same frame, as a field of its own.
    stats.census.counts[static_cast<size_t>(gen::Situation::BindNear2To63Live)] = 7;
    stats.census.gmem_modes.set(3);
    ASSERT_TRUE(wire::decode_stats(wire::encode_stats(stats, coverage), stats_back, coverage_back));
    EXPECT_EQ(stats_back.census.count(gen::Situation::BindNear2To63Live), 7u);
    EXPECT_EQ(stats_back.census.gmem_modes, stats.census.gmem_modes);
    EXPECT_FALSE(wire::decode_stats(wire::encode_stats(stats, coverage) + " 12", stats_back, coverage_back))
        << "a garbled record is an error";
    // So is a census with something after its two sets, in a record that is whole.
    record::Writer garbled_census;
    garbled_census.text("census", stats.census.serialize() + " 12");
    Stats no_census;
    EXPECT_FALSE(wire::decode_stats(wire::encode_stats(no_census, coverage) + garbled_census.str(), stats_back,
                                    coverage_back))
        << "a garbled census field is an error";

    std::string buffer;
    buffer += "F 5\nabc";  // incomplete: two bytes still to come
    EXPECT_FALSE(wire::take_frame(buffer, error));
    EXPECT_TRUE(error.empty());
    buffer += "de";
    auto frame = wire::take_frame(buffer, error);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, "abcde");
    buffer = "garbage\n";
    EXPECT_FALSE(wire::take_frame(buffer, error));
    EXPECT_FALSE(error.empty());
}

TEST(FuzzGeneration, TheSameSeedAndIndexGiveTheSameSequence) {
    const Profile p = *named_profile("linux-7.3");
    EXPECT_EQ(print(generate_sequence(p, 5, 17, 64)), print(generate_sequence(p, 5, 17, 64)));
    EXPECT_NE(print(generate_sequence(p, 5, 17, 64)), print(generate_sequence(p, 5, 18, 64)));
    EXPECT_NE(print(generate_sequence(p, 5, 17, 64)), print(generate_sequence(p, 6, 17, 64)));
    EXPECT_LE(generate_sequence(p, 5, 17, 8).steps.size(), 8u);
}

TEST(FuzzCampaign, ModelOnlyCampaignKeepsTheInvariantsAndCoversTheRules) {
    auto o = model_campaign(3 * test::kSanitizerSlowdown, 11);
    o.jobs = 2;
    auto r = run_campaign(o, nullptr);
    for (const auto& f : r.findings) ADD_FAILURE() << f.signature << ": " << f.verdict.detail << "\n" << print(f.shrunk);
    EXPECT_TRUE(r.worker_errors.empty()) << r.worker_errors.front();
    EXPECT_GT(r.stats.sequences, 100u);
    EXPECT_GT(r.stats.ops, r.stats.sequences);
    // Under linux-7.3, the rules that cannot decide: no guest_memfd ioctl,
    // no GUEST_MEMFD flag on a default VM, signed offsets, no attributes
    // ioctl, and no private access (no software-protected VM type).
    // Everything else is reached both ways within seconds.
    std::vector<std::string> missing;
    for (RuleId id : r.coverage.uncovered()) missing.push_back(rule(id).name);
    const std::vector<std::string> unreachable = {
        "gmem.create-unsupported",  "region.gmem-flag-unsupported", "gmem.bind-offset-negative",
        "guest.private-no-slot",    "guest.private-not-gmem",       "guest.private-cached-mmio",
        "guest.private-stale-mmio", "guest.private-file",           "attrs.unsupported"};
    EXPECT_EQ(missing, unreachable);
}

TEST(FuzzCampaign, TheCensusCountsExactlyTheJudgedSequencesWhenAsked) {
    auto o = model_campaign(2, 5);
    o.census = true;
    const auto r = run_campaign(o, nullptr);
    ASSERT_GT(r.stats.sequences, 10u);
    // One job judges indexes 0, 1, 2, ...: the same census as the sequences
    // regenerated from the seed.
    gen::Census expected;
    for (uint64_t index = 0; index < r.stats.sequences; ++index)
        expected.add(gen::take_census(
            generate_sequence(o.judge.profile, o.seed, index, o.max_ops, sequence_memory_budget(o)), o.judge.profile));
    EXPECT_EQ(r.stats.census.counts, expected.counts);
    EXPECT_GE(r.stats.census.count(gen::Situation::CheckNearEnd), r.stats.sequences) << "every sequence ends with a check";
    // Without the option nothing is counted.
    EXPECT_TRUE(run_campaign(model_campaign(1, 5), nullptr).stats.census.empty());
}

struct MutantCase {
    const char* rule;
    size_t max_shrunk_ops;  // a hand-written sequence that kills it has at most this many operations
};

class FuzzKillsMutant : public testing::TestWithParam<MutantCase> {};

TEST_P(FuzzKillsMutant, AndShrinksItToAFewOperations) {
    auto o = model_campaign(20, 1);
    o.judge.mutant = rule_by_name(GetParam().rule);
    ASSERT_TRUE(o.judge.mutant);
    o.judge.check_invariants = false;  // a kill must be a disagreement with the reference
    auto r = run_campaign(o, nullptr);
    ASSERT_EQ(r.findings.size(), 1u) << GetParam().rule << " survived " << r.stats.sequences << " sequences";
    const Finding& f = r.findings.front();
    EXPECT_LE(f.shrunk.steps.size(), GetParam().max_shrunk_ops) << print(f.shrunk);
    EXPECT_LT(f.shrunk.steps.size(), f.original.steps.size() + 1);
    // The shrunk sequence still fails against the reference, and is clean
    // when the model is not mutated.
    JudgeOptions again = o.judge;
    EXPECT_TRUE(judge(f.shrunk, again).failed());
    again.mutant.reset();
    EXPECT_FALSE(judge(f.shrunk, again).failed());
}

INSTANTIATE_TEST_SUITE_P(Mutants, FuzzKillsMutant,
                         testing::Values(MutantCase{"gmem.punch", 6}, MutantCase{"gmem.bind-overlap", 5},
                                         MutantCase{"host.access", 6}, MutantCase{"guest.gmem-released", 6},
                                         MutantCase{"region.delete", 6}, MutantCase{"region.gpa-overlap", 4},
                                         MutantCase{"region.gmem-immutable", 5}, MutantCase{"gmem.bind-range", 4}),
                         [](const testing::TestParamInfo<MutantCase>& info) {
                             std::string n = info.param.rule;
                             for (auto& c : n)
                                 if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

TEST(Mutations, EveryRuleHasOneAndTheSemanticOnesSayWhatTheyBreak) {
    ASSERT_EQ(mutation_table().size(), kRuleCount);
    for (size_t i = 0; i < kRuleCount; ++i) EXPECT_EQ(mutation_table()[i].rule, static_cast<RuleId>(i));
    EXPECT_EQ(mutation(RuleId::GmemPunch).kind, MutationKind::SkipsEffect);
    EXPECT_EQ(mutation(RuleId::BindOverlap).kind, MutationKind::NeverFires);
    EXPECT_EQ(mutation(RuleId::VmCreate).kind, MutationKind::WrongOutcome);
    EXPECT_EQ(wrong_outcome(Outcome::ok()), Outcome::error(EINVAL));
    EXPECT_EQ(wrong_outcome(Outcome::read_value(6)), Outcome::read_value(7));
}

}  // namespace
}  // namespace slotcheck::fuzz

namespace slotcheck::fuzz {
namespace {



TEST(FuzzCommand, BadInputIsExitTwoWithTheReason) {
    for (const char* args : {"--seconds 0", "--jobs 0", "--jobs x", "--mutant no.such-rule", "--same sideways",
                             "--profile linux-0.1", "--bogus", "--seconds"}) {
        auto r = test::run_slotcheck(std::string("fuzz --model-only ") + args);
        EXPECT_EQ(r.status, 2) << args << ": " << r.output;
        EXPECT_NE(r.output.find("slotcheck fuzz"), std::string::npos) << args << ": " << r.output;
    }
}

TEST(FuzzCommand, CensusPrintsEverySituationAndWhatTheProfileRulesOut) {
    char dir_template[] = "/tmp/slotcheck-census-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir_template));
    const std::string dir = dir_template;
    auto r = test::run_slotcheck("fuzz --model-only --profile linux-6.12 --seconds 1 --seed 2 --census --out " + dir +
                                 " --json " + dir + "/summary.json");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("boundary census"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("ruled out: no VM type of the profile binds guest_memfd"), std::string::npos) << r.output;
    for (size_t i = 0; i < gen::kSituationCount; ++i)
        EXPECT_NE(r.output.find(gen::situation_name(static_cast<gen::Situation>(i))), std::string::npos);
    const std::string text = test::read_json_text(dir + "/summary.json");
    std::string error;
    const test::json doc = test::parse_document(text, "slotcheck.fuzz/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << text;
    // Every situation has its count, the first one included.
    ASSERT_TRUE(doc.contains("census")) << text;
    EXPECT_EQ(doc["census"].size(), gen::kSituationCount) << text;
    EXPECT_TRUE(doc["census"]["GfnExact"].is_number_unsigned()) << text;
    std::filesystem::remove_all(dir);
}

TEST(FuzzCommand, AMutantIsFoundShrunkAndWrittenAsARegressionSequence) {
    char dir_template[] = "/tmp/slotcheck-fuzz-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir_template));
    const std::string dir = dir_template;
    auto r = test::run_slotcheck("fuzz --model-only --profile linux-7.3 --seconds 20 --seed 3 --mutant gmem.punch --out " +
                           dir + " --json " + dir + "/summary.json");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("finding        outcome"), std::string::npos) << r.output;
    std::vector<std::string> minimized;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.path().filename() == "minimized.seq") minimized.push_back(e.path().string());
    ASSERT_EQ(minimized.size(), 1u) << r.output;
    // The written file is a regression test: its expectations are the
    // (unmutated) model's, so it replays clean, and its header says what it is.
    auto parsed = parse_file(minimized.front());
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    EXPECT_LE(parsed.sequence->steps.size(), 8u);
    EXPECT_FALSE(parsed.sequence->header_comments.empty());
    auto replayed = replay(*parsed.sequence, *named_profile("linux-7.3"), nullptr, ReplayOptions{});
    EXPECT_TRUE(replayed.agreed()) << replayed.divergences.front().summary();
    const std::string text = test::read_json_text(dir + "/summary.json");
    std::string error;
    const test::json doc = test::parse_document(text, "slotcheck.fuzz/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << text;
    EXPECT_EQ(doc["mutant"], "gmem.punch") << text;
    EXPECT_EQ(doc["seed"], "3") << text;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slotcheck::fuzz

namespace slotcheck::fuzz {
namespace {

TEST(FuzzWire, AGarbledFindingIsAnErrorNotACrash) {
    std::string error;
    EXPECT_FALSE(wire::decode_finding("index x\n", error));
    EXPECT_FALSE(error.empty());
    error.clear();
    EXPECT_FALSE(wire::decode_finding("index 99999999999999999999999\n1\n", error));
    EXPECT_FALSE(error.empty());
    std::string buffer = "S 12x\nabc";
    EXPECT_FALSE(wire::take_frame(buffer, error));
}

}  // namespace
}  // namespace slotcheck::fuzz
