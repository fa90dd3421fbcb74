#include "harness/vm/kernel_log.h"

#include <algorithm>
#include <array>

namespace slotcheck::vm {

std::string splat_kind_name(SplatKind kind) {
    switch (kind) {
    case SplatKind::Warning: return "warning";
    case SplatKind::Bug: return "bug";
    case SplatKind::Oops: return "oops";
    case SplatKind::GeneralProtection: return "general-protection";
    case SplatKind::Kasan: return "kasan";
    case SplatKind::Kmsan: return "kmsan";
    case SplatKind::Ubsan: return "ubsan";
    case SplatKind::Lockdep: return "lockdep";
    case SplatKind::RcuStall: return "rcu-stall";
    case SplatKind::HungTask: return "hung-task";
    case SplatKind::SoftLockup: return "soft-lockup";
    case SplatKind::Panic: return "panic";
    }
    return "?";
}

namespace {

using detail::ReportEnd;
using detail::TitleRefinement;
using std::string_view;
using namespace std::string_view_literals;

// ---------------------------------------------------------------------------
// Characters and words

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_identifier_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_identifier_char(char c) { return is_identifier_start(c) || is_digit(c); }

bool all_of(string_view s, bool (*pred)(char)) { return !s.empty() && std::all_of(s.begin(), s.end(), pred); }

bool is_identifier(string_view s) {
    return !s.empty() && is_identifier_start(s[0]) && std::all_of(s.begin(), s.end(), is_identifier_char);
}

// Drops `prefix` from the front of `s` if it is there.
bool consume(string_view& s, string_view prefix) {
    if (!s.starts_with(prefix)) return false;
    s.remove_prefix(prefix.size());
    return true;
}

string_view trim(string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<string_view> words_of(string_view s) {
    std::vector<string_view> words;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        size_t start = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > start) words.push_back(s.substr(start, i - start));
    }
    return words;
}

// "virt/kvm/guest_memfd.c:123": a source location.
bool is_file_line(string_view s) {
    auto colon = s.rfind(':');
    return colon != string_view::npos && colon > 0 && all_of(s.substr(colon + 1), is_digit) &&
           s.substr(0, colon).find('.') != string_view::npos;
}

// "kernel/bpf/syscall.c:2906:24" -> "kernel/bpf/syscall.c:2906": the column
// adds nothing a reader needs and differs between compilers.
string_view without_column(string_view location) {
    auto last = location.rfind(':');
    if (last == string_view::npos || last == 0 || !all_of(location.substr(last + 1), is_digit)) return location;
    auto before = location.substr(0, last);
    return is_file_line(before) ? before : location;
}

// ---------------------------------------------------------------------------
// Symbols and functions

// "kvm_gmem_bind+0x1a/0x30" -> "kvm_gmem_bind". Compiler clones
// (".constprop.0", ".isra.0", ".part.0", ".cold") come and go with
// unrelated changes, so they are dropped for a stable title. An address
// without a symbol ("0xffffffffc0a89150") names no function.
std::optional<std::string> function_of_symbol(string_view symbol) {
    auto name = symbol.substr(0, symbol.find('+'));
    name = name.substr(0, name.find('.'));
    if (!is_identifier(name)) return std::nullopt;
    return std::string(name);
}

// Frames that say where the report was made, not where the bug is:
// sanitizer instrumentation runs inside every function it checks.
bool is_instrumentation(string_view function) {
    static constexpr std::array kPrefixes = {"__sanitizer_cov"sv, "__asan_"sv,  "__hwasan_"sv,
                                             "__msan_"sv,         "__tsan_"sv,  "__kasan_check"sv,
                                             "kasan_check"sv,     "__kcsan_"sv, "check_memory_region"sv};
    return std::any_of(kPrefixes.begin(), kPrefixes.end(), [&](string_view p) { return function.starts_with(p); });
}

// Frames through which a task sleeps or spins on a lock (the scheduler,
// sleeping locks, waits for an event, spin locks): every hung task and most
// soft lockups pass through them, so they tell nothing about which one it
// is. The first frame below them is the code that was waiting.
bool is_way_of_waiting(string_view function) {
    static constexpr std::array kPrefixes = {
        "__schedule"sv, "schedule"sv, "preempt_schedule"sv, "io_schedule"sv, "context_switch"sv, "__switch_to"sv,
        "__mutex_lock"sv, "mutex_lock"sv, "__rt_mutex"sv, "rt_mutex"sv, "rwbase_"sv, "__ww_mutex"sv, "ww_mutex"sv,
        "rwsem_down"sv, "down_"sv, "__down"sv, "percpu_down"sv, "percpu_rwsem"sv,
        "wait_for_completion"sv, "__wait_for_common"sv, "wait_for_common"sv, "do_wait_for_common"sv,
        "__wait_rcu_gp"sv, "synchronize_rcu"sv, "synchronize_srcu"sv, "__synchronize_srcu"sv, "__flush_work"sv,
        "flush_work"sv, "__flush_workqueue"sv, "flush_workqueue"sv, "folio_wait"sv, "__folio_lock"sv, "folio_lock"sv,
        "__wait_on_bit"sv, "out_of_line_wait_on_bit"sv, "bit_wait"sv, "wait_woken"sv, "msleep"sv, "usleep_range"sv,
        "native_queued_spin_lock_slowpath"sv, "queued_spin_lock_slowpath"sv, "__pv_queued_spin_lock_slowpath"sv,
        "_raw_spin_lock"sv, "_raw_read_lock"sv, "_raw_write_lock"sv, "do_raw_spin_lock"sv, "do_raw_read_lock"sv,
        "do_raw_write_lock"sv,
    };
    return function == "down" ||
           std::any_of(kPrefixes.begin(), kPrefixes.end(), [&](string_view p) { return function.starts_with(p); });
}

// The function of a kernel-mode "RIP: 0010:func+0x14/0x50" line (also the
// pre-4.15 "RIP: 0010:[<ffffffff8144ee81>]  [<ffffffff8144ee81>] func+0x21/0x80"
// and decode_stacktrace's "RIP: 0010:func (file.c:291)"). User-mode RIP
// lines ("RIP: 0033:0x7f...") are the syscall's caller, not the bug.
std::optional<std::string> kernel_rip_function(string_view text) {
    static constexpr string_view kKernelRip = "RIP: 0010:";
    if (!text.starts_with(kKernelRip)) return std::nullopt;
    for (string_view word : words_of(text.substr(kKernelRip.size())))
        if (!word.starts_with("[<")) return function_of_symbol(word);
    return std::nullopt;
}

// The function of one line of a stack trace:
//   " kvm_put_kvm+0x1c1/0x320 [kvm]"                       (plain)
//   " context_switch kernel/sched/core.c:5510 [inline]"   (symbolized, inlined)
//   "_raw_spin_lock (arch/x86/include/asm/paravirt.h:557)" (decode_stacktrace)
//   " [<ffffffff81d94b69>] dump_stack+0xc1/0x128"          (before 4.15)
// A "? " frame is a stale return address the unwinder could not vouch for.
std::optional<std::string> stack_frame_function(string_view text) {
    auto words = words_of(text);
    size_t i = 0;
    while (i < words.size() && words[i].starts_with("[<")) ++i;
    if (i >= words.size() || words[i] == "?") return std::nullopt;
    string_view symbol = words[i];
    const bool has_offset = symbol.find("+0x") != string_view::npos;
    const bool annotated = i + 1 < words.size() && (words[i + 1].starts_with('(') || is_file_line(words[i + 1]));
    if (!has_offset && !annotated) return std::nullopt;
    return function_of_symbol(symbol);
}

// ---------------------------------------------------------------------------
// Stable phrases

// A word that differs from run to run: numbers, addresses, CPU#1, comm/pid,
// key=value. Identifiers with digits (ext4_writepages) are not.
bool carries_run_data(string_view word) {
    if (std::none_of(word.begin(), word.end(), is_digit)) return false;
    while (!word.empty() && (word.back() == ':' || word.back() == ',' || word.back() == '!' || word.back() == '.'))
        word.remove_suffix(1);
    return !is_identifier(word);
}

bool is_dangling_word(string_view word) {
    static constexpr std::array kWords = {"on"sv, "at"sv, "in"sv,   "for"sv,  "of"sv,
                                          "by"sv, "to"sv, "from"sv, "with"sv, "is"sv};
    return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

enum class ColonEnds : bool { No, Yes };

// The leading words of a kernel message up to the first one that carries
// run-specific data: "Attempted to kill init! exitcode=0x00000009" ->
// "Attempted to kill init!", "scheduling while atomic: syz/123/0x2" ->
// "scheduling while atomic". Symbols become function names. With
// ColonEnds::Yes a word ending in ':' is the last (it introduces data).
std::string stable_phrase(string_view text, ColonEnds colon_ends) {
    std::vector<std::string> kept;
    auto words = words_of(text);
    for (size_t i = 0; i < words.size(); ++i) {
        string_view word = words[i];
        if (word.find("+0x") != string_view::npos) {
            if (auto function = function_of_symbol(word)) kept.push_back(*function);
            continue;
        }
        if (carries_run_data(word) || word.starts_with('(') || word.starts_with('[') || word.starts_with('{') ||
            word == "-")
            break;
        // "Bad page state in process NAME": the process name is run data.
        if (colon_ends == ColonEnds::Yes && word == "in" && i + 1 < words.size() && words[i + 1] == "process") break;
        if (word.ends_with(',') || (colon_ends == ColonEnds::Yes && word.ends_with(':'))) {
            kept.emplace_back(word.substr(0, word.size() - 1));
            break;
        }
        kept.emplace_back(word);
    }
    while (!kept.empty() && is_dangling_word(kept.back())) kept.pop_back();
    std::string phrase;
    for (const auto& word : kept) phrase += (phrase.empty() ? "" : " ") + word;
    return phrase;
}

std::string in_function(std::string stem, const std::string& function) {
    return function.empty() ? stem : stem + " in " + function;
}

// ---------------------------------------------------------------------------
// Lines that belong around reports

bool is_cut_here(string_view text) { return text.starts_with("-") && text.find("[ cut here ]") != string_view::npos; }

// KASAN, KMSAN, UBSAN and lockdep frame their reports with a line of '='.
bool is_banner(string_view text) {
    text = trim(text);
    return text.size() >= 20 && std::all_of(text.begin(), text.end(), [](char c) { return c == '='; });
}

bool is_end_trace(string_view text) { return text.starts_with("---[ end trace"); }

bool starts_call_trace(string_view text) {
    text = trim(text);
    return text.starts_with("Call Trace:") || text.starts_with("Call trace:");
}

bool ends_report(ReportEnd end, string_view text) {
    switch (end) {
    case ReportEnd::EndTrace: return is_end_trace(text);
    case ReportEnd::Banner: return is_banner(text);
    case ReportEnd::EndTraceOrBanner: return is_end_trace(text) || is_banner(text);
    case ReportEnd::TaskStackEnd: return trim(text) == "</TASK>";
    case ReportEnd::PanicEnd: return text.starts_with("---[ end Kernel panic") || text.starts_with("Rebooting in ");
    }
    return false;
}

// ---------------------------------------------------------------------------
// Header lines: the line that says which report follows

struct Header {
    SplatKind kind;
    std::string title;
    ReportEnd end;
    TitleRefinement refinement = TitleRefinement::None;
    std::string title_stem;      // what " in FUNC" is appended to
    std::string kasan_function;  // KASAN: the function, kept until the access line
};

// kernel/panic.c panic(): "Kernel panic - not syncing: %s".
std::optional<Header> panic_header(string_view text) {
    static constexpr string_view kPanic = "Kernel panic - not syncing: ";
    if (!text.starts_with(kPanic)) return std::nullopt;
    std::string message = stable_phrase(text.substr(kPanic.size()), ColonEnds::No);
    return Header{SplatKind::Panic, message.empty() ? "kernel panic" : "kernel panic: " + message, ReportEnd::PanicEnd};
}

struct WarnSite {
    std::optional<std::string> function;
    std::string file_line;
};

// kernel/panic.c __warn(), two formats:
//   "WARNING: CPU: %d PID: %d at %s:%d %pS" (or "... at %pS" without a file), the
//   long-standing one (Debian's 7.3 prints it);
//   "WARNING: %s:%d at %pS, CPU#%d: %s/%d" (or "WARNING: at %pS, CPU#%d: %s/%d"),
//   a rewrite seen in syzbot's upstream reports of late 2025.
// Anything else starting with "WARNING: " is some other message.
std::optional<WarnSite> parse_warn_banner(string_view text) {
    static constexpr string_view kWarning = "WARNING: ";
    if (!text.starts_with(kWarning)) return std::nullopt;
    string_view rest = text.substr(kWarning.size());
    std::vector<string_view> location;
    if (rest.starts_with("CPU: ")) {
        auto at = rest.find(" at ");
        if (at == string_view::npos || rest.find(" PID: ") > at) return std::nullopt;
        location = words_of(rest.substr(at + 4));
    } else {
        auto cpu = rest.rfind(", CPU#");
        if (cpu == string_view::npos) return std::nullopt;
        string_view site = rest.substr(0, cpu);
        if (site.starts_with("at ")) {
            location = words_of(site.substr(3));
        } else {
            auto at = site.find(" at ");
            if (at == string_view::npos || !is_file_line(site.substr(0, at))) return std::nullopt;
            location = words_of(site.substr(0, at));
            for (string_view word : words_of(site.substr(at + 4))) location.push_back(word);
        }
    }
    if (location.empty()) return std::nullopt;
    WarnSite warn;
    size_t symbol = 0;
    if (location.size() >= 2 && is_file_line(location[0])) {
        warn.file_line = std::string(location[0]);
        symbol = 1;
    }
    warn.function = function_of_symbol(location[symbol]);
    return warn;
}

std::optional<Header> warn_header(string_view text) {
    auto warn = parse_warn_banner(text);
    if (!warn) return std::nullopt;
    std::string title = warn->function             ? "WARNING in " + *warn->function
                        : !warn->file_line.empty() ? "WARNING: at " + warn->file_line
                                                   : "WARNING";
    return Header{SplatKind::Warning, title, ReportEnd::EndTrace};
}

// kernel/locking/lockdep.c (and lockdep_rcu_suspicious): a '=' banner, then
// one of these. They are lockdep's, not WARN()s, though they say WARNING.
std::optional<Header> lockdep_warning_header(string_view text) {
    static constexpr std::array kPhrases = {"possible circular locking dependency detected"sv,
                                            "possible recursive locking detected"sv,
                                            "inconsistent lock state"sv,
                                            "possible irq lock inversion dependency detected"sv,
                                            "bad unlock balance detected!"sv,
                                            "bad contention detected!"sv,
                                            "suspicious RCU usage"sv,
                                            "held lock freed!"sv,
                                            "lock held when returning to user space!"sv,
                                            "Nested lock was not taken"sv};
    if (text == "[ BUG: Invalid wait context ]")
        return Header{SplatKind::Lockdep, "BUG: Invalid wait context", ReportEnd::TaskStackEnd};
    static constexpr string_view kWarning = "WARNING: ";
    if (!text.starts_with(kWarning)) return std::nullopt;
    string_view what = trim(text.substr(kWarning.size()));
    std::string title;
    if (std::find(kPhrases.begin(), kPhrases.end(), what) != kPhrases.end() ||
        what.ends_with("-unsafe lock order detected"))  // "HARDIRQ-safe -> HARDIRQ-unsafe lock order detected"
        title = std::string(what);
    else if (what.ends_with(" still has locks held!"))  // "WARNING: %s/%d still has locks held!"
        title = "still has locks held!";
    else
        return std::nullopt;
    return Header{SplatKind::Lockdep, title, ReportEnd::TaskStackEnd};
}

// lib/bug.c report_bug(): "kernel BUG at %s:%u!".
std::optional<Header> kernel_bug_header(string_view text) {
    static constexpr string_view kBug = "kernel BUG at ";
    if (!text.starts_with(kBug)) return std::nullopt;
    string_view location = trim(text.substr(kBug.size()));
    if (location.ends_with('!')) location.remove_suffix(1);
    return Header{SplatKind::Bug, "kernel BUG at " + std::string(location), ReportEnd::EndTrace};
}

// kernel/watchdog.c: "watchdog: BUG: soft lockup - CPU#%d stuck for %us! [%s:%d]"
// (without "watchdog: " before 4.15).
std::optional<Header> soft_lockup_header(string_view text) {
    consume(text, "watchdog: ");
    if (!text.starts_with("BUG: soft lockup")) return std::nullopt;
    Header header{SplatKind::SoftLockup, "BUG: soft lockup", ReportEnd::TaskStackEnd, TitleRefinement::StuckFunction};
    header.title_stem = header.title;
    return header;
}

// "BUG: KASAN: slab-use-after-free in kvm_gmem_foo+0x12/0x40 [kvm]" and its
// siblings: the tool, the kind of bug, the function.
std::optional<Header> sanitizer_header(string_view bug) {
    struct Tool {
        string_view name;
        SplatKind kind;
    };
    static constexpr std::array kTools = {Tool{"KASAN: ", SplatKind::Kasan}, Tool{"KFENCE: ", SplatKind::Kasan},
                                          Tool{"KMSAN: ", SplatKind::Kmsan}, Tool{"KCSAN: ", SplatKind::Bug}};
    for (const auto& tool : kTools) {
        if (!bug.starts_with(tool.name)) continue;
        string_view what = bug.substr(tool.name.size());
        auto in = what.find(" in ");
        std::string stem =
            std::string(tool.name) + std::string(in == string_view::npos ? trim(what) : what.substr(0, in));
        std::string function = in == string_view::npos ? "" : stable_phrase(what.substr(in + 4), ColonEnds::No);
        Header header{tool.kind, in_function(stem, function), ReportEnd::Banner};
        if (tool.name == "KASAN: ") {
            header.refinement = TitleRefinement::KasanAccess;
            header.title_stem = stem;
            header.kasan_function = function;
        }
        return header;
    }
    return std::nullopt;
}

// arch/x86/mm/fault.c show_fault_oops(), and the stack guard page of
// arch/x86/kernel/traps.c: the faulting function comes with the RIP line.
std::optional<Header> fault_header(string_view bug) {
    std::string stem;
    if (bug.starts_with("unable to handle page fault") || bug.starts_with("unable to handle kernel paging request"))
        stem = "BUG: unable to handle page fault";
    else if (bug.starts_with("kernel NULL pointer dereference") ||
             bug.starts_with("unable to handle kernel NULL pointer dereference"))
        stem = "BUG: kernel NULL pointer dereference";
    else if (bug.find("stack guard page was hit") != string_view::npos)
        stem = "BUG: stack guard page was hit";
    else
        return std::nullopt;
    Header header{SplatKind::Oops, stem, ReportEnd::EndTrace, TitleRefinement::FaultingFunction};
    header.title_stem = stem;
    return header;
}

// Atomic-context and lock-debugging checks outside lockdep proper
// (kernel/sched/core.c, lib/spinlock_debug.c, lib/smp_processor_id.c,
// lockdep's own limits): grouped with lockdep as locking bugs.
std::optional<Header> atomic_context_header(string_view bug) {
    static constexpr std::array kChecks = {"sleeping function called from invalid context"sv,
                                           "scheduling while atomic"sv,
                                           "spinlock "sv,
                                           "rwlock "sv,
                                           "using "sv,
                                           "MAX_LOCKDEP"sv,
                                           "MAX_STACK_TRACE_ENTRIES"sv,
                                           "looking up invalid subclass"sv};
    if (std::none_of(kChecks.begin(), kChecks.end(), [&](string_view c) { return bug.starts_with(c); }))
        return std::nullopt;
    return Header{SplatKind::Lockdep, "BUG: " + stable_phrase(bug, ColonEnds::Yes), ReportEnd::TaskStackEnd};
}

std::optional<Header> bug_header(string_view text) {
    static constexpr string_view kBug = "BUG: ";
    if (!text.starts_with(kBug)) return std::nullopt;
    string_view bug = text.substr(kBug.size());
    if (auto header = sanitizer_header(bug)) return header;
    if (auto header = fault_header(bug)) return header;
    if (auto header = atomic_context_header(bug)) return header;
    if (bug.starts_with("workqueue lockup"))  // kernel/workqueue.c: a worker pool stuck for 30 s
        return Header{SplatKind::HungTask, "BUG: workqueue lockup", ReportEnd::TaskStackEnd};
    // Any other "BUG: " the kernel prints is a report of its own (mm's bad
    // page state, bad rss-counter state, ...), ended by its dump_stack().
    std::string phrase = stable_phrase(bug, ColonEnds::Yes);
    return Header{SplatKind::Bug, phrase.empty() ? "BUG" : "BUG: " + phrase, ReportEnd::TaskStackEnd};
}

// lib/ubsan.c ubsan_prologue(): "UBSAN: %s in %s:%d:%d" (older kernels:
// "UBSAN: Undefined behaviour in %s:%d:%d").
std::optional<Header> ubsan_header(string_view text) {
    static constexpr string_view kUbsan = "UBSAN: ";
    if (!text.starts_with(kUbsan)) return std::nullopt;
    string_view what = text.substr(kUbsan.size());
    auto in = what.find(" in ");
    std::string title;
    if (in == string_view::npos) {
        title = "UBSAN: " + stable_phrase(what, ColonEnds::No);
    } else {
        auto location = words_of(what.substr(in + 4));
        title = "UBSAN: " + std::string(what.substr(0, in)) +
                (location.empty() ? "" : " in " + std::string(without_column(location[0])));
    }
    return Header{SplatKind::Ubsan, title, ReportEnd::EndTraceOrBanner};
}

// arch/x86/kernel/dumpstack.c __die_header(): "%s: %04lx [#%d]" with the
// trap's name ("general protection fault, probably for non-canonical
// address 0x...", "invalid opcode", "divide error", "Oops" for a page
// fault), prefixed with "Oops: " in newer kernels.
std::optional<Header> die_header(string_view text) {
    consume(text, "Oops: ");
    auto counter = text.find(" [#");
    if (counter == string_view::npos) return std::nullopt;
    auto close = text.find(']', counter);
    if (close == string_view::npos || !all_of(text.substr(counter + 3, close - counter - 3), is_digit))
        return std::nullopt;
    string_view before = text.substr(0, counter);
    auto colon = before.rfind(": ");
    string_view error_code = colon == string_view::npos ? before : before.substr(colon + 2);
    if (error_code.size() < 4 || !all_of(error_code, is_hex_digit)) return std::nullopt;
    string_view trap = colon == string_view::npos ? string_view() : before.substr(0, colon);
    Header header{SplatKind::Oops, "", ReportEnd::EndTrace, TitleRefinement::FaultingFunction};
    if (trap.starts_with("general protection fault")) {
        header.kind = SplatKind::GeneralProtection;
        header.title_stem = "general protection fault";
    } else if (trap.empty() || trap.ends_with("Oops")) {
        header.title_stem = "Oops";
    } else {
        header.title_stem = stable_phrase(trap, ColonEnds::No);
    }
    header.title = header.title_stem;
    return header;
}

// kernel/hung_task.c: "INFO: task %s:%d blocked for more than %ld seconds."
// The name, PID and time vary; the function the task waits in does not.
std::optional<Header> hung_task_header(string_view text) {
    if (!text.starts_with("INFO: task ") || text.find(" blocked for more than ") == string_view::npos)
        return std::nullopt;
    Header header{SplatKind::HungTask, "INFO: task hung", ReportEnd::TaskStackEnd, TitleRefinement::BlockedFunction};
    header.title_stem = header.title;
    return header;
}

// kernel/rcu/tree_stall.h (pr_fmt "rcu: " since 4.19):
//   "INFO: %s self-detected stall on CPU"
//   "INFO: %s detected stalls on CPUs/tasks:"
//   "INFO: %s detected expedited stalls on CPUs/tasks: { ... } ..."
std::optional<Header> rcu_stall_header(string_view text) {
    consume(text, "rcu: ");
    if (!consume(text, "INFO: ") || !text.starts_with("rcu") || text.find("stall") == string_view::npos)
        return std::nullopt;
    string_view what = trim(text.substr(0, text.find(':')));
    return Header{SplatKind::RcuStall, "INFO: " + std::string(what), ReportEnd::TaskStackEnd};
}

std::optional<Header> recognise_header(string_view text) {
    for (auto recognise : {panic_header, warn_header, lockdep_warning_header, kernel_bug_header, soft_lockup_header,
                           bug_header, ubsan_header, die_header, hung_task_header, rcu_stall_header})
        if (auto header = recognise(text)) return header;
    return std::nullopt;
}

// ---------------------------------------------------------------------------
// Console prefixes

// "   12.345678" inside the brackets of a printk timestamp.
bool is_timestamp(string_view inside) {
    inside = trim(inside);
    auto dot = inside.find('.');
    return dot != string_view::npos && all_of(inside.substr(0, dot), is_digit) &&
           all_of(inside.substr(dot + 1), is_digit);
}

// " T123" or "    C1" inside the brackets of a CONFIG_PRINTK_CALLER id.
bool is_caller_id(string_view inside) {
    inside = trim(inside);
    return inside.size() >= 2 && (inside[0] == 'T' || inside[0] == 'C') && all_of(inside.substr(1), is_digit);
}

std::optional<string_view> after_bracketed(string_view s, bool (*inside_is)(string_view)) {
    if (!s.starts_with('[')) return std::nullopt;
    auto close = s.find(']');
    if (close == string_view::npos || !inside_is(s.substr(1, close - 1))) return std::nullopt;
    return s.substr(close + 1);
}

}  // namespace

std::string_view SplatScanner::strip_prefix(std::string_view line) {
    string_view rest = line;
    bool stripped = false;
    if (auto after = after_bracketed(rest, is_timestamp)) {
        rest = *after;
        stripped = true;
    }
    // The caller id follows the timestamp directly ("[  1.2][ T1]") or, in
    // some tools' output, after a space.
    string_view caller = stripped && rest.starts_with(" [") ? rest.substr(1) : rest;
    if (auto after = after_bracketed(caller, is_caller_id)) {
        rest = *after;
        stripped = true;
    }
    // One space separates the prefix from the message; more is the
    // message's own indentation (stack frames).
    if (stripped && rest.starts_with(' ')) rest.remove_prefix(1);
    return rest;
}

std::optional<size_t> SplatScanner::feed(std::string_view line) {
    const size_t line_index = lines_seen_++;
    const string_view text = strip_prefix(line);
    auto header = recognise_header(text);
    // Inside a report that has an end marker of its own, header-like lines
    // are the report's (a WARNING printed by KASAN's own checks, an "Oops:"
    // line after "BUG: unable to handle page fault"), except a panic: the
    // kernel dies in the middle of that report, and the panic is reported
    // as well. Reports that end with a plain stack dump have no marker to
    // wait for, so any new header ends them.
    if (header && open_ && header->kind != SplatKind::Panic && open_->end != ReportEnd::TaskStackEnd) header.reset();
    if (!header) {
        if (open_)
            continue_report(line, text);
        else
            remember_outside_line(line, text);
        return std::nullopt;
    }
    if (open_) close_report(false);

    Splat splat{header->kind, header->title, line_index, take_preamble(), false};
    splat.report.emplace_back(line);
    splats_.push_back(std::move(splat));
    const size_t index = splats_.size() - 1;
    open_ = OpenReport{index, header->end, header->refinement, std::move(header->title_stem),
                       std::move(header->kasan_function)};
    return index;
}

// The kernel's preamble belongs to the report: "cut here" (and the message
// of WARN(cond, fmt), printed between it and the header), or the '=' banner
// of KASAN, KMSAN, UBSAN and lockdep.
std::vector<std::string> SplatScanner::take_preamble() {
    std::vector<std::string> preamble;
    if (!recent_.empty()) {
        const auto& last = recent_.back();
        if (is_cut_here(last.text) || is_banner(last.text))
            preamble = {last.raw};
        else if (recent_.size() == 2 && is_cut_here(recent_.front().text))
            preamble = {recent_.front().raw, last.raw};
    }
    recent_.clear();
    return preamble;
}

void SplatScanner::continue_report(std::string_view raw, std::string_view text) {
    Splat& splat = splats_[open_->index];
    splat.report.emplace_back(raw);
    refine_title(text);
    if (ends_report(open_->end, text))
        close_report(true);
    else if (splat.report.size() >= kMaxReportLines)
        close_report(false);
}

void SplatScanner::refine_title(std::string_view text) {
    OpenReport& report = *open_;
    if (starts_call_trace(text)) {
        report.in_call_trace = true;
        return;
    }
    std::optional<std::string> function;
    switch (report.refinement) {
    case TitleRefinement::None: return;
    case TitleRefinement::KasanAccess: {
        // mm/kasan/report.c prints "Read of size N at addr ..." (or "Write
        // ...") right after the header; double-free and the like have none,
        // so only that one line is looked at.
        report.refinement = TitleRefinement::None;
        string_view access = text.starts_with("Read") ? "Read" : text.starts_with("Write") ? "Write" : "";
        if (!access.empty())
            splats_[report.index].title =
                in_function(report.title_stem + " " + std::string(access), report.kasan_function);
        return;
    }
    case TitleRefinement::FaultingFunction:
        function = kernel_rip_function(text);
        if (!function && report.in_call_trace) function = stack_frame_function(text);
        if (function && is_instrumentation(*function)) function.reset();
        break;
    case TitleRefinement::StuckFunction:
        function = kernel_rip_function(text);
        if (!function && report.in_call_trace) function = stack_frame_function(text);
        if (function && (is_instrumentation(*function) || is_way_of_waiting(*function))) function.reset();
        break;
    case TitleRefinement::BlockedFunction:
        if (report.in_call_trace) function = stack_frame_function(text);
        if (function && (is_instrumentation(*function) || is_way_of_waiting(*function))) function.reset();
        break;
    }
    if (!function) return;
    splats_[report.index].title = in_function(report.title_stem, *function);
    report.refinement = TitleRefinement::None;
}

void SplatScanner::close_report(bool complete) {
    splats_[open_->index].complete = complete;
    open_.reset();
    recent_.clear();
}

void SplatScanner::remember_outside_line(std::string_view raw, std::string_view text) {
    recent_.push_back({std::string(raw), std::string(text)});
    if (recent_.size() > 2) recent_.pop_front();
}

}  // namespace slotcheck::vm
