// One judge for every command (replay/sequence_oracle.h): a failing
// verdict is run again before it is reported, and stands only when most of
// its runs show the same failure; a crash, a timeout or a divergence that
// does not reproduce is `flaky`, never a divergence. Held here against
// scripted kernels that crash, hang or answer wrongly on chosen runs, for
// judge() (fuzz, minimize), for replay's file judgement, and for a fuzz
// finding and the re-run its `reproduce:` line names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "command_output.h"
#include "fuzz/campaign.h"
#include "model/world.h"
#include "parsed_sequence.h"
#include "replay/judging_child.h"
#include "replay/sequence_oracle.h"
#include "tests/json_read.h"
#include "tools/replay_result.h"

namespace slotcheck {
namespace {

using std::chrono::milliseconds;

// A run counter shared by the forked replay children and this process.
class SharedCounter {
public:
    SharedCounter()
        : value_(static_cast<std::atomic<unsigned>*>(
              mmap(nullptr, sizeof(std::atomic<unsigned>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))) {
        new (value_) std::atomic<unsigned>(0);
    }
    ~SharedCounter() { munmap(value_, sizeof(std::atomic<unsigned>)); }
    SharedCounter(const SharedCounter&) = delete;
    SharedCounter& operator=(const SharedCounter&) = delete;
    unsigned next() { return value_->fetch_add(1); }  // 0-based number of this run
    unsigned count() const { return value_->load(); }

private:
    std::atomic<unsigned>* value_;
};

enum class Misbehaviour { None, WrongAnswer, Crash, Hang, SlowWrongAnswer };

// The reference model as a kernel, except on the runs `misbehaves(run)`
// names, where it answers its first operation wrongly, crashes or hangs.
class ScriptedKernel : public Executor {
public:
    ScriptedKernel(const Profile& profile, Misbehaviour how) : world_(profile), how_(how) {}
    Outcome apply(const Op& op) override {
        Outcome o = world_.apply(op);
        // The slow kernel answers its fourth operation wrongly, so shrinking
        // has a sequence of several slow operations to work through.
        if (how_ == Misbehaviour::SlowWrongAnswer) std::this_thread::sleep_for(milliseconds(150));
        if (calls_++ != (how_ == Misbehaviour::SlowWrongAnswer ? 3u : 0u)) return o;
        switch (how_) {
        case Misbehaviour::None: return o;
        case Misbehaviour::WrongAnswer:
        case Misbehaviour::SlowWrongAnswer: return Outcome::error(99);
        case Misbehaviour::Crash: std::abort();
        case Misbehaviour::Hang:
            for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        return o;
    }
    std::vector<Observation> observe(const std::vector<ObservationRequest>& requests) override {
        return world_.observe(requests);
    }

private:
    World world_;
    Misbehaviour how_;
    size_t calls_ = 0;
};

using test::parsed;

const char* kSequence =
    "slotcheck-sequence 1\n"
    "vm v0 type=0x0 => ok\n"
    "mmap m0 anon offset=0x0 size=0x2000 prot=rw => ok\n"
    "region v0 slot=0x1 flags=0x0 gpa=0x100000 size=0x2000 uaddr=m0+0x0 => ok\n";

// Judge options whose kernel misbehaves as `how` on the runs `on_run`
// selects (0-based, counted in `runs`).
JudgeOptions scripted(SharedCounter& runs, Misbehaviour how, std::function<bool(unsigned)> on_run) {
    JudgeOptions o;
    o.profile = upstream_profile();
    o.timeout = milliseconds(200);
    o.make_kernel = [&runs, how, on_run, profile = o.profile]() -> std::unique_ptr<Executor> {
        const unsigned run = runs.next();
        return std::make_unique<ScriptedKernel>(profile, on_run(run) ? how : Misbehaviour::None);
    };
    return o;
}

bool always(unsigned) { return true; }
bool first_only(unsigned run) { return run == 0; }

TEST(Reproduction, AFailureStandsWhenMostRunsShowIt) {
    EXPECT_TRUE((Reproduction{3, 3}).stands());
    EXPECT_TRUE((Reproduction{3, 2}).stands());
    EXPECT_FALSE((Reproduction{3, 1}).stands());
    EXPECT_FALSE((Reproduction{4, 2}).stands());
    EXPECT_TRUE((Reproduction{1, 1}).stands());
    EXPECT_EQ((Reproduction{3, 2}).text(), "reproduced 2/3");
    EXPECT_EQ((Reproduction{1, 1}).text(), "");
    unsigned asked = 0;
    const Reproduction r = reproduce(3, [&]() { return ++asked == 2; });
    EXPECT_EQ(asked, 2u);
    EXPECT_EQ(r.runs, 3u);
    EXPECT_EQ(r.reproduced, 2u);
}

TEST(Reproduction, ADivergenceOnEveryRunIsReportedWithItsCount) {
    SharedCounter runs;
    const Verdict v = judge(parsed(kSequence), scripted(runs, Misbehaviour::WrongAnswer, always));
    EXPECT_EQ(v.status, Verdict::Status::Diverge) << v.detail;
    EXPECT_EQ(v.reproduction.text(), "reproduced 3/3");
    EXPECT_EQ(runs.count(), 3u);
}

TEST(Reproduction, ACrashOnOneRunOfThreeIsFlakyNotAFailure) {
    SharedCounter runs;
    const Verdict v = judge(parsed(kSequence), scripted(runs, Misbehaviour::Crash, first_only));
    EXPECT_EQ(v.status, Verdict::Status::Flaky) << v.detail;
    EXPECT_FALSE(v.failed());
    EXPECT_EQ(v.first_status, Verdict::Status::Crashed);
    EXPECT_EQ(v.reproduction.text(), "reproduced 1/3");
    EXPECT_NE(v.detail.find("crashed in 1 of 3 runs"), std::string::npos) << v.detail;
}

TEST(Reproduction, ACrashOnEveryRunIsACrash) {
    SharedCounter runs;
    const Verdict v = judge(parsed(kSequence), scripted(runs, Misbehaviour::Crash, always));
    EXPECT_EQ(v.status, Verdict::Status::Crashed) << v.detail;
    EXPECT_EQ(v.reproduction.text(), "reproduced 3/3");
}

TEST(Reproduction, AHangOnEveryRunIsATimeoutEachConfirmedWithTheLongerLimit) {
    SharedCounter runs;
    const Verdict v = judge(parsed(kSequence), scripted(runs, Misbehaviour::Hang, always));
    EXPECT_EQ(v.status, Verdict::Status::TimedOut) << v.detail;
    EXPECT_EQ(v.reproduction.text(), "reproduced 3/3");
    EXPECT_EQ(runs.count(), 6u);  // three runs, each a timeout and its retry
}

TEST(Reproduction, AHangOnOneRunIsASlowAgreementNotAFailure) {
    SharedCounter runs;
    const Verdict v = judge(parsed(kSequence), scripted(runs, Misbehaviour::Hang, first_only));
    EXPECT_EQ(v.status, Verdict::Status::Agree) << v.detail;
    EXPECT_TRUE(v.slow);
}

TEST(Reproduction, ADifferentFailureOnTheRerunsDoesNotCount) {
    SharedCounter runs;
    JudgeOptions o = scripted(runs, Misbehaviour::WrongAnswer, first_only);
    // Runs after the first crash instead of answering wrongly.
    o.make_kernel = [&runs, profile = o.profile]() -> std::unique_ptr<Executor> {
        return std::make_unique<ScriptedKernel>(
            profile, runs.next() == 0 ? Misbehaviour::WrongAnswer : Misbehaviour::Crash);
    };
    const Verdict v = judge(parsed(kSequence), o);
    EXPECT_EQ(v.status, Verdict::Status::Flaky) << v.detail;
    EXPECT_EQ(v.first_status, Verdict::Status::Diverge);
}

TEST(Reproduction, OneRunMeansNoRerun) {
    SharedCounter runs;
    JudgeOptions o = scripted(runs, Misbehaviour::Crash, first_only);
    o.runs = 1;
    const Verdict v = judge(parsed(kSequence), o);
    EXPECT_EQ(v.status, Verdict::Status::Crashed);
    EXPECT_EQ(runs.count(), 1u);
}

// The long-lived judging child (JudgeOptions::judging_child) gives the
// verdicts a fork per run gives, on every script above, and is replaced
// only when a run crashed, hung or leaked.
JudgeOptions with_judging_child(JudgeOptions o) {
    o.judging_child = make_judging_child(o);
    return o;
}

TEST(JudgingChild, GivesTheVerdictsOfAForkPerRun) {
    struct Script {
        Misbehaviour how;
        bool (*on_run)(unsigned);
    };
    for (const Script script : {Script{Misbehaviour::None, always}, Script{Misbehaviour::WrongAnswer, always},
                                Script{Misbehaviour::Crash, always}, Script{Misbehaviour::Crash, first_only},
                                Script{Misbehaviour::Hang, always}, Script{Misbehaviour::Hang, first_only}}) {
        SharedCounter forked_runs, child_runs;
        const Verdict forked = judge(parsed(kSequence), scripted(forked_runs, script.how, script.on_run));
        const Verdict served =
            judge(parsed(kSequence), with_judging_child(scripted(child_runs, script.how, script.on_run)));
        const std::string which = std::to_string(static_cast<int>(script.how)) + " " + forked.detail;
        EXPECT_EQ(served.status, forked.status) << which;
        EXPECT_EQ(served.first_status, forked.first_status) << which;
        EXPECT_EQ(served.detail, forked.detail) << which;
        EXPECT_EQ(served.reproduction.text(), forked.reproduction.text()) << which;
        EXPECT_EQ(served.slow, forked.slow) << which;
        EXPECT_EQ(child_runs.count(), forked_runs.count()) << which;
        EXPECT_EQ(served.divergence.has_value(), forked.divergence.has_value()) << which;
        if (served.divergence && forked.divergence) {
            EXPECT_EQ(served.divergence->line, forked.divergence->line);
        }
    }
}

TEST(JudgingChild, ServesManySequencesFromOneProcess) {
    SharedCounter runs;
    const JudgeOptions o = with_judging_child(scripted(runs, Misbehaviour::None, always));
    pid_t first = -1;
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(judge(parsed(kSequence), o).status, Verdict::Status::Agree);
        if (i == 0) first = o.judging_child->process().pid();
        EXPECT_EQ(o.judging_child->process().pid(), first);
    }
    EXPECT_GT(first, 0);
    EXPECT_NE(first, getpid());
    EXPECT_EQ(o.judging_child->process().children_started(), 1u);
    EXPECT_EQ(runs.count(), 20u);
}

// Sequence k (of five, each judged once) misbehaves as `how`: it alone gets
// the failing verdict, and the next is served by a replacement child.
void expect_replacement_after(Misbehaviour how, Verdict::Status status) {
    constexpr unsigned k = 2;
    SharedCounter runs;
    JudgeOptions o = scripted(runs, how, [](unsigned run) { return run == k; });
    o.runs = 1;
    o.confirm_timeouts = false;
    o = with_judging_child(o);
    pid_t before = -1;
    for (unsigned i = 0; i < 5; ++i) {
        const Verdict v = judge(parsed(kSequence), o);
        EXPECT_EQ(v.status, i == k ? status : Verdict::Status::Agree) << i << ": " << v.detail;
        if (i == k - 1) before = o.judging_child->process().pid();
        if (i == k + 1) {
            EXPECT_NE(o.judging_child->process().pid(), before);
        }
    }
    EXPECT_EQ(o.judging_child->process().children_started(), 2u);
    EXPECT_EQ(o.judging_child->process().leaks(), 0u);
}

TEST(JudgingChild, ACrashIsCrashedAndTheNextSequenceGoesToAReplacement) {
    expect_replacement_after(Misbehaviour::Crash, Verdict::Status::Crashed);
}

TEST(JudgingChild, AHangIsATimeoutAndTheNextSequenceGoesToAReplacement) {
    expect_replacement_after(Misbehaviour::Hang, Verdict::Status::TimedOut);
}

TEST(JudgingChild, AnExecutorThatLeaksAnFdGetsItsChildReplaced) {
    JudgeOptions o;
    o.profile = upstream_profile();
    o.make_kernel = [profile = o.profile]() -> std::unique_ptr<Executor> {
        (void)::open("/dev/null", O_RDONLY);  // never closed: the leak under test
        return std::make_unique<World>(profile);
    };
    o = with_judging_child(o);
    for (int i = 0; i < 3; ++i) {
        const Verdict v = judge(parsed(kSequence), o);
        EXPECT_EQ(v.status, Verdict::Status::Agree) << v.detail;
    }
    EXPECT_EQ(o.judging_child->process().leaks(), 3u);
    EXPECT_EQ(o.judging_child->process().children_started(), 3u);
    EXPECT_NE(o.judging_child->process().last_leak().find("1 more open fd"), std::string::npos)
        << o.judging_child->process().last_leak();
}

// replay judges a file under the same policy.
cli::FileResult judge_file_with(SharedCounter& runs, Misbehaviour how, std::function<bool(unsigned)> on_run) {
    const Sequence seq = parsed(kSequence);
    JudgeOptions o = scripted(runs, how, std::move(on_run));
    o.check_expectations = true;  // as replay judges a file
    return cli::FileResult{"f.seq", judge(SequenceSteps(seq), o, FileJudging{last_point_step(seq), false})};
}

TEST(FileReproduction, ReplayCountsAFlakyCrashApartAndAReproducedOneAsFailed) {
    SharedCounter once, every, hang;
    const cli::FileResult flaky = judge_file_with(once, Misbehaviour::Crash, first_only);
    EXPECT_EQ(flaky.verdict.status, Verdict::Status::Flaky);
    EXPECT_FALSE(flaky.diverged());
    EXPECT_EQ(flaky.verdict.reproduction.text(), "reproduced 1/3");
    const cli::FileResult crashed = judge_file_with(every, Misbehaviour::Crash, always);
    EXPECT_EQ(crashed.verdict.status, Verdict::Status::Crashed);
    EXPECT_TRUE(crashed.diverged());
    EXPECT_EQ(crashed.verdict.reproduction.text(), "reproduced 3/3");
    const cli::FileResult timeout = judge_file_with(hang, Misbehaviour::Hang, always);
    EXPECT_EQ(timeout.verdict.status, Verdict::Status::TimedOut);
    EXPECT_EQ(hang.count(), 6u);
}

TEST(FileReproduction, ADivergingFileReproducesWithItsSignature) {
    SharedCounter runs;
    const cli::FileResult r = judge_file_with(runs, Misbehaviour::WrongAnswer, always);
    EXPECT_EQ(r.verdict.status, Verdict::Status::Diverge);
    EXPECT_EQ(r.verdict.reproduction.text(), "reproduced 3/3");
    EXPECT_NE(failure_signature(r.verdict).find("outcome"), std::string::npos) << failure_signature(r.verdict);
}

// A fuzz finding of each kind, and the campaign re-run that its
// `reproduce:` line names (the same seed and --only its index): the same
// status and signature.
fuzz::CampaignResult campaign(SharedCounter& runs, Misbehaviour how, std::optional<uint64_t> only) {
    fuzz::CampaignOptions c;
    c.seconds = 20;
    c.seed = 11;
    c.max_ops = 12;
    c.shrink = false;
    c.only = only;
    c.judge = scripted(runs, how, always);
    c.judge.timeout = milliseconds(100);
    return fuzz::run_campaign(c, nullptr);
}

TEST(FindingReproduction, EveryKindOfFindingReproducesWithItsOnlyRerun) {
    for (Misbehaviour how : {Misbehaviour::WrongAnswer, Misbehaviour::Crash, Misbehaviour::Hang}) {
        SharedCounter runs, rerun;
        const fuzz::CampaignResult found = campaign(runs, how, std::nullopt);
        ASSERT_FALSE(found.findings.empty()) << static_cast<int>(how);
        const fuzz::Finding& f = found.findings.front();
        EXPECT_EQ(f.verdict.reproduction.text(), "reproduced 3/3") << f.verdict.detail;
        const fuzz::CampaignResult again = campaign(rerun, how, f.index);
        ASSERT_EQ(again.findings.size(), 1u) << f.verdict.detail;
        EXPECT_EQ(again.findings.front().verdict.status, f.verdict.status);
        EXPECT_EQ(again.findings.front().signature, f.signature);
    }
}

TEST(FindingReproduction, AFlakyFailureIsReportedButDoesNotEndTheCampaign) {
    SharedCounter runs;
    fuzz::CampaignOptions c;
    c.seconds = 3;
    c.seed = 11;
    c.max_ops = 8;
    c.judge = scripted(runs, Misbehaviour::Crash, first_only);
    const fuzz::CampaignResult r = fuzz::run_campaign(c, nullptr);
    ASSERT_EQ(r.findings.size(), 1u);
    EXPECT_TRUE(r.findings.front().flaky());
    EXPECT_EQ(r.findings.front().verdict.reproduction.text(), "reproduced 1/3");
    EXPECT_EQ(r.stats.flaky, 1u);
    EXPECT_EQ(r.stats.failures, 0u);
    EXPECT_GT(r.stats.sequences, 1u);  // it went on after the flaky one
}

// The `reproduce:` line a fuzz finding writes carries what the campaign
// judged with, so running it gives the same verdict.
TEST(FindingReproduction, TheWrittenReproduceCommandGivesTheSameVerdict) {
    char dir_template[] = "/tmp/slotcheck-repro-XXXXXX";
    ASSERT_TRUE(mkdtemp(dir_template));
    const std::string dir = dir_template;
    auto r = test::run_slotcheck("fuzz --model-only --profile linux-7.3 --variant mmio-cache-ignores-attributes=off --max-ops 20 "
                                 "--seconds 20 --seed 5 --mutant gmem.punch --runs 2 --out " + dir);
    ASSERT_EQ(r.status, 1) << r.output;
    std::string reproduce, signature;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.path().filename() != "report.txt") continue;
        std::ifstream in(e.path());
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("reproduce: ", 0) == 0) reproduce = line.substr(11);
            if (line.rfind("signature: ", 0) == 0) signature = line.substr(11);
        }
    }
    ASSERT_EQ(reproduce.rfind("slotcheck fuzz ", 0), 0u) << reproduce;
    for (const char* option : {"--model-only", "--profile linux-7.3", "--variant mmio-cache-ignores-attributes=off", "--max-ops 20",
                               "--mutant gmem.punch", "--runs 2"})
        EXPECT_NE(reproduce.find(option), std::string::npos) << option << " missing from: " << reproduce;
    auto again = test::run_slotcheck(reproduce.substr(10) + " --no-shrink --out " + dir + "/again");
    EXPECT_EQ(again.status, 1) << again.output;
    EXPECT_NE(again.output.find(signature), std::string::npos) << signature << "\n" << again.output;
    std::filesystem::remove_all(dir);
}

