// slotcheck emit-c without a kernel: emitted programs compile warning-free
// with the project's C compiler, every step becomes one TAP test that names
// the sequence line, expected outcomes follow the file, the profile and the
// model, and bad input is refused with a clear error and exit 2.
// (Running the programs needs /dev/kvm: scripts/emit-c-in-vm, labels kvm and vm.)
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "csource/emit_c.h"
#include "csource/emit_c_text.h"
#include "fuzz/campaign.h"
#include "model/world.h"
#include "replay/differ.h"
#include "replay/sequence_oracle.h"
#include "tests/command_output.h"

namespace slotcheck {
namespace {

namespace fs = std::filesystem;
using test::CommandOutput;
using test::run_command;
using test::run_slotcheck;

// A sample of the corpus that together performs every kind of operation,
// guest reads and writes, checks, host accesses that fault and closes.
const char* const kSample[] = {
    "corpus/attrs/set-memory-attributes.seq", "corpus/bind/fd-errors.seq",
    "corpus/fallocate/memfd-modes.seq",       "corpus/gmem/close-twice.seq",
    "corpus/guest/gmem-release.seq",          "corpus/guest/memfd-backed-slot.seq",
    "corpus/guest/no-slot-mmio.seq",          "corpus/host/gmem-mapping-access.seq",
    "corpus/host/memfd-eof.seq",              "corpus/limits/slot-ids.seq",
    "corpus/region/harness-slot.seq",         "corpus/vm/create-types-and-close.seq",
};

struct Loaded {
    std::string path, text;
    Sequence seq;
};

Loaded load(const std::string& relative) {
    Loaded l;
    l.path = std::string(SLOTCHECK_SOURCE_DIR) + "/" + relative;
    std::ifstream in(l.path);
    std::stringstream text;
    text << in.rdbuf();
    l.text = text.str();
    auto parsed = parse(l.text, relative);
    if (parsed.error) ADD_FAILURE() << parsed.error->to_string();
    if (parsed.sequence) l.seq = *parsed.sequence;
    return l;
}



class TempDir {
public:
    TempDir() {
        std::string templ = (fs::temp_directory_path() / "slotcheck-emit-c-XXXXXX").string();
        path_ = mkdtemp(templ.data()) ? templ : "";
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

std::string write(const TempDir& dir, const std::string& name, const std::string& text) {
    std::string path = dir.file(name);
    std::ofstream(path) << text;
    return path;
}

// Compiles as the docs tell users to, plus -Werror; returns the compiler's words.
CommandOutput compile(const std::string& c_file, const std::string& out, bool link,
                      const std::string& compiler = SLOTCHECK_C_COMPILER) {
    return run_command(compiler + " -O1 -Wall -Wextra -Werror -std=gnu11 " + (link ? "" : "-c ") + "-o " + out + " " +
                       c_file);
}

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

const Profile kLinux73 = *named_profile("linux-7.3");

TEST(EmitC, SampleCoversEveryOperationKindAndFault) {
    std::set<size_t> kinds;
    bool sigbus = false, closes = false;
    for (const char* f : kSample) {
        Loaded l = load(f);
        for (const Step& s : l.seq.steps) {
            kinds.insert(s.op.index());
            closes = closes || std::holds_alternative<Close>(s.op);
            sigbus = sigbus || (s.expect && s.expect->outcome.kind == Outcome::Kind::Sigbus &&
                                (std::holds_alternative<HostRead>(s.op) || std::holds_alternative<HostWrite>(s.op)));
        }
    }
    EXPECT_EQ(kinds.size(), std::variant_size_v<Op>) << "the sample misses an operation kind";
    EXPECT_TRUE(sigbus) << "the sample has no host access that raises SIGBUS";
    EXPECT_TRUE(closes);
}

TEST(EmitC, SampleProgramsCompileWithoutWarnings) {
    TempDir dir;
    for (const char* f : kSample) {
        Loaded l = load(f);
        auto result = emit_c(l.seq, kLinux73, EmitCSource{f, l.text});
        std::string name = fs::path(f).stem().string();
        std::string c = write(dir, name + ".c", result.program);
        CommandOutput r = compile(c, dir.file(name + ".o"), false);
        EXPECT_EQ(r.status, 0) << f << ":\n" << r.output;
    }
}

// Programs must build clean with both compilers a kernel developer uses
// (clang warns about unused static functions where gcc does not), whatever
// the sequence needs of the kernel.
TEST(EmitC, SampleProgramsCompileWithoutWarningsUnderClang) {
    TempDir dir;
    const CommandOutput version = run_command(std::string(SLOTCHECK_CLANG) + " --version");
    ASSERT_EQ(version.status, 0) << "clang is a dependency (scripts/install-deps): " << version.output;
    std::vector<std::string> files(std::begin(kSample), std::end(kSample));
    files.push_back("corpus/region/gmem-toggle-fix.seq");  // needs three features
    files.push_back("corpus/private/access-by-attribute.seq");  // needs VM type 1
    for (const auto& f : files) {
        Loaded l = load(f);
        auto result = emit_c(l.seq, kLinux73, EmitCSource{f, l.text});
        std::string name = fs::path(f).stem().string();
        std::string c = write(dir, name + ".c", result.program);
        CommandOutput r = compile(c, dir.file(name), true, SLOTCHECK_CLANG);
        EXPECT_EQ(r.status, 0) << f << ":\n" << r.output;
    }
}

// The reproducer runs the harness's own executor: every file of harness/c/
// (the C core the harness library is built from) is in every program,
// byte for byte, and nothing in the prelude defines a second probe.
TEST(EmitC, ProgramsEmbedEveryFileOfTheHarnessExecutorVerbatim) {
    Loaded l = load("corpus/guest/no-slot-mmio.seq");
    const std::string program = emit_c(l.seq, kLinux73, EmitCSource{"no-slot-mmio.seq", l.text}).program;
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(std::string(SLOTCHECK_SOURCE_DIR) + "/harness/c")) {
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        ASSERT_FALSE(text.str().empty()) << entry.path();
        EXPECT_EQ(count(program, text.str()), 1u) << entry.path() << " is not in the program verbatim";
        ++files;
    }
    EXPECT_GE(files, 10u);
    for (const char* definition : {"\nstruct sc_probe {", "\nstruct sc_kvm_run {", "\nstruct sc_outcome {"})
        EXPECT_EQ(count(program, definition), 1u) << definition;
    // The reproducer's own part runs no vCPU, builds no page table and
    // catches no signal itself: that is the core's.
    const std::string prelude(emit_c_text::prelude());
    for (const char* core_work : {"SC_KVM_RUN", "SC_KVM_SET_SREGS", "SC_PROBE_PML4", "sigsetjmp(", "timer_create("})
        EXPECT_EQ(prelude.find(core_work), std::string::npos) << core_work << " in csource/emit_c_prelude.c";
    // Nor does it ask the kernel's features or run an operation's syscall
    // itself: harness/c/kernel_facts.c and harness/c/ops.c do, for the
    // harness too (harness/kernel_facts.cpp, harness/kvm_backend.cpp).
    for (const char* own_syscall : {"/sys/module", "/proc/cpuinfo", "/dev/kvm\"", "SC_KVM_CHECK_EXTENSION",
                                    "SC_KVM_GET_API_VERSION", "SC_KVM_CREATE_VM", "SC_KVM_CREATE_GUEST_MEMFD",
                                    "SC_KVM_SET_USER_MEMORY_REGION", "SC_KVM_SET_MEMORY_ATTRIBUTES", " ioctl(",
                                    " mmap(", "memfd_create(", "RLIMIT_NOFILE", " close("})
        EXPECT_EQ(prelude.find(own_syscall), std::string::npos) << own_syscall << " in csource/emit_c_prelude.c";
    for (const char* shared : {"sc_open_kvm(", "sc_check_extension(", "sc_op_mmap(", "sc_op_close("})
        EXPECT_NE(prelude.find(shared), std::string::npos) << shared << " not called by csource/emit_c_prelude.c";
}

TEST(EmitC, EveryStepIsOneTapTestNamingItsLine) {
    for (const char* f : kSample) {
        Loaded l = load(f);
        auto result = emit_c(l.seq, kLinux73, EmitCSource{f, l.text});
        World model(kLinux73);
        size_t planned = 0;
        for (size_t i = 0; i < l.seq.steps.size(); ++i) {
            const Step& s = l.seq.steps[i];
            std::string name = "\"step " + std::to_string(i + 1) + " (line " + std::to_string(s.line) + "): " +
                               print_op(s.op) + "\"";
            if (std::holds_alternative<Check>(s.op)) {
                size_t pages = model.observation_plan().size();
                planned += pages == 0 ? 1 : pages;
                EXPECT_EQ(count(result.program, "sc_check(" + name), 1u) << f << ": " << name;
            } else {
                model.step(s.op);
                planned += 1;
                EXPECT_EQ(count(result.program, "sc_expect(" + name + ",\n"), 1u) << f << ": " << name;
            }
        }
        EXPECT_EQ(result.tests, planned) << f;
        EXPECT_EQ(count(result.program, "sc_begin(" + std::to_string(planned) + ", "), 1u) << f;
    }
}

TEST(EmitC, HeaderNamesTheSourceAndProfileAndQuotesTheSequence) {
    Loaded l = load("corpus/guest/gmem-release.seq");
    auto result = emit_c(l.seq, kLinux73, EmitCSource{"corpus/guest/gmem-release.seq", l.text});
    EXPECT_EQ(result.program.rfind("/*\n * Reproducer of corpus/guest/gmem-release.seq", 0), 0u);
    EXPECT_NE(result.program.find("under the profile linux-7.3"), std::string::npos);
    std::istringstream lines(l.text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
        char number[16];
        std::snprintf(number, sizeof number, "%4d  ", n);
        EXPECT_NE(result.program.find(" * " + std::string(number) + line + "\n"), std::string::npos) << line;
    }
}

// Expectations: the file's under the profile, the model's where the file
// gives none, the recorded kernel deviation where there is one.
TEST(EmitC, ExpectationsFollowFileProfileAndModel) {
    const std::string text =
        "slotcheck-sequence 1\n"
        "vm v0 type=0x0 => ok\n"
        "vm v1 type=0x7\n"
        "gmem g0 vm=v0 size=0x4000 flags=0x0 => ok\n"
        "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0 => ok\n"
        "region v0 slot=0x2 flags=0x4 gpa=0x200000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x1000 "
        "=> EINVAL | binding-overlap-eexist: EEXIST\n"
        "close v1 => EBADF !kernel: EPERM\n";
    auto parsed = parse(text, "x.seq");
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    const Sequence& seq = *parsed.sequence;
    for (const char* name : {"linux-6.18", "linux-7.3"}) {
        Profile profile = *named_profile(name);
        auto result = emit_c(seq, profile, EmitCSource{"x.seq", text});
        World model(profile);
        model.step(seq.steps[0].op);
        const Outcome no_file = model.step(seq.steps[1].op).outcome;  // step 2 has no `=>`
        auto expects = [&](size_t step, const Outcome& o) {
            std::string call_end = "),\n\t\t  " + emit_c_text::outcome(o) + ");";
            std::string name_text = "\"step " + std::to_string(step + 1) + " (line ";
            size_t at = result.program.find("sc_expect(" + name_text);
            ASSERT_NE(at, std::string::npos) << step;
            size_t end = result.program.find(");\n", at);
            EXPECT_NE(result.program.substr(at, end + 2 - at).find(call_end), std::string::npos)
                << name << " step " << step + 1 << " wants " << to_string(o) << " in:\n"
                << result.program.substr(at, end + 2 - at);
        };
        expects(1, no_file);
        expects(4, expected_outcome(*seq.steps[4].expect, profile));
        expects(5, *seq.steps[5].expect->kernel_deviation);
    }
    EXPECT_NE(emit_c(seq, *named_profile("linux-6.18"), {"x.seq", text}).program.find("sc_error(EINVAL));"),
              std::string::npos);
}

TEST(EmitC, FileExpectationAgainstTheModelIsNoted) {
    const std::string text = "slotcheck-sequence 1\nvm v0 type=0x0 => EINVAL\n";
    auto parsed = parse(text, "x.seq");
    ASSERT_TRUE(parsed.sequence);
    auto result = emit_c(*parsed.sequence, kLinux73, {"x.seq", text});
    ASSERT_EQ(result.notes.size(), 1u);
    EXPECT_NE(result.notes[0].find("step 1 (line 2)"), std::string::npos) << result.notes[0];
    EXPECT_NE(result.program.find("sc_create_vm(&v0, 0x0),\n\t\t  sc_error(EINVAL));"), std::string::npos);
}

// Comments and names end up in C comments and strings: nothing in a
// sequence file can break the program's syntax.
TEST(EmitC, HostileCommentsStillCompile) {
    const std::string text =
        "slotcheck-sequence 1\n# header */ with \"quotes\" and \\ backslash /*\n"
        "# step comment */ int x;\nvm v0 type=0x0 => ok  # trailing */ \" \\\ncheck\n";
    auto parsed = parse(text, "weird \"*/ name.seq");
    ASSERT_TRUE(parsed.sequence) << parsed.error->to_string();
    TempDir dir;
    auto result = emit_c(*parsed.sequence, kLinux73, {"weird \"*/ name.seq", text});
    CommandOutput r = compile(write(dir, "w.c", result.program), dir.file("w.o"), false);
    EXPECT_EQ(r.status, 0) << r.output;
}

// Without /dev/kvm the program says why and exits with kselftest's skip code.
TEST(EmitC, ProgramSkipsWithoutKvm) {
    if (access("/dev/kvm", F_OK) == 0) GTEST_SKIP() << "/dev/kvm exists here: the kvm and vm labels run programs";
    Loaded l = load("corpus/vm/create-types-and-close.seq");
    TempDir dir;
    auto result = emit_c(l.seq, kLinux73, {"create-types-and-close.seq", l.text});
    std::string exe = dir.file("p");
    CommandOutput built = compile(write(dir, "p.c", result.program), exe, true);
    ASSERT_EQ(built.status, 0) << built.output;
    CommandOutput r = run_command(exe);
    EXPECT_EQ(r.status, 4);
    EXPECT_EQ(r.output, "TAP version 13\n1..0 # SKIP /dev/kvm: No such file or directory\n");
}

// The command: bad input is exit 2 with a message that says what is wrong.
class EmitCCommand : public testing::Test {
protected:
    CommandOutput slotcheck(const std::string& args) { return run_slotcheck("emit-c " + args); }
    TempDir dir;
};

TEST_F(EmitCCommand, WritesTheProgram) {
    std::string out = dir.file("a.c");
    CommandOutput r = slotcheck("--profile linux-7.3 --out " + out + " " SLOTCHECK_SOURCE_DIR "/corpus/gmem/close-twice.seq");
    EXPECT_EQ(r.status, 0) << r.output;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("under the profile linux-7.3"), std::string::npos);
    EXPECT_NE(text.str().find("int main(void)"), std::string::npos);
}

TEST_F(EmitCCommand, UnknownOption) {
    CommandOutput r = slotcheck("--frobnicate x.seq");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("unknown option '--frobnicate'"), std::string::npos) << r.output;
}

TEST_F(EmitCCommand, MissingFile) {
    CommandOutput r = slotcheck(dir.file("absent.seq"));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find(dir.file("absent.seq") + ": No such file or directory"), std::string::npos) << r.output;
}

