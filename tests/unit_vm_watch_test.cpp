// The VM watcher (harness/vm/vm_run.h) and the event channel it reads
// (sys/frames.h, harness/event_log.h), without qemu: a fake runner
// (tests/fixtures/vm/fake-runner) plays a scenario on the console and the
// event file exactly as a guest does, and the tests check what run_vm()
// makes of it: which sequence a kernel report belongs to, how a VM that
// dies or hangs is told apart, what a divergence brings back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/event_log.h"
#include "harness/vm/vm_run.h"
#include "orchestration/vm_report.h"
#include "replay/verdict.h"
#include "seq/sequence.h"
#include "sys/frames.h"
#include "tests/command_output.h"
#include "tests/json_read.h"

namespace {

namespace fs = std::filesystem;
using namespace slotcheck;

const fs::path kFixtures = fs::path(SLOTCHECK_SOURCE_DIR) / "tests/fixtures/vm";

fs::path fresh_dir(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("slotcheck-unit-vm-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

vm::VmRunResult play(const std::string& scenario, double silence_s = 30, double lockup_grace_s = 30) {
    vm::VmSpec spec;
    spec.kernel = {"fake", "/nonexistent/bzImage", ""};
    spec.runner = (kFixtures / "fake-runner").string();
    spec.command = {scenario};
    spec.work_dir = fresh_dir(scenario).string();
    spec.silence_limit_s = silence_s;
    spec.lockup_grace_s = lockup_grace_s;
    spec.time_limit_s = 60;
    return vm::run_vm(spec);
}

TEST(Frames, RoundTripAndPartialFrames) {
    std::string buffer = frames::encode('B', "1.0 a.seq\nbody") + frames::encode('D', "1.0 agree");
    std::string error;
    std::string partial = buffer.substr(0, 7);
    EXPECT_FALSE(frames::take_frame(partial, "BD", error));
    EXPECT_TRUE(error.empty());
    auto first = frames::take_frame(buffer, "BD", error);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->type, 'B');
    EXPECT_EQ(first->payload, "1.0 a.seq\nbody");
    auto second = frames::take_frame(buffer, "BD", error);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->payload, "1.0 agree");
    EXPECT_TRUE(buffer.empty());
}

TEST(Frames, UnknownTypeOrBadLengthLosesTheStream) {
    std::string error;
    std::string unknown = frames::encode('Z', "x");
    EXPECT_FALSE(frames::take_frame(unknown, "BD", error));
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(unknown.empty());
    error.clear();
    std::string bad_length = "B 12x\nabc";
    EXPECT_FALSE(frames::take_frame(bad_length, "BD", error));
    EXPECT_FALSE(error.empty());
}

TEST(KmsgMarker, ParsesBeginAndEndAfterAnyPrefix) {
    auto begin = parse_kmsg_marker("slotcheck: seq 42.7 begin fuzz seed 3 index 9");
    ASSERT_TRUE(begin);
    EXPECT_EQ(begin->id, "42.7");
    EXPECT_TRUE(begin->begin);
    EXPECT_EQ(begin->rest, "fuzz seed 3 index 9");
    auto end = parse_kmsg_marker("[    4.677541] slotcheck: seq 42.7 end diverge");
    ASSERT_TRUE(end);
    EXPECT_FALSE(end->begin);
    EXPECT_EQ(end->rest, "diverge");
    EXPECT_FALSE(parse_kmsg_marker("slotcheck: seq 42.7 started"));
    EXPECT_FALSE(parse_kmsg_marker("kvm: something else"));
}

// replay --events names each file in a begin event with the file's own
// text, which the host keeps to reproduce a kernel report from. A file over
// the limit is neither read whole nor sent whole: its event says so.
TEST(EventLog, AFileIsCarriedAsItsOwnTextUpToTheLimit) {
    const fs::path dir = fresh_dir("event-log-file");
    const fs::path channel = dir / "events.bin", kmsg = dir / "kmsg";
    std::ofstream(kmsg).close();
    const fs::path small = dir / "small.seq", large = dir / "large.seq";
    const std::string text = "slotcheck-sequence 1\n# kept as written\nvm v0 type=0x0 => ok\n";
    std::ofstream(small) << text;
    {
        std::ofstream out(large);
        out << "slotcheck-sequence 1\n";
        const std::string comment = "# " + std::string(1022, 'x') + "\n";
        for (uintmax_t n = 0; n <= EventLog::kCarriedTextLimit / comment.size(); ++n) out << comment;
    }
    std::string error;
    auto log = EventLog::open(channel.string(), error, kmsg.string());
    ASSERT_TRUE(log) << error;
    log->begin_file(small.string());
    log->begin_file(large.string());
    log.reset();

    std::stringstream events;
    events << std::ifstream(channel).rdbuf();
    std::string buffer = events.str();
    EXPECT_LT(buffer.size(), 4096u) << "the long file went down the channel";
    std::vector<vm::SequenceRecord> begun;
    while (auto f = frames::take_frame(buffer, event::kAll, error))
        if (f->type == event::kBegin) begun.push_back(vm::parse_begin_frame(f->payload));
    ASSERT_EQ(begun.size(), 2u) << error;
    EXPECT_EQ(begun[0].label, small.string());
    EXPECT_EQ(begun[0].text, text);
    EXPECT_EQ(begun[1].label, large.string());
    EXPECT_NE(begun[1].text.find("over the 4 MiB a begin event carries"), std::string::npos) << begun[1].text;
    EXPECT_TRUE(parse(begun[1].text).sequence) << "what stands for the file still parses";
}

TEST(EventLog, SequenceFramesComeBeforeTheirMarkersAndCarryTheDetail) {
    const fs::path dir = fresh_dir("event-log");
    const fs::path channel = dir / "events.bin", kmsg = dir / "kmsg";
    std::ofstream(kmsg).close();
    std::string error;
    auto log = EventLog::open(channel.string(), error, kmsg.string());
    ASSERT_TRUE(log) << error;
    Sequence seq;
    log->inject_into_kernel_log("b.seq", {"WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x1"});
    const std::string a = log->begin_sequence("a.seq", seq);
    log->end_sequence(a, "agree");
    const std::string b = log->begin_sequence("b.seq", seq);
    Verdict diverged;
    diverged.status = Verdict::Status::Diverge;
    diverged.divergence = Divergence{};
    diverged.divergence->op_text = "region v0 slot=0x1";
    diverged.divergence->other = Outcome::error(22);
    diverged.detail = diverged.divergence->summary();
    log->end_sequence(b, "diverge", encode(diverged));
    EXPECT_NE(a, b);

    std::stringstream events;
    events << std::ifstream(channel).rdbuf();
    std::string buffer = events.str();
    std::vector<frames::Frame> got;
    while (auto f = frames::take_frame(buffer, event::kAll, error)) got.push_back(*f);
    ASSERT_EQ(got.size(), 4u) << error;
    EXPECT_EQ(got[0].type, event::kBegin);
    EXPECT_EQ(got[0].payload.substr(0, got[0].payload.find('\n')), a + " a.seq");
    EXPECT_EQ(got[3].payload, b + " diverge\n" + encode(diverged));

    std::stringstream records;
    records << std::ifstream(kmsg).rdbuf();
    const std::string k = records.str();
    // The injected report follows b's begin marker only.
    const auto b_begin = k.find("slotcheck: seq " + b + " begin b.seq");
    const auto warning = k.find("WARNING: CPU: 0");
    ASSERT_NE(b_begin, std::string::npos) << k;
    ASSERT_NE(warning, std::string::npos) << k;
    EXPECT_LT(b_begin, warning);
    EXPECT_EQ(k.find("WARNING: CPU: 0", warning + 1), std::string::npos);
    EXPECT_NE(k.find("slotcheck: seq " + b + " end diverge"), std::string::npos);
    EXPECT_EQ(k.find("kernel EINVAL"), std::string::npos) << "the kernel-log marker carries the status only";
}

TEST(VmWatch, KernelReportIsTiedToTheSequenceWhoseMarkerWasOpen) {
    const auto r = play("report");
    EXPECT_EQ(r.end, vm::VmEnd::Exited) << r.detail;
    EXPECT_EQ(r.sequences_begun, 3u);
    ASSERT_EQ(r.splats.size(), 1u);
    const auto& s = r.splats[0];
    EXPECT_EQ(s.splat.kind, vm::SplatKind::Warning);
    ASSERT_TRUE(s.culprit);
    EXPECT_EQ(s.culprit->label, "second.seq");
    EXPECT_TRUE(s.culprit_in_flight);
    EXPECT_NE(s.culprit->text.find("vm v0 type=0x0"), std::string::npos);
    ASSERT_EQ(r.finished.size(), 3u);
    EXPECT_FALSE(r.in_flight_at_end);
}

TEST(VmWatch, VmThatEndsWithoutItsTrailerDiedInTheOpenSequence) {
    const auto r = play("die");
    EXPECT_EQ(r.end, vm::VmEnd::Died) << r.detail;
    ASSERT_TRUE(r.in_flight_at_end);
    EXPECT_EQ(r.in_flight_at_end->label, "fatal.seq");
    EXPECT_TRUE(r.splats.empty());
}

TEST(VmWatch, SilentVmIsHungAndKilled) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = play("hang", 2);
    EXPECT_EQ(r.end, vm::VmEnd::Hung) << r.detail;
    ASSERT_TRUE(r.in_flight_at_end);
    EXPECT_EQ(r.in_flight_at_end->label, "stuck.seq");
    // Killed, not waited for: the fake guest would sleep 60 s.
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

// A kernel that keeps printing its soft-lockup report is not silent, yet
// the guest makes no progress: killed as hung once the lockup grace ran out,
// not after the VM's whole time limit.
TEST(VmWatch, LockedUpKernelIsKilledThoughItKeepsPrinting) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = play("lockup", 30, 2);
    EXPECT_EQ(r.end, vm::VmEnd::Hung) << r.detail;
    EXPECT_NE(r.detail.find("lockup"), std::string::npos) << r.detail;
    ASSERT_FALSE(r.splats.empty());
    EXPECT_EQ(r.splats[0].splat.kind, vm::SplatKind::SoftLockup);
    ASSERT_TRUE(r.splats[0].culprit);
    EXPECT_EQ(r.splats[0].culprit->label, "wedging.seq");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(25));
}

