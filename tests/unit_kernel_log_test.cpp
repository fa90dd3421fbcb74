// The console splat parser (harness/vm/kernel_log.h) against recorded
// kernel reports: tests/fixtures/kernel-log/*.txt hold real console output,
// each with its source and the splats it must give ("# expect:" lines), so
// every fixture is checked for the exact kind, title, first line and
// completeness of every report in it, and for nothing more.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/vm/kernel_log.h"

namespace slotcheck::vm {
namespace {

const std::string kFixtureDir = SLOTCHECK_SOURCE_DIR "/tests/fixtures/kernel-log";

struct ExpectedSplat {
    size_t line = 0;  // 1-based, among the console lines
    std::string kind, title;
    bool complete = false;
};

// A fixture: "# " header lines (source, notes, expectations), then the
// console lines exactly as recorded.
struct Fixture {
    std::string name;
    std::vector<std::string> header;
    std::vector<std::string> lines;
    std::vector<ExpectedSplat> expected;
    bool expects_none = false;
};

std::string trimmed(std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
}

// "line 22 | warning | WARNING in kvm_gmem_bind | complete"
ExpectedSplat parse_expectation(const std::string& text) {
    std::vector<std::string> fields;
    std::stringstream in(text);
    for (std::string field; std::getline(in, field, '|');) fields.push_back(trimmed(field));
    EXPECT_EQ(fields.size(), 4u) << "malformed expectation: " << text;
    ExpectedSplat e;
    if (fields.size() != 4) return e;
    EXPECT_EQ(fields[0].rfind("line ", 0), 0u) << text;
    e.line = std::stoul(fields[0].substr(5));
    e.kind = fields[1];
    e.title = fields[2];
    EXPECT_TRUE(fields[3] == "complete" || fields[3] == "incomplete") << text;
    e.complete = fields[3] == "complete";
    return e;
}

Fixture load_fixture(const std::string& name) {
    Fixture f;
    f.name = name;
    std::ifstream in(kFixtureDir + "/" + name);
    EXPECT_TRUE(in) << "cannot read " << name;
    bool in_header = true;
    for (std::string line; std::getline(in, line);) {
        if (in_header && line.rfind("# ", 0) == 0) {
            f.header.push_back(line);
            static const std::string kExpect = "# expect: ";
            if (line == "# expect: none")
                f.expects_none = true;
            else if (line.rfind(kExpect, 0) == 0)
                f.expected.push_back(parse_expectation(line.substr(kExpect.size())));
            continue;
        }
        in_header = false;
        f.lines.push_back(line);
    }
    return f;
}

std::vector<std::string> fixture_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(kFixtureDir))
        if (e.is_regular_file() && e.path().extension() == ".txt") names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

struct Scan {
    std::vector<Splat> splats;
    std::vector<size_t> started_at;  // 0-based lines for which feed() returned a splat
};

Scan scan(const std::vector<std::string>& lines) {
    SplatScanner scanner;
    Scan result;
    for (size_t i = 0; i < lines.size(); ++i) {
        auto started = scanner.feed(lines[i]);
        if (!started) continue;
        EXPECT_EQ(*started, result.started_at.size()) << "splats are numbered in the order they start";
        result.started_at.push_back(i);
    }
    result.splats = scanner.splats();
    return result;
}

std::vector<Splat> splats_of(const std::vector<std::string>& lines) { return scan(lines).splats; }

std::string title_of(const std::vector<std::string>& lines) {
    auto splats = splats_of(lines);
    EXPECT_EQ(splats.size(), 1u);
    return splats.empty() ? "" : splats[0].title;
}

std::vector<std::string> with_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& line : lines) out.push_back(prefix + std::string(SplatScanner::strip_prefix(line)));
    return out;
}

// What must not change when only the console prefixes change.
std::string summary(const Scan& s) {
    std::ostringstream out;
    for (const auto& splat : s.splats)
        out << splat.start_line << " " << splat_kind_name(splat.kind) << " | " << splat.title << " | "
            << (splat.complete ? "complete" : "incomplete") << " | " << splat.report.size() << " lines\n";
    return out.str();
}

