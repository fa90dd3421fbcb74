// Kernel reports ("splats") on the console of a VM under test.
//
// The console carries the kernel log and the output of the guest's own
// programs on one serial line. SplatScanner reads it a line at a time and
// recognises the reports the kernel prints when it finds a bug in itself:
// WARN, BUG, Oops, general protection faults, KASAN/KMSAN/UBSAN, lockdep,
// RCU stalls, hung tasks, soft lockups and panics. Recognition is anchored
// on the exact text the kernel prints at the start of a line (after the
// timestamp), never on a word somewhere in a line, so that program output
// and the kernel's advisory messages ("Spectre V2 : WARNING: ...") are not
// taken for bugs. docs/vm.md ("Console watching") lists every format.
//
// Each report gets a short title in syzkaller's style ("WARNING in
// kvm_gmem_bind", "KASAN: slab-use-after-free Read in xas_start"): no
// addresses, PIDs, times or offsets, so that two runs of one bug give one
// title. Findings are deduplicated by it, and a minimized sequence is
// checked against it to still hit the same bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slotcheck::vm {

enum class SplatKind {
    Warning,
    Bug,
    Oops,
    GeneralProtection,
    Kasan,
    Kmsan,
    Ubsan,
    Lockdep,
    RcuStall,
    HungTask,
    SoftLockup,
    Panic
};

// warning, bug, oops, general-protection, kasan, kmsan, ubsan, lockdep,
// rcu-stall, hung-task, soft-lockup, panic: stable, used in finding files.
std::string splat_kind_name(SplatKind kind);

struct Splat {
    SplatKind kind;
    // Final once the report has been read far enough: some titles name a
    // function that only a later line gives (the RIP line of an Oops, the
    // access line of KASAN, the stack of a hung task), so the title of the
    // newest splat may still change while its report grows.
    std::string title;
    size_t start_line = 0;            // 0-based index, among the lines fed, of the line that began it
    std::vector<std::string> report;  // the lines as fed, from the kernel's preamble (cut here, ====) on
    bool complete = false;            // the report's own end marker was seen
};

namespace detail {
// How the kernel marks the end of one report.
enum class ReportEnd : uint8_t {
    EndTrace,          // "---[ end trace ... ]---" (WARN, BUG, Oops; newer UBSAN)
    Banner,            // a line of '=' (KASAN, KMSAN, KFENCE, KCSAN)
    EndTraceOrBanner,  // UBSAN: a line of '=' in older kernels, the end trace in newer ones
    TaskStackEnd,      // "</TASK>": reports that end with a dump_stack() and print no marker
    PanicEnd,          // "---[ end Kernel panic" or "Rebooting in N seconds.."
};
// What a later line of a report may still add to its title.
enum class TitleRefinement : uint8_t {
    None,
    FaultingFunction,  // " in FUNC" from the RIP line (or the stack if RIP is in instrumentation)
    KasanAccess,       // " Read"/" Write" from the line after the header
    BlockedFunction,   // " in FUNC": the first stack frame that is not a way of waiting
    StuckFunction,     // " in FUNC": RIP, else the first frame, that is not a way of waiting
};
}  // namespace detail

class SplatScanner {
public:
    // A report never holds more lines than this: a flood (a report looping
    // on a wedged CPU, a lost end marker) cannot take unbounded memory, and
    // once a report is cut at this length new reports are recognised again.
    static constexpr size_t kMaxReportLines = 400;

    // One console line, without its "\n" and "\r". Returns the index in
    // splats() of the splat this line begins, or nullopt when it begins
    // none (it is ordinary output, or part of the open report).
    std::optional<size_t> feed(std::string_view line);

    const std::vector<Splat>& splats() const { return splats_; }

    // The line without its "[   12.345678] " timestamp and/or "[ T123] " /
    // "[    C1] " caller id (CONFIG_PRINTK_CALLER). Only these two exact
    // shapes are removed: other bracketed text is console content.
    static std::string_view strip_prefix(std::string_view line);

private:
    struct OpenReport {
        size_t index = 0;
        detail::ReportEnd end = detail::ReportEnd::EndTrace;
        detail::TitleRefinement refinement = detail::TitleRefinement::None;
        std::string title_stem;      // the title before " in FUNC" / " Read in FUNC"
        std::string kasan_function;  // the function named by the KASAN header
        bool in_call_trace = false;
    };
    // A console line outside every report, kept for a moment: the kernel
    // prints "cut here" or a '=' banner (and for WARN(cond, fmt) the message)
    // before the header line that identifies the report.
    struct RecentLine {
        std::string raw;
        std::string text;  // without the prefix
    };

    std::vector<std::string> take_preamble();
    void continue_report(std::string_view raw, std::string_view text);
    void refine_title(std::string_view text);
    void close_report(bool complete);
    void remember_outside_line(std::string_view raw, std::string_view text);

    std::vector<Splat> splats_;
    std::optional<OpenReport> open_;
    std::deque<RecentLine> recent_;
    size_t lines_seen_ = 0;
};

}  // namespace slotcheck::vm