// --seconds bounds the whole campaign, shrinking included, to the time
// plus grace_seconds(); a shrink the time cut short says so, and the
// progress line says that the worker is shrinking.
TEST(CampaignTime, ShrinkingEndsWithinTheGraceAndSaysItWasCutShort) {
    SharedCounter runs;
    fuzz::CampaignOptions c;
    c.seconds = 3;
    c.seed = 11;
    c.max_ops = 64;
    c.shrink_seconds = 60;
    c.judge = scripted(runs, Misbehaviour::SlowWrongAnswer, always);
    c.judge.timeout = milliseconds(10000);
    c.judge.runs = 1;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> activities;
    const fuzz::CampaignResult r = fuzz::run_campaign(c, [&](const fuzz::Progress& p) {
        activities.insert(activities.end(), p.activities.begin(), p.activities.end());
    });
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LE(took, c.seconds + fuzz::grace_seconds(c.seconds) + 1.0);
    ASSERT_EQ(r.findings.size(), 1u) << r.stats.sequences << " sequences, " << r.stats.ops << " ops, " << r.stats.failures << " failures, "
                                     << r.stopped_in_flight << " stopped";
    EXPECT_TRUE(r.findings.front().shrink_cut_short);
    // The progress line said what was going on.
    EXPECT_TRUE(std::any_of(activities.begin(), activities.end(), [](const std::string& a) {
        return a.rfind("worker 0: shrinking ", 0) == 0 && a.find(" ops") != std::string::npos;
    })) << testing::PrintToString(activities);
    EXPECT_TRUE(r.worker_errors.empty()) << r.worker_errors.front();
}