TEST_F(EmitCCommand, MalformedFileNamesFileAndLine) {
    std::string f = write(dir, "bad.seq", "slotcheck-sequence 1\nvm v0 type=0x0 => ok\nregion v0 slot=zz\n");
    CommandOutput r = slotcheck("--profile upstream " + f);
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find(f + ":3:"), std::string::npos) << r.output;
}

TEST_F(EmitCCommand, ImpossibleProfile) {
    std::string seq = SLOTCHECK_SOURCE_DIR "/corpus/gmem/close-twice.seq";
    CommandOutput unknown = slotcheck("--profile linux-9.9 " + seq);
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.output.find("unknown profile 'linux-9.9'"), std::string::npos) << unknown.output;
    CommandOutput variant = slotcheck("--variant no-such-variant=on " + seq);
    EXPECT_EQ(variant.status, 2);
    EXPECT_NE(variant.output.find("--variant"), std::string::npos) << variant.output;
}

TEST_F(EmitCCommand, OneFileAtATime) {
    std::string seq = SLOTCHECK_SOURCE_DIR "/corpus/gmem/close-twice.seq";
    EXPECT_EQ(slotcheck(seq + " " + seq).status, 2);
    EXPECT_EQ(slotcheck("").status, 2);
}

}  // namespace
}  // namespace slotcheck

