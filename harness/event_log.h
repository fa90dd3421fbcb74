// The record a run leaves for whoever watches it from outside.
//
// Inside a VM under test, `slotcheck probe|replay|fuzz --events /dev/ttyS1`
// writes framed events (harness/frames.h) to the VM's second serial port,
// which the host reads from a file: the probe's text, every sequence before
// it runs, how each ended, findings, statistics and the final result. For
// each sequence it also writes one marker line into the kernel log
// (/dev/kmsg), which the console carries in order with the kernel's own
// reports, so a WARNING or an oops on the console can be tied to the
// sequence that was running, even when the VM dies with it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seq/sequence.h"
#include "sys/unique_fd.h"

namespace slotcheck {

// Event frame types on the channel.
namespace event {
inline constexpr char kProbe = 'P';     // the probe's text (kernel, capabilities, profile)
inline constexpr char kBegin = 'B';     // "ID LABEL\n" + the sequence's text, before it runs
inline constexpr char kEnd = 'D';       // "ID STATUS\n" + the verdict's record (replay/verdict.h): how it ended
inline constexpr char kFinding = 'F';   // a fuzz finding (fuzz/wire.h encode_finding)
inline constexpr char kStats = 'S';     // cumulative fuzz statistics (fuzz/wire.h encode_stats)
inline constexpr char kFile = 'W';      // "NAME\n" + contents: a file the command wrote (a finding's)
inline constexpr char kVmalloc = 'K';   // VmallocUsed seen during a fuzz campaign (tools/vmalloc_watch.h)
inline constexpr char kResult = 'R';    // the command's JSON report, last
inline constexpr std::string_view kAll = "PBDFSWKR";
}  // namespace event

// The marker lines in the kernel log: "slotcheck: seq ID begin LABEL" and
// "slotcheck: seq ID end STATUS".
inline constexpr std::string_view kKmsgMarker = "slotcheck: seq ";

struct KmsgMarker {
    std::string id;
    bool begin = false;
    std::string rest;  // the label (begin) or the status (end)
};
// Reads a marker from a console line whose timestamp prefix is already gone.
std::optional<KmsgMarker> parse_kmsg_marker(std::string_view line);

class EventLog {
public:
    // Opens `path` for appending (a tty is switched to raw mode so frames
    // pass unchanged: no CR is added to a newline), and the kernel log
    // `kmsg_path` where the system has one (tests give a file of their own).
    static std::unique_ptr<EventLog> open(const std::string& path, std::string& error,
                                          const std::string& kmsg_path = "/dev/kmsg");

    bool write(char type, std::string_view payload);

    // Logs `seq` before it runs and returns its id. The frame has left the
    // serial port (tcdrain) before the marker enters the kernel log, so
    // whatever the kernel prints after the marker, the host already has the
    // sequence.
    std::string begin_sequence(std::string_view label, const Sequence& seq);
    // The same for a sequence file, named by its path: the frame carries
    // the file's own text up to kCarriedTextLimit (the host keeps it to
    // reproduce a kernel report, docs/vm.md), so a long file is never held
    // whole here nor sent whole down the serial line; a longer one is sent
    // as a comment saying so, and is not reproduced from its event.
    static constexpr uintmax_t kCarriedTextLimit = 4u << 20;
    std::string begin_file(const std::string& path);
    // The kernel-log marker carries the status only (one word, so a reader
    // of the console can match it); the frame adds the verdict's record
    // (replay/verdict.h encode(), opaque here), which the host decodes.
    void end_sequence(const std::string& id, std::string_view status, std::string_view verdict_record = {});

    // Test-only: while a sequence whose label contains `label_part` runs,
    // write `lines` into the kernel log as if the kernel had printed them
    // (checks end to end that a report is caught and attributed).
    void inject_into_kernel_log(std::string label_part, std::vector<std::string> lines);
    // Test-only, a delayed effect (harness/kmsg_injection.h): once a
    // sequence whose text contains `text_part` has begun, write `lines` when
    // the `after`-th sequence after it begins (0: at once, in the causing
    // sequence), or when the log closes if fewer follow.
    void inject_after_cause(std::string text_part, unsigned after, std::vector<std::string> lines);

    // Writes a pending delayed injection: the run ended before it surfaced.
    ~EventLog();
    EventLog(const EventLog&) = delete;
    EventLog& operator=(const EventLog&) = delete;

private:
    // Writes the begin frame and the kernel-log marker; returns the id.
    std::string begin(std::string_view label, std::string_view text);
    EventLog(UniqueFd channel, UniqueFd kmsg, bool is_tty)
        : channel_(std::move(channel)), kmsg_(std::move(kmsg)), is_tty_(is_tty) {}
    void kmsg_line(std::string_view text);

    UniqueFd channel_, kmsg_;
    bool is_tty_ = false;
    uint64_t next_ = 0;
    std::string injection_label_;
    std::vector<std::string> injection_lines_;
    std::string cause_text_;
    unsigned cause_after_ = 0;
    std::optional<unsigned> sequences_until_report_;  // armed by a causing sequence
};

}  // namespace slotcheck