// SIGINT and SIGTERM stop a campaign with its summary and JSON, exit 128+N.
TEST(CampaignTime, ASignalStopsTheCampaignWithItsSummaryAndJson) {
    for (const auto& [signal_name, code] : {std::pair{"INT", 130}, std::pair{"TERM", 143}}) {
        char dir_template[] = "/tmp/slotcheck-signal-XXXXXX";
        ASSERT_TRUE(mkdtemp(dir_template));
        const std::string dir = dir_template;
        auto r = test::run_command(std::string("cd ") + dir + " && (" + SLOTCHECK_BINARY +
                                   " fuzz --model-only --seconds 120 --seed 1 --json " + dir +
                                   "/summary.json & pid=$!; sleep 2; kill -" + signal_name +
                                   " $pid; wait $pid; echo exit=$?)");
        EXPECT_NE(r.output.find("exit=" + std::to_string(code)), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("stopped by a signal"), std::string::npos) << r.output;
        const std::string text = test::read_json_text(dir + "/summary.json");
        std::string error;
        const test::json doc = test::parse_document(text, "slotcheck.fuzz/1", error);
        EXPECT_FALSE(doc.is_discarded()) << error << "\n" << text;
        EXPECT_TRUE(!doc.is_discarded() && doc["interrupted"] == true) << text;
        std::filesystem::remove_all(dir);
    }
}

}  // namespace
}  // namespace slotcheck