namespace slotcheck {
namespace {

// The finding-to-reproducer chain: a fuzz campaign with a model mutant
// finds and shrinks a divergence; the shrunk sequence, with the mutated
// model's outcomes as its expectations (the claim the kernel refutes),
// becomes a C program that compiles with -Werror and asserts that claim at
// the diverging step. tests/fixtures/emit-c/stale-page-after-punch.seq is
// this sequence; vm.emit-c-7 runs its program in qemu, where the program and
// replay must both fail at that step.
TEST(EmitC, AShrunkFuzzFindingBecomesAProgramThatAssertsTheRefutedClaim) {
    fuzz::CampaignOptions o;
    o.seconds = 20;
    o.seed = 1;
    o.judge.profile = kLinux73;
    o.judge.oracle = OracleKind::Model;
    o.judge.mutant = RuleId::GmemPunch;
    o.judge.check_invariants = false;
    auto r = fuzz::run_campaign(o, nullptr);
    ASSERT_EQ(r.findings.size(), 1u);
    Sequence seq = r.findings.front().shrunk;
    const Verdict verdict = judge(seq, o.judge);
    ASSERT_TRUE(verdict.divergence);
    const size_t failing_step = verdict.divergence->step;

    World mutant(kLinux73);
    mutant.set_mutant(RuleId::GmemPunch);
    for (auto& step : seq.steps)
        if (!std::holds_alternative<Check>(step.op)) step.expect = Expectation{mutant.step(step.op).outcome, {}};
    // The unmutated model refutes the claim at exactly the diverging step.
    auto report = replay(seq, kLinux73, nullptr, ReplayOptions{});
    ASSERT_FALSE(report.divergences.empty());
    EXPECT_EQ(report.divergences.front().kind, Divergence::Kind::Expectation);
    EXPECT_EQ(report.divergences.front().step, failing_step);

    const std::string text = print(seq);
    auto result = emit_c(seq, kLinux73, EmitCSource{"shrunk-finding.seq", text});
    const std::string claim = "\"step " + std::to_string(failing_step + 1) + " (line " +
                              std::to_string(seq.steps[failing_step].line) + "): " +
                              print_op(seq.steps[failing_step].op) + "\"";
    EXPECT_EQ(count(result.program, "sc_expect(" + claim + ",\n"), 1u) << result.program;
    TempDir dir;
    const auto c_file = write(dir, "finding.c", result.program);
    auto built = compile(c_file, dir.file("finding"), true);
    EXPECT_EQ(built.status, 0) << built.output;
}

}  // namespace
}  // namespace slotcheck