// ---------------------------------------------------------------------------
// The recorded reports

TEST(KernelLogFixtures, EveryFixtureNamesItsSourceAndItsSplats) {
    auto names = fixture_names();
    EXPECT_GE(names.size(), 18u);
    for (const auto& name : names) {
        Fixture f = load_fixture(name);
        EXPECT_TRUE(std::any_of(f.header.begin(), f.header.end(), [](const std::string& h) {
            return h.rfind("# source: ", 0) == 0;
        })) << name;
        EXPECT_NE(f.expects_none, !f.expected.empty()) << name << ": \"# expect: none\" or one line per splat";
        EXPECT_FALSE(f.lines.empty()) << name;
    }
}

class KernelLogFixture : public testing::TestWithParam<std::string> {};

TEST_P(KernelLogFixture, GivesExactlyTheExpectedSplats) {
    Fixture f = load_fixture(GetParam());
    Scan s = scan(f.lines);
    ASSERT_EQ(s.splats.size(), f.expected.size()) << summary(s);
    for (size_t i = 0; i < f.expected.size(); ++i) {
        const auto& want = f.expected[i];
        const auto& got = s.splats[i];
        SCOPED_TRACE("splat " + std::to_string(i) + ": " + got.title);
        EXPECT_EQ(splat_kind_name(got.kind), want.kind);
        EXPECT_EQ(got.title, want.title);
        EXPECT_EQ(got.start_line + 1, want.line);
        EXPECT_EQ(s.started_at[i], got.start_line) << "feed() reports a splat on the line that starts it";
        EXPECT_EQ(got.complete, want.complete);
        // The report holds the console lines as fed, from the kernel's
        // preamble (cut here, '=' banner) at most two lines before.
        ASSERT_FALSE(got.report.empty());
        auto header = std::find(got.report.begin(), got.report.end(), f.lines[got.start_line]);
        ASSERT_NE(header, got.report.end());
        EXPECT_LE(header - got.report.begin(), 2);
        size_t first = got.start_line - (header - got.report.begin());
        ASSERT_LE(first + got.report.size(), f.lines.size());
        for (size_t k = 0; k < got.report.size(); ++k) EXPECT_EQ(got.report[k], f.lines[first + k]);
    }
}

TEST_P(KernelLogFixture, GivesTheSameSplatsWhateverTheConsolePrefix) {
    Fixture f = load_fixture(GetParam());
    const std::string plain = summary(scan(with_prefix(f.lines, "")));
    EXPECT_EQ(summary(scan(f.lines)), plain);
    EXPECT_EQ(summary(scan(with_prefix(f.lines, "[  123.456789] "))), plain);
    EXPECT_EQ(summary(scan(with_prefix(f.lines, "[  123.456789][ T4242] "))), plain);
    EXPECT_EQ(summary(scan(with_prefix(f.lines, "[ 1175.642042][T23686] "))), plain);
    EXPECT_EQ(summary(scan(with_prefix(f.lines, "[    5.384447][    C1] "))), plain);
}