TEST(VmWatch, DivergenceBringsBackItsSummaryAndSignature) {
    const auto r = play("divergence");
    EXPECT_EQ(r.end, vm::VmEnd::Exited) << r.detail;
    EXPECT_EQ(r.guest_exit, 1);
    ASSERT_EQ(r.finished.size(), 1u);
    EXPECT_EQ(r.finished[0].status, "diverge");
    const Verdict v = cli::finished_verdict(r.finished[0]);
    ASSERT_EQ(v.status, Verdict::Status::Diverge) << v.detail;
    EXPECT_EQ(v.detail,
              "step 3 (line 4) mmap m0 g0 offset=0x0 size=0x1000 prot=rx: model ENODEV [mmap.gmem-no-mmap], kernel EPERM");
    EXPECT_EQ(failure_signature(v), "outcome mmap.gmem-no-mmap at mmap");
}

TEST(VmWatch, MissingRunnerIsAStartFailure) {
    vm::VmSpec spec;
    spec.runner = "/nonexistent/run";
    spec.work_dir = fresh_dir("no-runner").string();
    const auto r = vm::run_vm(spec);
    EXPECT_EQ(r.end, vm::VmEnd::StartFailed) << r.detail;
}

// `slotcheck vm` itself over the fake runner: SLOTCHECK_SOURCE_DIR points at
// a tree whose harness/vm/run is the fake, so the command's restart policy is
// tested without qemu.
class VmCommandOverFakeRunner : public ::testing::Test {
protected:
    void SetUp() override {
        tree_ = fresh_dir("fake-tree");
        fs::create_directories(tree_ / "harness/vm");
        std::ofstream(tree_ / "harness/vm/run") << "#!/bin/sh\nexec " << (kFixtures / "fake-runner").string()
                                                 << " \"$@\"\n";
        fs::permissions(tree_ / "harness/vm/run", fs::perms::owner_all);
        std::ofstream(tree_ / "bzImage") << "not a kernel";
    }

