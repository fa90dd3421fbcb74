// The minimizer (replay/minimize.h) judged by the model with a mutant rule,
// `slotcheck minimize` end to end, and recorded kernel deviations
// (`!kernel: OUTCOME`) in the text form and the differ.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "harness/kernel_facts.h"
#include "model/world.h"
#include "replay/differ.h"
#include "replay/minimize.h"
#include "replay/sequence_oracle.h"
#include "sys/exit_codes.h"
#include "tests/command_output.h"
#include "tests/scratch_dir.h"
#include "tests/support/padded_failure.h"

namespace slotcheck {
namespace {

namespace fs = std::filesystem;

JudgeOptions mutant_oracle(RuleId mutant) {
    JudgeOptions o;
    o.oracle = OracleKind::Model;
    o.mutant = mutant;
    return o;
}

// "Still fails the same way" as `slotcheck minimize --same rule` asks it.
struct SameFailure {
    Sequence original;
    Verdict first;
    JudgeOptions options;
    SameFailure(const Sequence& seq, JudgeOptions o) : original(seq), first(judge(seq, o)), options(std::move(o)) {}
    bool operator()(const Sequence& candidate) const {
        const Verdict v = judge(candidate, options);
        return v.failed() && same_failure(first, v, Sameness::Rule);
    }
};

std::vector<std::string> keywords(const Sequence& seq) {
    std::vector<std::string> out;
    for (const auto& s : seq.steps) out.push_back(op_keyword(s.op));
    return out;
}

// Every single removal and every single value simplification of `seq`
// (those that pass validate_handles) loses the failure.
void expect_one_minimal(const Sequence& seq, const SameFailure& still_fails) {
    for (size_t i = 0; i < seq.steps.size(); ++i) {
        for (auto how : {HandleRepair::Drop, HandleRepair::Repair})
            EXPECT_FALSE(still_fails(without_steps(seq, i, i + 1, how))) << "step " << i + 1 << " can go";
        for (const auto& field : value_simplifications(seq.steps[i].op)) {
            for (const Op& op : field) {
                Sequence candidate = seq;
                candidate.steps[i].op = op;
                if (validate_handles(candidate, "candidate")) continue;
                EXPECT_FALSE(still_fails(candidate)) << "step " << i + 1 << " can be " << print_op(op);
            }
        }
    }
}

struct Minimized {
    Sequence input;
    Verdict first;
    MinimizeResult result;
};

// The padded bind-overlap failure, minimized once for the tests below.
const Minimized& minimized_bind_overlap() {
    static const Minimized m = [] {
        Minimized out;
        out.input = gen::padded(gen::bind_overlap_core(), 1000, 7);
        SameFailure still_fails(out.input, mutant_oracle(RuleId::BindOverlap));
        out.first = still_fails.first;
        out.result = minimize(out.input, still_fails);
        return out;
    }();
    return m;
}

TEST(Minimize, PaddingAloneDoesNotFail) {
    // So whatever the minimizer keeps comes from the core.
    for (RuleId mutant : {RuleId::BindOverlap, RuleId::GmemPunch}) {
        const Verdict v = judge(gen::padded(Sequence{}, 1000, 7), mutant_oracle(mutant));
        EXPECT_FALSE(v.failed()) << v.detail;
    }
}

TEST(Minimize, PaddedBindOverlapShrinksToItsFourStepCore) {
    const Minimized& m = minimized_bind_overlap();
    ASSERT_EQ(m.input.steps.size(), 1008u);
    ASSERT_TRUE(m.first.failed()) << "the padded core must fail under the mutant";
    const MinimizeResult& r = m.result;
    EXPECT_EQ(r.original_length, 1008u);
    EXPECT_TRUE(r.one_minimal);
    // A guest_memfd needs its VM and an overlap needs two bindings: four
    // steps is the least that can show it.
    ASSERT_EQ(r.sequence.steps.size(), 4u) << print(r.sequence);
    EXPECT_EQ(keywords(r.sequence), (std::vector<std::string>{"vm", "gmem", "region", "region"}));
    for (const auto& s : r.sequence.steps) EXPECT_FALSE(s.expect) << "candidates carry no expectations";
    // The same failure: same kind, same operation, same deciding rule.
    const Verdict last = judge(r.sequence, mutant_oracle(RuleId::BindOverlap));
    EXPECT_TRUE(same_failure(m.first, last, Sameness::Rule)) << last.detail;
    EXPECT_EQ(failure_signature(last), failure_signature(m.first));
    EXPECT_GT(r.candidates, 10u);
    EXPECT_LT(r.candidates, 2000u) << "delta debugging, not one candidate per step and value";
}

TEST(Minimize, ResultIsOneMinimal) {
    const Minimized& m = minimized_bind_overlap();
    expect_one_minimal(m.result.sequence, SameFailure(m.input, mutant_oracle(RuleId::BindOverlap)));
}

TEST(Minimize, ValuesBecomeRound) {
    // The core binds at gpa 0x7f3a000 and 0x9000000, offsets 0x2000 and
    // 0x3000 of an 0x8000-byte file, slots 5 and 9.
    const Sequence& seq = minimized_bind_overlap().result.sequence;
    ASSERT_EQ(seq.steps.size(), 4u);
    EXPECT_EQ(std::get<CreateGmem>(seq.steps[1].op).size, 0x1000u);
    for (size_t i : {2u, 3u}) {
        const auto& r = std::get<SetRegion>(seq.steps[i].op);
        EXPECT_TRUE(r.gpa == 0 || r.gpa == 0x1000) << print_op(r);
        EXPECT_EQ(r.size, 0x1000u);
        EXPECT_EQ(r.gmem_offset, 0u) << "both offsets move to 0 together";
        EXPECT_LE(r.slot, 1u);
    }
}

TEST(Minimize, PaddedPunchShrinksToSixSteps) {
    // Seeing a punch that did nothing takes a page with data (VM, file,
    // binding, write), the punch, and a read: six steps.
    const Sequence input = gen::padded(gen::punch_core(), 400, 11);
    SameFailure still_fails(input, mutant_oracle(RuleId::GmemPunch));
    ASSERT_TRUE(still_fails.first.failed());
    const MinimizeResult r = minimize(input, still_fails);
    EXPECT_TRUE(r.one_minimal);
    ASSERT_EQ(r.sequence.steps.size(), 6u) << print(r.sequence);
    EXPECT_EQ(keywords(r.sequence), (std::vector<std::string>{"vm", "gmem", "region", "gwrite", "fallocate", "gread"}));
    // The slot at 0x7f3a000 and the accesses 0x1010 into it slide to gpa 0
    // together; one page of file, bound, written and punched from offset 0.
    const auto& region = std::get<SetRegion>(r.sequence.steps[2].op);
    EXPECT_EQ(region.gpa, 0u);
    EXPECT_EQ(region.size, 0x1000u);
    EXPECT_EQ(std::get<GuestWrite>(r.sequence.steps[3].op).gpa, 0u);
    EXPECT_EQ(std::get<GuestRead>(r.sequence.steps[5].op).gpa, 0u);
    const auto& punch = std::get<Fallocate>(r.sequence.steps[4].op);
    EXPECT_EQ(punch.offset, 0u);
    EXPECT_EQ(punch.len, 0x1000u);
}

TEST(Minimize, BudgetStopsEarlyAndSaysSo) {
    const Sequence input = gen::padded(gen::bind_overlap_core(), 300, 3);
    SameFailure still_fails(input, mutant_oracle(RuleId::BindOverlap));
    MinimizeOptions options;
    options.max_candidates = 5;
    size_t calls = 0;
    options.progress = [&](const MinimizeProgress& p) {
        ++calls;
        EXPECT_LE(p.candidates, 5u);
        EXPECT_FALSE(p.phase.empty());
    };
    const MinimizeResult r = minimize(input, still_fails, options);
    EXPECT_EQ(r.candidates, 5u);
    EXPECT_EQ(calls, 5u);
    EXPECT_FALSE(r.one_minimal);
    EXPECT_TRUE(still_fails(r.sequence)) << "what it returns still fails";
}

TEST(Minimize, SimplerValuesAreSmallerAndRoundFirst) {
    const auto values = simpler_values(0x7f3a000);
    ASSERT_GE(values.size(), 4u);
    EXPECT_EQ(values[0], 0u);
    EXPECT_EQ(values[1], 0x1000u);
    for (uint64_t v : values) {
        EXPECT_LT(v, 0x7f3a000u);
        EXPECT_EQ(v % 0x1000, 0u) << "a page-aligned value stays page aligned";
    }
    EXPECT_NE(std::find(values.begin(), values.end(), 0x7f30000u), values.end()) << "rounded down";
    EXPECT_NE(std::find(values.begin(), values.end(), 0x4000000u), values.end()) << "the top bit";
    EXPECT_TRUE(simpler_values(0).empty());
    EXPECT_EQ(simpler_values(1), std::vector<uint64_t>{0});
    EXPECT_EQ(simpler_values(6), (std::vector<uint64_t>{0, 1, 3, 4}));
    EXPECT_EQ(simpler_values(0x1000), std::vector<uint64_t>{0});
}

Sequence parsed(const std::string& body) {
    auto r = parse("slotcheck-sequence 1\n" + body, "t.seq");
    EXPECT_TRUE(r.sequence) << r.error->to_string();
    return r.sequence ? *r.sequence : Sequence{};
}

TEST(Minimize, RemovingACreationDropsOrRepairsItsUses) {
    const Sequence seq = parsed(
        "vm v0\n"
        "gmem g0 vm=v0 size=0x4000 flags=0x3\n"
        "mmap m0 g0 size=0x4000\n"
        "region v0 slot=1 flags=0x4 gpa=0x100000 size=0x4000 uaddr=m0+0x0 gmem=g0 offset=0\n"
        "gread v0 0x100000\n");
    const Sequence dropped = without_steps(seq, 1, 2, HandleRepair::Drop);
    EXPECT_EQ(keywords(dropped), (std::vector<std::string>{"vm", "gread"}));
    const Sequence repaired = without_steps(seq, 1, 2, HandleRepair::Repair);
    ASSERT_EQ(keywords(repaired), (std::vector<std::string>{"vm", "region", "gread"}));
    const auto& region = std::get<SetRegion>(repaired.steps[1].op);
    EXPECT_EQ(region.gmem.kind, FdRef::Kind::Minus1);
    EXPECT_EQ(region.uaddr, HostAddr{});
    EXPECT_FALSE(validate_handles(dropped, "d"));
    EXPECT_FALSE(validate_handles(repaired, "r"));
    // Removing the VM takes everything with it.
    EXPECT_TRUE(without_steps(seq, 0, 1, HandleRepair::Repair).steps.empty());
}

TEST(Minimize, RenumberingFollowsCreationOrder) {
    const Sequence seq = parsed("vm v3\nmemfd f2 size=0x1000\ngmem g7 vm=v3 size=0x1000\nmmap m5 g7 size=0x1000\n"
                                "hread m5+0x8 u64\nclose g7\n");
    EXPECT_EQ(print(with_renumbered_handles(seq)),
              "slotcheck-sequence 1\nvm v0 type=0x0\nmemfd f0 size=0x1000\ngmem g0 vm=v0 size=0x1000 flags=0x0\n"
              "mmap m0 g0 offset=0x0 size=0x1000 prot=rw\nhread m0+0x8 u64\nclose g0\n");
}

// ---- recorded kernel deviations

constexpr const char* kOverlap =
    "vm v0 type=0x0 => ok\n"
    "gmem g0 vm=v0 size=0x2000 flags=0x3 => ok\n"
    "region v0 slot=0x1 flags=0x4 gpa=0x0 size=0x1000 uaddr=0x0 gmem=g0 offset=0x0 => ok\n";

TEST(Deviation, MarkerRoundTrips) {
    const std::string line =
        "region v0 slot=0x2 flags=0x4 gpa=0x1000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x0 => EINVAL | "
        "binding-overlap-eexist: EEXIST !kernel: ok\n";
    const Sequence seq = parsed(std::string(kOverlap) + line);
    ASSERT_EQ(seq.steps.size(), 4u);
    const auto& e = *seq.steps[3].expect;
    ASSERT_TRUE(e.kernel_deviation);
    EXPECT_EQ(*e.kernel_deviation, Outcome::ok());
    EXPECT_EQ(e.outcome, Outcome::error(EINVAL));
    ASSERT_EQ(e.alternatives.size(), 1u);
    EXPECT_EQ(e.alternatives[0].outcome, Outcome::error(EEXIST));
    EXPECT_EQ(print(seq), "slotcheck-sequence 1\n" + std::string(kOverlap) + line);
    // Spacing is free; the printed form is canonical.
    const Sequence loose = parsed("vm v0 => ok   !  kernel :EINVAL\n");
    EXPECT_EQ(print(loose), "slotcheck-sequence 1\nvm v0 type=0x0 => ok !kernel: EINVAL\n");
}

TEST(Deviation, BadMarkersNameTheirPlace) {
    struct Case {
        const char* body;
        int column;
        const char* message;
    } cases[] = {
        {"vm v0 => ok !kernal: EINVAL\n", 13, "expected '!kernel: OUTCOME'"},
        {"vm v0 => ok !kernel EINVAL\n", 13, "expected '!kernel: OUTCOME'"},
        {"vm v0 => ok !kernel: EWHAT\n", 21, "EWHAT"},
        {"vm v0 => !kernel: ok\n", 9, ""},
        {"vm v0\ncheck => ok !kernel: ok\n", 0, "a check has no outcome to record"},
    };
    for (const auto& c : cases) {
        auto r = parse(std::string("slotcheck-sequence 1\n") + c.body, "d.seq");
        ASSERT_TRUE(r.error) << c.body;
        EXPECT_NE(r.error->message.find(c.message), std::string::npos) << r.error->to_string();
        if (c.column) {
            EXPECT_EQ(r.error->column, c.column) << r.error->to_string();
        }
        EXPECT_EQ(r.error->file, "d.seq");
    }
}

// A kernel that answers like the reference model except at the scripted
// steps.
class ScriptedKernel : public Executor {
public:
    ScriptedKernel(std::map<size_t, Outcome> answers) : world_(upstream_profile()), answers_(std::move(answers)) {}
    Outcome apply(const Op& op) override {
        Outcome o = world_.apply(op);
        auto it = answers_.find(step_++);
        return it == answers_.end() ? o : it->second;
    }
    std::vector<Observation> observe(const std::vector<ObservationRequest>& r) override { return world_.observe(r); }

private:
    World world_;
    std::map<size_t, Outcome> answers_;
    size_t step_ = 0;
};

// Step 4 overlaps step 3's binding: EEXIST upstream. The file records that
// a kernel answered EINVAL there.
Sequence recorded_deviation() {
    return parsed(std::string(kOverlap) +
                  "region v0 slot=0x2 flags=0x4 gpa=0x1000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x0 => EEXIST "
                  "!kernel: EINVAL\n");
}

ReplayReport replay_against(std::map<size_t, Outcome> answers) {
    ScriptedKernel kernel(std::move(answers));
    return replay(recorded_deviation(), upstream_profile(), &kernel, ReplayOptions{});
}

TEST(Deviation, KernelAsRecordedIsNoDivergence) {
    const ReplayReport r = replay_against({{3, Outcome::error(EINVAL)}});
    EXPECT_TRUE(r.agreed()) << r.divergences.front().summary();
    ASSERT_EQ(r.deviations_as_recorded.size(), 1u);
    const Divergence& d = r.deviations_as_recorded[0];
    EXPECT_EQ(d.step, 3u);
    EXPECT_EQ(d.model, Outcome::error(EEXIST));
    EXPECT_EQ(d.other, Outcome::error(EINVAL));
}

TEST(Deviation, KernelAgreeingWithTheModelIsAChange) {
    const ReplayReport r = replay_against({});
    ASSERT_EQ(r.divergences.size(), 1u);
    const Divergence& d = r.divergences[0];
    EXPECT_EQ(d.kind, Divergence::Kind::DeviationChanged);
    EXPECT_EQ(d.step, 3u);
    EXPECT_EQ(d.other, Outcome::error(EEXIST));
    EXPECT_EQ(d.recorded, Outcome::error(EINVAL));
    EXPECT_NE(d.summary().find("recorded deviation changed"), std::string::npos) << d.summary();
    EXPECT_NE(d.summary().find("now agrees with the model"), std::string::npos) << d.summary();
    EXPECT_TRUE(r.deviations_as_recorded.empty());
}

TEST(Deviation, KernelAnsweringSomethingElseIsAChange) {
    const ReplayReport r = replay_against({{3, Outcome::ok()}});
    ASSERT_EQ(r.divergences.size(), 1u);
    const Divergence& d = r.divergences[0];
    EXPECT_EQ(d.kind, Divergence::Kind::DeviationChanged);
    EXPECT_EQ(d.other, Outcome::ok());
    EXPECT_EQ(d.recorded, Outcome::error(EINVAL));
    EXPECT_NE(d.summary().find("file records kernel EINVAL"), std::string::npos) << d.summary();
    EXPECT_EQ(d.summary().find("now agrees"), std::string::npos) << d.summary();
}

TEST(Deviation, AModelThatNowGivesTheRecordedOutcomeMakesTheMarkerStale) {
    // Under linux-6.18 the model answers the overlap with EINVAL itself.
    ScriptedKernel kernel({{3, Outcome::error(EINVAL)}});
    const ReplayReport r = replay(recorded_deviation(), *named_profile("linux-6.18"), &kernel, ReplayOptions{});
    ASSERT_FALSE(r.divergences.empty());
    EXPECT_EQ(r.divergences[0].kind, Divergence::Kind::DeviationChanged);
    EXPECT_NE(r.divergences[0].summary().find("the marker is stale"), std::string::npos) << r.divergences[0].summary();
}

TEST(Deviation, ModelOnlyReplayAndAnnotationKeepTheMarker) {
    const Sequence seq = recorded_deviation();
    EXPECT_TRUE(replay(seq, upstream_profile(), nullptr, ReplayOptions{}).agreed());
    const Sequence annotated = with_model_expectations(seq, *named_profile("linux-6.18"));
    ASSERT_TRUE(annotated.steps[3].expect);
    EXPECT_EQ(annotated.steps[3].expect->kernel_deviation, Outcome::error(EINVAL));
}

// ---- the CLI

std::vector<fs::path> seq_files(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".seq") out.push_back(e.path());
    return out;
}

TEST(MinimizeCli, IntoCorpusWritesAFindingThatReplaysClean) {
    test::ScratchDir dir("minimize-into");
    const std::string input = dir.file("big.seq", print(gen::padded(gen::bind_overlap_core(), 300, 5)));
    const std::string corpus = (dir.path / "findings").string();
    const std::string args = "minimize --model-only --mutant gmem.bind-overlap --into " + corpus + " " + input;
    const test::CommandOutput first = test::run_slotcheck(args);
    ASSERT_EQ(first.status, kExitDivergence) << first.output;  // a failure, minimized: a finding
    EXPECT_NE(first.output.find("from 308 to 4 operations"), std::string::npos) << first.output;
    const auto files = seq_files(corpus);
    ASSERT_EQ(files.size(), 1u) << first.output;
    const std::string name = files[0].filename().string();
    EXPECT_EQ(name.rfind("outcome-region-create-at-region-", 0), 0u) << name;

    const auto parsed_finding = parse_file(files[0].string());
    ASSERT_TRUE(parsed_finding.sequence) << parsed_finding.error->to_string();
    const Sequence& finding = *parsed_finding.sequence;
    EXPECT_EQ(finding.steps.size(), 4u);
    for (const auto& s : finding.steps) EXPECT_TRUE(s.expect) << "the model's expectations are written";
    ASSERT_FALSE(finding.header_comments.empty());
    EXPECT_EQ(finding.header_comments[0], " Finding: outcome region.create at region");
    std::string header;
    for (const auto& h : finding.header_comments) header += h + "\n";
    EXPECT_NE(header.find("mutant gmem.bind-overlap"), std::string::npos) << header;
    EXPECT_NE(header.find("Deciding rule: region.create"), std::string::npos) << header;
    for (const char* profile : {"linux-6.18", "linux-7.2", "linux-7.3", "upstream"}) {
        ReplayOptions options;
        options.stop_at_first = false;
        for (const auto& d : replay(finding, *named_profile(profile), nullptr, options).divergences)
            ADD_FAILURE() << profile << ": " << d.summary();
    }
    const test::CommandOutput replayed = test::run_slotcheck("replay --model-only " + files[0].string());
    EXPECT_EQ(replayed.status, 0) << replayed.output;

    // The same finding again: the same name, left as it is.
    const test::CommandOutput second = test::run_slotcheck(args);
    ASSERT_EQ(second.status, kExitDivergence) << second.output;
    EXPECT_NE(second.output.find(name + " (already recorded"), std::string::npos) << second.output;
    EXPECT_EQ(seq_files(corpus).size(), 1u);
}

TEST(MinimizeCli, ExternalOracleCommand) {
    test::ScratchDir dir("minimize-oracle");
    // "Fails" while the candidate still has a guest read through v1.
    const std::string script = dir.file("oracle.sh", "#!/bin/sh\ngrep -q '^gread v1 ' \"$1\"\n");
    fs::permissions(script, fs::perms::owner_all);
    const std::string input = dir.file("big.seq", print(gen::padded(gen::bind_overlap_core(), 200, 9)));
    const std::string out = (dir.path / "small.seq").string();
    const test::CommandOutput run = test::run_slotcheck("minimize --oracle " + script + " --repeat 3 --out " + out + " " + input);
    ASSERT_EQ(run.status, kExitDivergence) << run.output;
    EXPECT_NE(run.output.find("fails 3 of 3 times"), std::string::npos) << run.output;
    const auto result = parse_file(out);
    ASSERT_TRUE(result.sequence) << result.error->to_string();
    // A VM and a read of it; renumbering v1 to v0 would lose the failure,
    // and the gpa became 0.
    ASSERT_EQ(result.sequence->steps.size(), 2u) << print(*result.sequence);
    EXPECT_EQ(print_op(result.sequence->steps[0].op), "vm v1 type=0x0");
    EXPECT_EQ(print_op(result.sequence->steps[1].op), "gread v1 0x0");
}

// The exit-code table (sys/exit_codes.h): an input that does not fail is
// nothing found, as an agreeing replay is; 1 would say it fails.
TEST(MinimizeCli, InputThatDoesNotFailExitsAsNothingFound) {
    test::ScratchDir dir("minimize-agree");
    const std::string input = dir.file("ok.seq", std::string("slotcheck-sequence 1\n") + kOverlap);
    const test::CommandOutput run = test::run_slotcheck("minimize --model-only --mutant gmem.bind-overlap " + input);
    EXPECT_EQ(run.status, kExitOk) << run.output;
    EXPECT_NE(run.output.find("does not fail"), std::string::npos) << run.output;
}

TEST(MinimizeCli, BadInputExitsTwoWithThePlace) {
    test::ScratchDir dir("minimize-bad");
    const std::string broken = dir.file("broken.seq", "slotcheck-sequence 1\nvm v0\nregion v0 slot=zz\n");
    const std::string good = dir.file("good.seq", std::string("slotcheck-sequence 1\n") + kOverlap);
    struct Case {
        std::string args, message;
    } cases[] = {
        {"--model-only --mutant gmem.punch " + broken, broken + ":3:"},
        {"--model-only --mutant gmem.punch --frobnicate " + good, "unknown option"},
        {"--model-only --mutant gmem.punch --same everything " + good, "--same takes any, op or rule"},
        {"--model-only " + good, "needs --mutant"},
        {"--model-only --mutant no.such-rule " + good, "unknown rule 'no.such-rule'"},
        {"--model-only --mutant gmem.punch " + (dir.path / "missing.seq").string(), "missing.seq: No such file or directory"},
        {"--oracle true --deviation " + good, "--deviation"},
    };
    for (const auto& c : cases) {
        const test::CommandOutput run = test::run_slotcheck("minimize " + c.args);
        EXPECT_EQ(run.status, 2) << c.args << "\n" << run.output;
        EXPECT_NE(run.output.find(c.message), std::string::npos) << c.args << "\n" << run.output;
    }
}

TEST(MinimizeCli, WithoutKvmTheDefaultOracleExitsThree) {
    std::string why;
    if (kvm_available(why)) GTEST_SKIP() << "/dev/kvm is here";
    test::ScratchDir dir("minimize-nokvm");
    const std::string input = dir.file("x.seq", std::string("slotcheck-sequence 1\n") + kOverlap);
    const test::CommandOutput run = test::run_slotcheck("minimize " + input);
    EXPECT_EQ(run.status, 3) << run.output;
    EXPECT_NE(run.output.find("--model-only"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find(why), std::string::npos) << run.output;
}

}  // namespace
}  // namespace slotcheck