INSTANTIATE_TEST_SUITE_P(Recorded, KernelLogFixture, testing::ValuesIn(fixture_names()),
                         [](const testing::TestParamInfo<std::string>& info) {
                             std::string n = info.param.substr(0, info.param.size() - 4);
                             for (auto& c : n)
                                 if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

TEST(KernelLog, AReportIsCompleteOnlyOnceItsEndMarkerArrives) {
    // The WARN recorded in a slotcheck VM: its "</TASK>" comes before its
    // "---[ end trace", and only the latter ends a WARN.
    Fixture f = load_fixture("slotcheck-vm-kvm-gmem-bind-warn.txt");
    auto end_trace = std::find_if(f.lines.begin(), f.lines.end(),
                                  [](const std::string& l) { return l.find("---[ end trace") != std::string::npos; });
    ASSERT_NE(end_trace, f.lines.end());
    const size_t end_line = end_trace - f.lines.begin();
    SplatScanner scanner;
    bool saw_task_end_before = false;
    for (size_t i = 0; i < f.lines.size(); ++i) {
        scanner.feed(f.lines[i]);
        if (scanner.splats().empty()) continue;
        EXPECT_EQ(scanner.splats()[0].complete, i >= end_line) << "after line " << i + 1 << ": " << f.lines[i];
        if (i < end_line && f.lines[i].find("</TASK>") != std::string::npos) saw_task_end_before = true;
    }
    EXPECT_TRUE(saw_task_end_before);
    ASSERT_EQ(scanner.splats().size(), 1u);
    EXPECT_EQ(scanner.splats()[0].report.back(), *end_trace);
}

TEST(KernelLog, APanicInTheMiddleOfAReportIsItsOwnSplat) {
    Fixture f = load_fixture("warn-cut-here-panic-on-warn.txt");
    SplatScanner scanner;
    std::vector<std::optional<size_t>> started;
    for (const auto& line : f.lines) started.push_back(scanner.feed(line));
    auto panic = std::find_if(f.lines.begin(), f.lines.end(), [](const std::string& l) {
        return SplatScanner::strip_prefix(l).starts_with("Kernel panic - not syncing: ");
    });
    ASSERT_NE(panic, f.lines.end());
    EXPECT_EQ(started[panic - f.lines.begin()], std::optional<size_t>(1));
    ASSERT_EQ(scanner.splats().size(), 2u);
    EXPECT_FALSE(scanner.splats()[0].complete) << "the WARN's end marker never came";
    EXPECT_EQ(scanner.splats()[0].report.back(), *(panic - 1)) << "the WARN stops where the panic begins";
    EXPECT_EQ(scanner.splats()[1].kind, SplatKind::Panic);
}

TEST(KernelLog, AReportStartsWithTheKernelsPreamble) {
    auto first_report_line = [](const std::string& fixture, size_t splat) {
        auto splats = scan(load_fixture(fixture).lines).splats;
        return splats.size() > splat ? std::string(SplatScanner::strip_prefix(splats[splat].report.front())) : "";
    };
    EXPECT_EQ(first_report_line("slotcheck-vm-kvm-gmem-bind-warn.txt", 0), "------------[ cut here ]------------");
    EXPECT_EQ(first_report_line("kernel-bug-fatal-exception.txt", 0), "------------[ cut here ]------------");
    EXPECT_EQ(first_report_line("lockdep-circular.txt", 0), "======================================================");
    EXPECT_EQ(first_report_line("ubsan-then-kasan.txt", 0), std::string(80, '='));
    EXPECT_EQ(first_report_line("ubsan-then-kasan.txt", 1), std::string(66, '='));
    EXPECT_EQ(first_report_line("kvm-warn-then-hung-task.txt", 0),
              "WARNING: CPU: 8 PID: 251 at virt/kvm/kvm_main.c:1435 kvm_put_kvm+0x2d/0x320 [kvm]");

    // WARN(cond, fmt) prints its message between "cut here" and the WARNING line
    // (google/syzkaller pkg/report/testdata/linux/report/711, first lines).
    auto splats = splats_of({
        "[ 1175.642042][T23686] ------------[ cut here ]------------",
        "[ 1175.648374][T23686] ida_free called for id=8192 which is not allocated.",
        "[ 1175.656177][T23686] WARNING: CPU: 0 PID: 23686 at lib/idr.c:525 ida_free+0x370/0x420",
        "[ 1175.664123][T23686] Modules linked in:",
    });
    ASSERT_EQ(splats.size(), 1u);
    EXPECT_EQ(splats[0].title, "WARNING in ida_free");
    EXPECT_EQ(splats[0].start_line, 2u);
    EXPECT_EQ(splats[0].report.size(), 4u);
}

// ---------------------------------------------------------------------------
// Formats, one line at a time. The lines follow the kernel's printk formats
// (quoted next to each recogniser in kernel_log.cpp).

TEST(KernelLog, StripPrefixRemovesTimestampAndCallerIdOnly) {
    EXPECT_EQ(SplatScanner::strip_prefix("[   12.345678] WARNING: x"), "WARNING: x");
    EXPECT_EQ(SplatScanner::strip_prefix("[   12.345678][ T123] msg"), "msg");
    EXPECT_EQ(SplatScanner::strip_prefix("[ 1175.642042][T23686] msg"), "msg");
    EXPECT_EQ(SplatScanner::strip_prefix("[  146.893110][    C1] rcu: INFO: x"), "rcu: INFO: x");
    EXPECT_EQ(SplatScanner::strip_prefix("[ T123] msg"), "msg");
    EXPECT_EQ(SplatScanner::strip_prefix("[    C1] msg"), "msg");
    EXPECT_EQ(SplatScanner::strip_prefix("[   12.345678] [ T123] msg"), "msg");
    EXPECT_EQ(SplatScanner::strip_prefix("[ 138.658101][ C24] _raw_spin_lock (x.h:1)"), "_raw_spin_lock (x.h:1)");
    // Stack frames keep their indentation; an empty message stays empty.
    EXPECT_EQ(SplatScanner::strip_prefix("[   12.345678]  dump_stack+0x1/0x2"), " dump_stack+0x1/0x2");
    EXPECT_EQ(SplatScanner::strip_prefix("[   53.790577][ T5524]"), "");
    // Other brackets are content.
    EXPECT_EQ(SplatScanner::strip_prefix("[  OK  ] Started foo"), "[  OK  ] Started foo");
    EXPECT_EQ(SplatScanner::strip_prefix("[<ffffffff81d94b69>] dump_stack+0xc1/0x128"),
              "[<ffffffff81d94b69>] dump_stack+0xc1/0x128");
    EXPECT_EQ(SplatScanner::strip_prefix("[drm] Initialized vgem"), "[drm] Initialized vgem");
    EXPECT_EQ(SplatScanner::strip_prefix("[ BUG: Invalid wait context ]"), "[ BUG: Invalid wait context ]");
    EXPECT_EQ(SplatScanner::strip_prefix("[   12.34 no close"), "[   12.34 no close");
    EXPECT_EQ(SplatScanner::strip_prefix("no prefix"), "no prefix");
    EXPECT_EQ(SplatScanner::strip_prefix(""), "");
}

TEST(KernelLog, KindNamesAreStable) {
    EXPECT_EQ(splat_kind_name(SplatKind::Warning), "warning");
    EXPECT_EQ(splat_kind_name(SplatKind::Bug), "bug");
    EXPECT_EQ(splat_kind_name(SplatKind::Oops), "oops");
    EXPECT_EQ(splat_kind_name(SplatKind::GeneralProtection), "general-protection");
    EXPECT_EQ(splat_kind_name(SplatKind::Kasan), "kasan");
    EXPECT_EQ(splat_kind_name(SplatKind::Kmsan), "kmsan");
    EXPECT_EQ(splat_kind_name(SplatKind::Ubsan), "ubsan");
    EXPECT_EQ(splat_kind_name(SplatKind::Lockdep), "lockdep");
    EXPECT_EQ(splat_kind_name(SplatKind::RcuStall), "rcu-stall");
    EXPECT_EQ(splat_kind_name(SplatKind::HungTask), "hung-task");
    EXPECT_EQ(splat_kind_name(SplatKind::SoftLockup), "soft-lockup");
    EXPECT_EQ(splat_kind_name(SplatKind::Panic), "panic");
}

TEST(KernelLog, WarnTitlesNameTheFunctionInBothBannerFormats) {
    // kernel/panic.c __warn(), the long-standing banner, with and without a file.
    EXPECT_EQ(title_of({"WARNING: CPU: 0 PID: 211 at virt/kvm/guest_memfd.c:563 kvm_gmem_bind+0x2d5/0x360 [kvm]"}),
              "WARNING in kvm_gmem_bind");
    EXPECT_EQ(title_of({"WARNING: CPU: 1 PID: 9999 at kvm_gmem_bind+0x2d5/0x360 [kvm]"}), "WARNING in kvm_gmem_bind");
    // The rewritten banner.
    EXPECT_EQ(
        title_of({"WARNING: virt/kvm/guest_memfd.c:563 at kvm_gmem_bind+0x2d5/0x360 [kvm], CPU#0: slotcheck/211"}),
        "WARNING in kvm_gmem_bind");
    EXPECT_EQ(title_of({"WARNING: at kvm_gmem_bind.cold+0x10/0x20 [kvm], CPU#1: slotcheck/7"}),
              "WARNING in kvm_gmem_bind");
    // An address without a symbol: the site, else nothing.
    EXPECT_EQ(title_of({"WARNING: CPU: 0 PID: 1 at virt/kvm/guest_memfd.c:563 0xffffffffc0a1b2c3"}),
              "WARNING: at virt/kvm/guest_memfd.c:563");
    EXPECT_EQ(title_of({"WARNING: CPU: 0 PID: 1 at 0xffffffffc0a1b2c3"}), "WARNING");
}

TEST(KernelLog, OtherWarningLinesAreNotWarns) {
    EXPECT_TRUE(splats_of({"WARNING: workqueue cpumask: online intersect > possible intersect",
                           "WARNING: something a program printed", "warning: `prog' uses wireless extensions",
                           "Spectre V2 : WARNING: Unprivileged eBPF is enabled with eIBRS on, data leaks possible via "
                           "Spectre v2 BHB attacks!",
                           "WARNING: CPU: is not a banner without PID and at"})
                    .empty());
}

TEST(KernelLog, LockdepReportsAreLockdepNotWarnings) {
    struct Case {
        std::string header, title;
    };
    for (const auto& c : std::vector<Case>{
             {"WARNING: possible circular locking dependency detected",
              "possible circular locking dependency detected"},
             {"WARNING: possible recursive locking detected", "possible recursive locking detected"},
             {"WARNING: inconsistent lock state", "inconsistent lock state"},
             {"WARNING: suspicious RCU usage", "suspicious RCU usage"},
             {"WARNING: bad unlock balance detected!", "bad unlock balance detected!"},
             {"WARNING: lock held when returning to user space!", "lock held when returning to user space!"},
             {"WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
              "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected"},
             {"WARNING: slotcheck/211 still has locks held!", "still has locks held!"},
             {"[ BUG: Invalid wait context ]", "BUG: Invalid wait context"},
             {"BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580",
              "BUG: sleeping function called from invalid context"},
             {"BUG: scheduling while atomic: slotcheck/211/0x00000002", "BUG: scheduling while atomic"},
             {"BUG: spinlock bad magic on CPU#0, slotcheck/211", "BUG: spinlock bad magic"},
         }) {
        auto splats = splats_of({"======================================================", c.header});
        ASSERT_EQ(splats.size(), 1u) << c.header;
        EXPECT_EQ(splats[0].kind, SplatKind::Lockdep) << c.header;
        EXPECT_EQ(splats[0].title, c.title);
        EXPECT_EQ(splats[0].start_line, 1u);
    }
}

TEST(KernelLog, StackLinesOfAnOpenReportStartNothing) {
    // A WARN() hit inside KASAN's own report belongs to that report; KASAN
    // ends at its closing banner, not at the WARN's end marker.
    SplatScanner scanner;
    EXPECT_FALSE(scanner.feed("=================================================================="));
    ASSERT_EQ(scanner.feed("BUG: KASAN: slab-use-after-free in kvm_gmem_bind+0x10/0x20 [kvm]"), 0u);
    EXPECT_FALSE(scanner.feed("Read of size 8 at addr ffff888012acfc20 by task slotcheck/211"));
    EXPECT_FALSE(scanner.feed("WARNING: CPU: 0 PID: 211 at mm/slub.c:4500 kfree+0x3a/0x1b0"));
    EXPECT_FALSE(scanner.feed("---[ end trace 0000000000000000 ]---"));
    EXPECT_FALSE(scanner.splats()[0].complete);
    EXPECT_FALSE(scanner.feed("=================================================================="));
    EXPECT_TRUE(scanner.splats()[0].complete);
    EXPECT_EQ(scanner.splats()[0].report.size(), 6u);
    EXPECT_EQ(scanner.splats()[0].title, "KASAN: slab-use-after-free Read in kvm_gmem_bind");
    // Outside it, the same WARN line is a report of its own.
    ASSERT_EQ(scanner.feed("WARNING: CPU: 0 PID: 211 at mm/slub.c:4500 kfree+0x3a/0x1b0"), 1u);
    EXPECT_EQ(scanner.splats()[1].title, "WARNING in kfree");
}

TEST(KernelLog, AReportIsCutAtTheCapAndNewReportsAreSeenAgain) {
    SplatScanner scanner;
    ASSERT_EQ(scanner.feed("WARNING: CPU: 0 PID: 211 at virt/kvm/guest_memfd.c:563 kvm_gmem_bind+0x2d5/0x360 [kvm]"),
              0u);
    for (int i = 0; i < 1000; ++i) EXPECT_FALSE(scanner.feed(" kvm_gmem_bind+0x2d5/0x360 [kvm]"));
    EXPECT_EQ(scanner.splats()[0].report.size(), SplatScanner::kMaxReportLines);
    EXPECT_FALSE(scanner.splats()[0].complete) << "cut short, not ended";
    EXPECT_FALSE(scanner.feed("---[ end trace 0000000000000000 ]---"));
    EXPECT_FALSE(scanner.splats()[0].complete);
    ASSERT_EQ(scanner.feed("WARNING: CPU: 0 PID: 211 at virt/kvm/guest_memfd.c:563 kvm_gmem_bind+0x2d5/0x360 [kvm]"),
              1u);
    EXPECT_EQ(scanner.splats()[0].report.size(), SplatScanner::kMaxReportLines);
    EXPECT_EQ(scanner.splats()[1].start_line, 1002u);
}

TEST(KernelLog, AFaultTitleIsFinalOnceTheRipLineArrives) {
    // arch/x86/mm/fault.c, then __die_header() (with the "Oops: " prefix of newer kernels).
    SplatScanner scanner;
    ASSERT_EQ(scanner.feed("[   85.120301] BUG: kernel NULL pointer dereference, address: 0000000000000008"), 0u);
    EXPECT_EQ(scanner.splats()[0].title, "BUG: kernel NULL pointer dereference");
    EXPECT_FALSE(scanner.feed("[   85.120311] #PF: supervisor read access in kernel mode"));
    EXPECT_FALSE(scanner.feed("[   85.120322] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI"));
    EXPECT_EQ(scanner.splats().size(), 1u);
    EXPECT_EQ(scanner.splats()[0].kind, SplatKind::Oops);
    EXPECT_FALSE(scanner.feed("[   85.120356] RIP: 0010:kvm_gmem_get_pfn+0x3c/0x120 [kvm]"));
    EXPECT_EQ(scanner.splats()[0].title, "BUG: kernel NULL pointer dereference in kvm_gmem_get_pfn");
    EXPECT_FALSE(scanner.feed("[   85.120401] RIP: 0010:other_function+0x1/0x2"));
    EXPECT_EQ(scanner.splats()[0].title, "BUG: kernel NULL pointer dereference in kvm_gmem_get_pfn");

    EXPECT_EQ(title_of({"Oops: general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 "
                        "[#1] PREEMPT SMP KASAN NOPTI",
                        "RIP: 0010:kvm_gmem_bind+0x2d5/0x360 [kvm]"}),
              "general protection fault in kvm_gmem_bind");
    EXPECT_EQ(title_of({"divide error: 0000 [#1] PREEMPT SMP KASAN", "RIP: 0010:kvm_set_memslot+0x1/0x2 [kvm]"}),
              "divide error in kvm_set_memslot");
}

TEST(KernelLog, InstrumentationInRipDefersToTheStack) {
    // google/syzkaller pkg/report/testdata/linux/report/630, first lines;
    // syzkaller titles it "BUG: stack guard page was hit in tls_setsockopt".
    EXPECT_EQ(title_of({
                  "[  237.067842][    C0] BUG: TASK stack guard page was hit at ffffc900054afff8 (stack is "
                  "ffffc900054b0000..ffffc900054b8000)",
                  "[  237.067871][    C0] stack guard page: 0000 [#1] PREEMPT SMP KASAN",
                  "[  237.067890][    C0] CPU: 0 PID: 12932 Comm: syz-executor.5 Not tainted 5.16.0-rc1-syzkaller #0",
                  "[  237.067925][    C0] RIP: 0010:__sanitizer_cov_trace_const_cmp4+0x17/0x70",
                  "[  237.068257][    C0] Call Trace:",
                  "[  237.068261][    C0]  <TASK>",
                  "[  237.068267][    C0]  tls_setsockopt+0x90/0xe40",
              }),
              "BUG: stack guard page was hit in tls_setsockopt");
}

TEST(KernelLog, KasanTitleTakesTheAccessOnlyFromTheLineAfterTheHeader) {
    // mm/kasan/report.c: a bad free has no "Read"/"Write" line.
    EXPECT_EQ(title_of({"BUG: KASAN: double-free in kvm_free_memslot+0x20/0x40 [kvm]",
                        "Free of addr ffff888012acfc20 by task slotcheck/211", "Read of size 8 later on"}),
              "KASAN: double-free in kvm_free_memslot");
    EXPECT_EQ(title_of({"BUG: KASAN: slab-out-of-bounds in kvm_gmem_bind+0x10/0x20 [kvm]",
                        "Write of size 4 at addr ffff888012acfc20 by task slotcheck/211"}),
              "KASAN: slab-out-of-bounds Write in kvm_gmem_bind");
}

TEST(KernelLog, TitlesCarryNoPidsTimesOrAddresses) {
    auto hung = [](const std::string& header) {
        return title_of({header, "task:x state:D stack:0 pid:1 ppid:2 flags:0x00004000", "Call Trace:", " <TASK>",
                         " __schedule+0x33f/0xa40", " schedule+0x53/0xc0", " __mutex_lock.constprop.0+0x3ec/0x6b0",
                         " kvm_vm_ioctl+0x8a1/0x1800 [kvm]", " </TASK>"});
    };
    EXPECT_EQ(hung("INFO: task slotcheck:211 blocked for more than 122 seconds."), "INFO: task hung in kvm_vm_ioctl");
    EXPECT_EQ(hung("INFO: task kworker/0:1:17 blocked for more than 241 seconds."), "INFO: task hung in kvm_vm_ioctl");
    EXPECT_EQ(title_of({"INFO: task slotcheck:211 blocked for more than 122 seconds."}), "INFO: task hung");
    EXPECT_EQ(title_of({"watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [slotcheck:211]"}), "BUG: soft lockup");
    EXPECT_EQ(
        title_of({"BUG: soft lockup - CPU#0 stuck for 67s! [slotcheck:5]", "RIP: 0010:kvm_zap_gfn_range+0x1/0x2"}),
        "BUG: soft lockup in kvm_zap_gfn_range");
    EXPECT_EQ(title_of({"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009"}),
              "kernel panic: Attempted to kill init!");
    EXPECT_EQ(title_of({"Kernel panic - not syncing: softlockup: hung tasks"}), "kernel panic: softlockup: hung tasks");
    EXPECT_EQ(title_of({"Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: "
                        "kvm_vm_ioctl+0x1234/0x1240 [kvm]"}),
              "kernel panic: stack-protector: Kernel stack is corrupted in: kvm_vm_ioctl");
    EXPECT_EQ(title_of({"BUG: Bad page state in process slotcheck  pfn:7deea"}), "BUG: Bad page state");
    EXPECT_EQ(title_of({"BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 32s!"}),
              "BUG: workqueue lockup");
    EXPECT_EQ(title_of({"UBSAN: shift-out-of-bounds in arch/x86/kvm/mmu/mmu.c:3321:12"}),
              "UBSAN: shift-out-of-bounds in arch/x86/kvm/mmu/mmu.c:3321");
    EXPECT_EQ(title_of({"kernel BUG at mm/filemap.c:1536!"}), "kernel BUG at mm/filemap.c:1536");
}

TEST(KernelLog, UbsanEndsAtItsEndTraceOrAtItsClosingBanner) {
    // lib/ubsan.c: ubsan_prologue() prints "cut here" and the header,
    // ubsan_epilogue() dump_stack() and "---[ end trace ]---".
    SplatScanner scanner;
    EXPECT_FALSE(scanner.feed("------------[ cut here ]------------"));
    ASSERT_EQ(scanner.feed("UBSAN: shift-out-of-bounds in arch/x86/kvm/mmu/mmu.c:3321:12"), 0u);
    EXPECT_FALSE(scanner.feed("shift exponent 64 is too large for 64-bit type 'long unsigned int'"));
    EXPECT_FALSE(scanner.feed(" </TASK>"));
    EXPECT_FALSE(scanner.splats()[0].complete);
    EXPECT_FALSE(scanner.feed("---[ end trace ]---"));
    EXPECT_TRUE(scanner.splats()[0].complete);
    EXPECT_EQ(scanner.splats()[0].report.size(), 5u);
    EXPECT_EQ(scanner.splats()[0].title, "UBSAN: shift-out-of-bounds in arch/x86/kvm/mmu/mmu.c:3321");
    // The banner form is in the ubsan-then-kasan fixture.
}

TEST(KernelLog, RcuStallHeadersOfEveryKind) {
    // kernel/rcu/tree_stall.h and tree_exp.h, with and without the "rcu: "
    // prefix of 4.19+ (the first from report/610, the second from report/300).
    EXPECT_EQ(title_of({"rcu: INFO: rcu_sched self-detected stall on CPU"}),
              "INFO: rcu_sched self-detected stall on CPU");
    EXPECT_EQ(title_of({"INFO: rcu_sched detected stalls on CPUs/tasks:"}),
              "INFO: rcu_sched detected stalls on CPUs/tasks");
    EXPECT_EQ(title_of({"rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 0-... } 21 jiffies s: 853 "
                        "root: 0x1/."}),
              "INFO: rcu_preempt detected expedited stalls on CPUs/tasks");
    auto stall = splats_of({"rcu: INFO: rcu_preempt self-detected stall on CPU"});
    ASSERT_EQ(stall.size(), 1u);
    EXPECT_EQ(stall[0].kind, SplatKind::RcuStall);
}

TEST(KernelLog, OrdinaryLinesAreNotSplats) {
    EXPECT_TRUE(
        splats_of({
                      "[    5.203561] slotcheck: seq 108.0 begin /work/0-alignment.seq",
                      "SLOTCHECK-EXIT 0",
                      "slotcheck-init: kernel 7.3.4+deb13-amd64, /dev/kvm ready, command starts at uptime 5.00s",
                      "INFO: lockdep is turned off.",
                      "INFO: task slotcheck:211 is blocked on a mutex likely owned by task slotcheck:212.",
                      "kvm: exiting hardware virtualization",
                      "BUG UNIX (Not tainted): kasan: bad access detected",
                      "the kernel printed BUG: in the middle of a line",
                      "ACPI BIOS Error (bug): Could not resolve symbol [\\_SB.PCI0], AE_NOT_FOUND",
                      "------------[ cut here ]------------",
                      "==================================================================",
                      "---[ end trace 0000000000000000 ]---",
                      "</TASK>",
                  })
            .empty());
}

TEST(KernelLog, AReportWithoutEndMarkerEndsAtTheNextHeader) {
    // Reports that end with a bare dump_stack() have no end marker of their
    // own; the next report's header ends them (a panic ends any report).
    SplatScanner scanner;
    ASSERT_EQ(scanner.feed("INFO: task slotcheck:211 blocked for more than 122 seconds."), 0u);
    EXPECT_FALSE(scanner.feed("Call Trace:"));
    ASSERT_EQ(scanner.feed("INFO: task slotcheck:212 blocked for more than 122 seconds."), 1u);
    EXPECT_FALSE(scanner.splats()[0].complete);
    ASSERT_EQ(scanner.feed("Kernel panic - not syncing: hung_task: blocked tasks"), 2u);
    EXPECT_EQ(scanner.splats()[2].title, "kernel panic: hung_task: blocked tasks");
    EXPECT_FALSE(scanner.feed("Kernel Offset: disabled"));
    EXPECT_FALSE(scanner.feed("---[ end Kernel panic - not syncing: hung_task: blocked tasks ]---"));
    EXPECT_TRUE(scanner.splats()[2].complete);
}

}  // namespace
}  // namespace slotcheck::vm
