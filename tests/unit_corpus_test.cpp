// The corpus against the model: every file parses, its expected outcomes
// are the model's under each profile it is written for, the invariants hold
// after every step, and together the files exercise every rule of the table
// both ways (a step where the rule decides and one where its check passes).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "model/baselines.h"
#include "model/corpus_profiles.h"
#include "replay/differ.h"
#include "replay/features.h"
#include "replay/point.h"
#include "replay/rule_naming.h"
#include "seq/rules.h"
#include "seq/sequence.h"
#include "tests/command_output.h"
#include "tests/corpus_twins.h"
#include "tests/qemu_guest_profile.h"
#include "tests/scratch_dir.h"

namespace slotcheck {
namespace {

std::vector<std::string> corpus_files() {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(SLOTCHECK_SOURCE_DIR "/corpus"))
        if (e.is_regular_file() && e.path().extension() == ".seq") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

// The profiles every corpus file is written for (model/corpus_profiles.h).
// Under each, a file's written outcomes hold, or it needs a feature the
// profile lacks and is a skip there (corpus/private/ without VM type 1, the
// default-VM guest_memfd files on 6.12): what `slotcheck vm --expectations`
// checks on those kernels (docs/sequence-format.md).
TEST(CorpusProfiles, TheBuildsOfTheVmMatrixHaveBaselineEntries) {
    for (const char* build : {kDebian612Build, kBuilt612Build})
        EXPECT_FALSE(baselines_for(shipped_baselines(), build).empty())
            << "no entry in model/baselines.txt matches " << build;
}

std::string relative(const std::string& path) {
    return std::filesystem::relative(path, SLOTCHECK_SOURCE_DIR).string();
}

class CorpusFile : public testing::TestWithParam<std::string> {};

TEST_P(CorpusFile, AgreesWithTheModelUnderEveryProfile) {
    auto parsed = parse_file(GetParam());
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    size_t with_expectation = 0;
    for (const auto& s : parsed.sequence->steps) with_expectation += s.expect.has_value();
    EXPECT_GT(with_expectation, 0u) << "a corpus file states its expected outcomes";
    for (const Profile& profile : corpus_profiles()) {
        const auto needs = missing_features(*parsed.sequence, profile);
        // Upstream with VM type 1 lacks nothing the corpus uses: there every file runs.
        if (profile.name == upstream_with_type_1().name) {
            EXPECT_TRUE(needs.empty()) << profile.name << ": needs " << feature_list(needs);
        }
        if (!needs.empty()) continue;  // a skip there, as replay reports it
        ReplayOptions options;
        options.stop_at_first = false;
        auto report = replay(*parsed.sequence, profile, nullptr, options);
        for (const auto& d : report.divergences) ADD_FAILURE() << profile.name << ": " << d.summary();
        // Under the profiles it is written for, a file tests its point.
        const auto reach = point_reach(*parsed.sequence, profile, report);
        EXPECT_TRUE(reach.reached) << profile.name << ": " << reach.why;
    }
}

// Every expected rejection of a corpus file names the rule that decides it
// under the profiles that read it (docs/sequence-format.md "Naming the
// rule"), so an EINVAL for the wrong reason fails and a grep finds the tests
// of a rule: naming them again (`slotcheck annotate --name-rules`) finds
// nothing to add, change or complain about.
TEST_P(CorpusFile, NamesTheRuleOfEveryExpectedRejection) {
    auto parsed = parse_file(GetParam());
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    const RuleNaming named = with_rules_named(*parsed.sequence, corpus_profiles());
    for (const auto& problem : named.problems) ADD_FAILURE() << problem;
    for (size_t i = 0; i < parsed.sequence->steps.size(); ++i) {
        const auto& written = parsed.sequence->steps[i].expect;
        if (!written) continue;
        EXPECT_EQ(print_expectation(*written), print_expectation(*named.sequence.steps[i].expect))
            << "line " << parsed.sequence->steps[i].line;
    }
}

// What the vm tests hold the corpus to, on the model first: each kernel of
// the matrix (Debian's newest 7.x as linux-7.3, Debian's 6.12.118, the built
// 6.12) on the machine of the qemu guests, where a file holds its written
// outcomes or needs what that kernel or machine lacks (a skip there).
TEST_P(CorpusFile, HoldsItsOutcomesOnTheKernelsOfTheVmTests) {
    auto parsed = parse_file(GetParam());
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    for (const Profile& release :
         {*named_profile("linux-7.3"), as_built(*named_profile("linux-6.12"), kDebian612Build),
          as_built(*named_profile("linux-6.12-sw-protected"), kBuilt612Build)}) {
        const Profile profile = test::on_the_qemu_guests(release);
        if (!missing_features(*parsed.sequence, profile).empty()) continue;
        ReplayOptions options;
        options.stop_at_first = false;
        const auto report = replay(*parsed.sequence, profile, nullptr, options);
        for (const auto& d : report.divergences) ADD_FAILURE() << profile.name << ": " << d.summary();
        const auto reach = point_reach(*parsed.sequence, profile, report);
        EXPECT_TRUE(reach.reached) << profile.name << ": " << reach.why;
    }
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusFile, testing::ValuesIn(corpus_files()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string n = relative(info.param);
                             for (auto& c : n)
                                 if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

// Every named profile, and upstream with each variant flipped: a rule that
// only some kernels have (ENOTTY without guest_memfd) is reachable there.
std::vector<Profile> coverage_profiles() {
    std::vector<Profile> out;
    for (const auto& name : profile_names()) out.push_back(*named_profile(name));
    for (const auto& v : variant_table()) {
        Profile p = upstream_profile();
        p.*(v.field) = !(p.*(v.field));
        out.push_back(p);
    }
    return out;
}

TEST(CorpusCoverage, EveryRuleIsExercisedBothWays) {
    std::vector<uint64_t> hits(kRuleCount + 1, 0), passes(kRuleCount, 0);
    const auto profiles = coverage_profiles();
    for (const auto& file : corpus_files()) {
        auto parsed = parse_file(file);
        ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
        for (const auto& profile : profiles) {
            ReplayOptions options;
            options.check_expectations = false;
            options.stop_at_first = false;
            auto report = replay(*parsed.sequence, profile, nullptr, options);
            for (size_t r = 0; r < kRuleCount; ++r) {
                hits[r] += report.rule_hits[r];
                passes[r] += report.rule_passes[r];
            }
        }
    }
    for (const auto& r : rule_table()) {
        size_t i = static_cast<size_t>(r.id);
        EXPECT_GT(hits[i], 0u) << "no corpus step is decided by rule " << r.name;
        if (r.err != 0) {
            EXPECT_GT(passes[i], 0u) << "no corpus step passes the check of rule " << r.name;
        }
    }
}

// The list "Files without a twin" of docs/sequence-format.md: the paths
// (relative to corpus/) of its "- `DIR/FILE.seq`: reason" items.
std::set<std::string> documented_without_twin() {
    std::ifstream in(SLOTCHECK_SOURCE_DIR "/docs/sequence-format.md");
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto start = doc.find("Files without a twin");
    EXPECT_NE(start, std::string::npos) << "docs/sequence-format.md lists the files without a twin";
    std::set<std::string> out;
    if (start == std::string::npos) return out;
    const auto end = doc.find("\n\n", doc.find("\n- ", start));
    const std::string list = doc.substr(start, end - start);
    const std::regex item(R"(\n- `([^`]+\.seq)`:)");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), item); it != std::sregex_iterator(); ++it)
        out.insert((*it)[1].str());
    return out;
}

bool lacks_guest_memfd_of_newer_kernels(const std::vector<Feature>& needs) {
    return std::any_of(needs.begin(), needs.end(), [](const Feature& f) {
        return f.kind == Feature::Kind::GmemOnDefaultVm || f.kind == Feature::Kind::GmemMmap;
    });
}

// On the built 6.12 (the 6.12 release with VM type 1 and its baseline entry)
// a file that binds guest_memfd on a default VM or uses the MMAP flags is a
// skip; each has a twin that runs there, or the docs say why not.
TEST(CorpusTwins, EveryGuestMemfdFileThatSkipsOnTheBuilt612HasATwinOrIsListed) {
    const Profile built = as_built(*named_profile("linux-6.12-sw-protected"), kBuilt612Build);
    const auto found = test::corpus_twins(SLOTCHECK_SOURCE_DIR "/corpus");
    for (const auto& [original, twin] : found.duplicates) ADD_FAILURE() << original << " has a second twin: " << twin;
    const auto& twins = found.by_original;
    const auto without = documented_without_twin();
    EXPECT_GT(twins.size(), 20u);
    EXPECT_GT(without.size(), 5u);
    const std::string root = SLOTCHECK_SOURCE_DIR "/corpus/";
    for (const auto& file : corpus_files()) {
        const std::string rel = relative(file).substr(std::string("corpus/").size());
        auto parsed = parse_file(file);
        ASSERT_TRUE(parsed.sequence) << rel;
        const auto needs = missing_features(*parsed.sequence, built);
        const bool has_twin = twins.contains(rel), listed = without.contains(rel);
        if (lacks_guest_memfd_of_newer_kernels(needs)) {
            EXPECT_TRUE(has_twin != listed) << rel << " (needs " << feature_list(needs)
                                            << "): a twin in corpus/private/ or a line in the docs' list, not both";
        } else {
            EXPECT_FALSE(listed) << rel << " runs on the built 6.12; it needs no entry in the list";
        }
    }
    for (const auto& rel : without) EXPECT_TRUE(std::filesystem::exists(root + rel)) << "listed: " << rel;
    // A twin reaches its point there (and on the qemu guests' machine), where its original cannot.
    for (const auto& [original, twin] : twins) {
        EXPECT_TRUE(std::filesystem::exists(root + original)) << twin << " names " << original;
        auto parsed = parse_file(root + twin);
        ASSERT_TRUE(parsed.sequence) << twin;
        for (const Profile& profile : {built, test::on_the_qemu_guests(built)}) {
            const auto needs = missing_features(*parsed.sequence, profile);
            EXPECT_TRUE(needs.empty()) << twin << " under " << profile.name << " needs " << feature_list(needs);
            const auto report = replay(*parsed.sequence, profile, nullptr, {});
            EXPECT_TRUE(report.divergences.empty()) << twin << " under " << profile.name;
            EXPECT_TRUE(point_reach(*parsed.sequence, profile, report).reached) << twin << " under " << profile.name;
        }
    }
}

// annotate checks what it wrote under the profiles the corpus is written
// for, skipping those that lack what the file needs (VM type 1 under
// linux-6.18), as replay does: a twin annotates cleanly.
TEST(CorpusTwins, AnnotateSkipsTheProfilesWithoutVmTypeOne) {
    test::ScratchDir out("annotate-twin");
    const auto r = test::run_slotcheck("annotate --profile linux-6.12-sw-protected --out " + out.path.string() + " " +
                                       SLOTCHECK_SOURCE_DIR "/corpus/private/fd-errors-private.seq");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output.find("under linux-"), std::string::npos) << r.output;
    std::ifstream written(out.path / "fd-errors-private.seq"), original(SLOTCHECK_SOURCE_DIR "/corpus/private/fd-errors-private.seq");
    std::stringstream a, b;
    a << written.rdbuf();
    b << original.rdbuf();
    EXPECT_EQ(a.str(), b.str());
}

}  // namespace
}  // namespace slotcheck