    test::CommandOutput vm(const std::string& scenario, const std::string& args) {
        return test::run_command("FAKE_VM_SCENARIO=" + scenario + " SLOTCHECK_SOURCE_DIR=" + tree_.string() +
                                 " SLOTCHECK_STATIC_BINARY=/bin/true " + SLOTCHECK_BINARY + " vm --kernel " +
                                 (tree_ / "bzImage").string() + " --out " + (tree_ / "out").string() + " " + args);
    }

    fs::path tree_;
};

TEST_F(VmCommandOverFakeRunner, DeadFuzzingVmIsRestartedForTheTimeLeft) {
    const auto r = vm("die", "--seconds 11 --seed 5");
    EXPECT_EQ(r.status, 1) << r.output;
    // Boot 0 dies in fatal.seq at once; with 11 s asked and 10 s the
    // shortest useful run, at least one more boot follows.
    EXPECT_NE(r.output.find("boot 1 (" + (tree_ / "out").string()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("finding: died: VM died"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("sequence \"fatal.seq\""), std::string::npos) << r.output;
}

TEST_F(VmCommandOverFakeRunner, KernelThatDiesBeforeItsFirstSequenceIsNotRestarted) {
    const auto r = vm("die-at-boot", "--seconds 60");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("boot 0 ("), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("boot 1 ("), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("in 1 VM(s), 1 boot(s)"), std::string::npos) << r.output;
}

TEST_F(VmCommandOverFakeRunner, MissingKernelFileIsNamed) {
    // A static binary is named, so the kernel is what is missing whether or
    // not this tree built slotcheck-static (a sanitizer tree cannot).
    const auto r = test::run_command("SLOTCHECK_STATIC_BINARY=/bin/true " + std::string(SLOTCHECK_BINARY) + " vm --kernel " +
                                     (tree_ / "no-such-bzImage").string() + " --seconds 5 --out " + (tree_ / "out").string());
    EXPECT_EQ(r.status, 3) << r.output;
    EXPECT_NE(r.output.find("no-such-bzImage: no such file"), std::string::npos) << r.output;
}

TEST_F(VmCommandOverFakeRunner, ReportInReplayNamesTheFileAndKeepsItsConsole) {
    const fs::path json = tree_ / "summary.json";
    const auto r = vm("report", "--replay " + (kFixtures / "noexec-divergence.seq").string() + " --json " + json.string());
    EXPECT_EQ(r.status, 1) << r.output;
    std::string error;
    const test::json doc = test::parse_document(test::read_json_text(json), "slotcheck.vm/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << r.output;
    bool warning_tied_to_second = false;
    for (const auto& f : doc["findings"])
        warning_tied_to_second |= f["kind"] == "warning" && f["sequence"] == "second.seq";
    EXPECT_TRUE(warning_tied_to_second) << doc.dump(2);
    bool report_saved = false;
    for (const auto& e : fs::recursive_directory_iterator(tree_ / "out/findings"))
        report_saved |= e.path().filename() == "report.txt";
    EXPECT_TRUE(report_saved);
}

// `--json -` puts the document on stdout, one line of its own among the
// progress lines.
TEST_F(VmCommandOverFakeRunner, JsonOnStdoutIsOneLineThatParses) {
    const auto r = vm("report", "--replay " + (kFixtures / "noexec-divergence.seq").string() + " --json -");
    EXPECT_EQ(r.status, 1) << r.output;
    std::istringstream lines(r.output);
    std::string line, document;
    while (std::getline(lines, line))
        if (line.starts_with("{")) document = line;
    std::string error;
    const test::json doc = test::parse_document(document, "slotcheck.vm/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << r.output;
    bool warning_tied_to_second = false;
    for (const auto& f : doc["findings"])
        warning_tied_to_second |= f["kind"] == "warning" && f["sequence"] == "second.seq";
    EXPECT_TRUE(warning_tied_to_second) << doc.dump(2);
}

}  // namespace
