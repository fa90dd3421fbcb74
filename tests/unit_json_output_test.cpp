// Every command's --json document (docs/output.md "JSON documents"): it
// parses, names its schema and version first, keeps text exactly (quotes,
// control characters) and writes a 64-bit seed as a decimal string that
// survives a reader holding numbers as doubles (jq).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "orchestration/vm_report.h"
#include "sys/json_document.h"
#include "tests/command_output.h"
#include "tests/json_read.h"
#include "tests/scratch_dir.h"
#include "tools/fuzz_output.h"
#include "tools/replay_result.h"

namespace slotcheck {
namespace {

namespace fs = std::filesystem;
using test::json;

// Above 2^53, where a double holds only every other integer: the last digit
// is odd, so a reader that rounds through a double gets another number.
constexpr uint64_t kBigSeed = (uint64_t{1} << 53) + 1;
constexpr uint64_t kLargestSeed = std::numeric_limits<uint64_t>::max();

// Text a hand-written escaper gets wrong: quotes, backslashes, a tab, a
// newline, another control character, and UTF-8 beyond ASCII.
const std::string kAwkwardText = "a \"quoted\" \\path\\\tend\nnext \x01 \xc3\xa9t\xc3\xa9";

json parsed(const std::string& text, std::string_view schema) {
    std::string error;
    json doc = test::parse_document(text, schema, error);
    EXPECT_FALSE(doc.is_discarded()) << error << "\n" << text;
    return doc;
}

TEST(JsonDocument, StartsWithTheSchemaAndWritesOneLine) {
    Json doc = json_document("slotcheck.example", 7);
    doc["seed"] = json_u64_string(kLargestSeed);
    doc["text"] = kAwkwardText;
    std::ostringstream out;
    write_json(out, doc);
    const std::string text = out.str();
    EXPECT_EQ(text.rfind("{\"schema\":\"slotcheck.example/7\",", 0), 0u) << text;
    EXPECT_EQ(text.find('\n'), text.size() - 1) << "one line, ended by a newline: " << text;
    const json back = parsed(text, "slotcheck.example/7");
    EXPECT_EQ(back["seed"], "18446744073709551615");
    EXPECT_EQ(back["text"], kAwkwardText);
}

TEST(JsonDocument, TextThatIsNotUtf8IsReplacedNotAFailure) {
    Json doc = json_document("slotcheck.example", 1);
    doc["console"] = std::string("before \xff\xfe after");
    std::ostringstream out;
    ASSERT_NO_THROW(write_json(out, doc));
    const json back = parsed(out.str(), "slotcheck.example/1");
    EXPECT_EQ(back["console"], "before \xef\xbf\xbd\xef\xbf\xbd after");
}

TEST(JsonOutput, ReplayReportNamesItsSchemaAndKeepsTextExactly) {
    cli::FileResult r;
    r.file = "dir/" + kAwkwardText + ".seq";
    r.verdict.status = Verdict::Status::Diverge;
    r.verdict.steps_run = 4;
    r.verdict.observations = 2;
    Divergence d;
    d.kind = Divergence::Kind::Outcome;
    d.step = 2;
    d.line = 5;
    d.op_text = "bind g0";
    d.other = Outcome::error(22);
    r.verdict.divergence = d;
    r.verdict.detail = kAwkwardText;
    std::ostringstream out;
    cli::print_json(out, {r}, "linux-7.3", true, std::nullopt);
    const json doc = parsed(out.str(), "slotcheck.replay/1");
    EXPECT_EQ(nlohmann::ordered_json::parse(out.str()).begin().key(), "schema") << "the schema comes first";
    EXPECT_EQ(doc["profile"], "linux-7.3");
    EXPECT_EQ(doc["kernel"], true);
    EXPECT_EQ(doc["interrupted"], false);
    EXPECT_EQ(doc["files_given"], 1);
    ASSERT_EQ(doc["files"].size(), 1u);
    const json& file = doc["files"][0];
    EXPECT_EQ(file["file"], r.file);
    EXPECT_EQ(file["verdict"], "diverge");
    EXPECT_EQ(file["steps"], 4);
    ASSERT_EQ(file["findings"].size(), 1u);
    EXPECT_EQ(file["findings"][0]["step"], 3) << "steps count from 1 in the report";
    EXPECT_EQ(file["findings"][0]["line"], 5);
    EXPECT_EQ(file["findings"][0]["summary"], kAwkwardText);
    EXPECT_EQ(doc["totals"]["failed"], 1);
}

TEST(JsonOutput, FuzzSummaryWritesTheSeedAsAString) {
    for (const uint64_t seed : {uint64_t{0}, kBigSeed, kLargestSeed}) {
        cli::FuzzHeader h;
        h.seed = seed;
        h.profile = "linux-7.3";
        h.oracle = "model";
        h.census = true;
        fuzz::CampaignResult r;
        r.stats.sequences = 10;
        r.worker_errors.push_back(kAwkwardText);
        std::ostringstream out;
        cli::print_summary_json(out, h, r, {});
        const json doc = parsed(out.str(), "slotcheck.fuzz/1");
        ASSERT_TRUE(doc["seed"].is_string()) << out.str();
        EXPECT_EQ(std::stoull(doc["seed"].get<std::string>()), seed);
        EXPECT_EQ(doc["sequences"], 10);
        EXPECT_EQ(doc["coverage"].size(), kRuleCount);
        EXPECT_EQ(doc["census"].size(), gen::kSituationCount);
        EXPECT_EQ(doc["worker_errors"], json({kAwkwardText}));
    }
}

TEST(JsonOutput, VmSummaryWritesEachBootSeedAsAString) {
    cli::VmReport report;
    report.replay = true;
    cli::KernelReport k;
    k.kernel.name = "7";
    k.release = "7.3.0-1-amd64";
    cli::BootRecord b;
    b.seed = kLargestSeed - 2;
    b.end = vm::VmEnd::Exited;
    b.detail = kAwkwardText;
    b.wall_s = 12.3456;
    k.boots.push_back(b);
    k.verdicts["corpus/a.seq"] = "agree";
    k.verdicts["corpus/b.seq"] = "skip";
    k.verdict_details["corpus/b.seq"] = "needs vm-type-1";
    report.kernels.push_back(k);
    std::ostringstream out;
    report.print_json(out);
    const json doc = parsed(out.str(), "slotcheck.vm/1");
    EXPECT_EQ(doc["mode"], "replay");
    ASSERT_EQ(doc["kernels"].size(), 1u);
    const json& boot = doc["kernels"][0]["boots"][0];
    EXPECT_EQ(boot["seed"], "18446744073709551613");
    EXPECT_EQ(boot["end"], "exited");
    EXPECT_EQ(boot["detail"], kAwkwardText);
    EXPECT_DOUBLE_EQ(boot["wall_s"].get<double>(), 12.35) << "seconds with two decimals";
    EXPECT_EQ(doc["kernels"][0]["verdicts"], json({{"corpus/a.seq", "agree"}, {"corpus/b.seq", "skip"}}));
    EXPECT_EQ(doc["kernels"][0]["details"]["corpus/b.seq"], "needs vm-type-1");
    EXPECT_TRUE(doc["findings"].empty());
    EXPECT_TRUE(doc["errors"].empty());
}

// End to end: the seed a campaign is given comes back exactly from its
// --json, through nlohmann and through jq, which holds numbers as doubles.
TEST(JsonOutput, AFuzzSeedAbove2To53SurvivesJq) {
    test::ScratchDir dir("json-seed");
    const std::string summary = (dir.path / "summary.json").string();
    const std::string seed = std::to_string(kBigSeed);
    const auto r = test::run_slotcheck("fuzz --model-only --seconds 1 --seed " + seed + " --out " +
                                       (dir.path / "out").string() + " --json " + summary);
    ASSERT_EQ(r.status, 0) << r.output;
    const json doc = parsed(test::read_json_text(summary), "slotcheck.fuzz/1");
    EXPECT_EQ(doc["seed"], seed);
    const auto jq = test::run_command("jq -r '.schema, .seed' " + summary);
    ASSERT_EQ(jq.status, 0) << "jq (scripts/install-deps): " << jq.output;
    EXPECT_EQ(jq.output, "slotcheck.fuzz/1\n" + seed + "\n");
}

TEST(JsonOutput, ReplayJsonOnStdoutIsTheWholeDocument) {
    test::ScratchDir dir("json-replay");
    const std::string file = (dir.path / "one.seq").string();
    std::ofstream(file) << "slotcheck-sequence 1\nvm v0 type=0x0 => ok\n";
    const auto r = test::run_slotcheck("replay --model-only --json - " + file);
    ASSERT_EQ(r.status, 0) << r.output;
    const json doc = parsed(r.output, "slotcheck.replay/1");
    ASSERT_EQ(doc["files"].size(), 1u);
    EXPECT_EQ(doc["files"][0]["file"], file);
    EXPECT_EQ(doc["files"][0]["verdict"], "agree");
}

}  // namespace
}  // namespace slotcheck
