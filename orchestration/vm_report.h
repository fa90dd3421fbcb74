// What `slotcheck vm` brings back: per kernel and VM boot, what ran and how
// it ended; every finding (a divergence found inside, a kernel report tied
// to its sequence, a VM that died or hung) written to a directory of its
// own; the summary table, or with --replay the file x kernel matrix.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/campaign.h"
#include "harness/vm/vm_run.h"
#include "orchestration/vmalloc_watch.h"
#include "replay/verdict.h"

namespace slotcheck::cli {

struct BootRecord {
    unsigned slot = 0, boot = 0;
    uint64_t seed = 0;
    std::string dir;  // console.log, events.bin, run.log
    vm::VmEnd end = vm::VmEnd::StartFailed;
    std::string detail;
    fuzz::Stats stats;  // the last statistics the guest sent
    std::optional<VmallocSample> vmalloc;  // the last VmallocUsed report the guest's fuzz sent
    uint64_t sequences_begun = 0;
    size_t reports = 0;
    double boot_to_first_sequence_s = -1, wall_s = 0;
};

struct KernelReport {
    vm::KernelUnderTest kernel;
    std::string release, profile, mmu;  // from the probe inside (mmu: tdp-mmu, tdp-legacy, shadow)
    std::vector<BootRecord> boots;
    std::map<std::string, std::string> verdicts;  // --replay: host file -> verdict
    std::map<std::string, std::string> verdict_details;  // host file -> its first divergence, when not agree
    // The boot whose VmallocUsed grew most over its campaign; nothing when
    // no guest reported it (replay, a VM that died before its first report).
    std::optional<VmallocSample> largest_vmalloc_growth() const;
};

// What reproducing a finding in fresh VMs found (orchestration/vm_repro.h).
struct ReproSummary {
    bool reproduced = false;
    std::vector<std::string> culprits;  // labels of the sequences that bring the report back, in order
    size_t attempts = 0;                // VMs booted for the search (the rate's and the minimizer's apart)
    unsigned rate_hits = 0, rate_runs = 0;  // the culprits replayed again: how often the report came back
    size_t original_ops = 0, minimized_ops = 0;  // of the last culprit, the one minimized
    bool one_minimal = false;
    std::string minimized_file, c_file;  // in the finding's directory; empty when not made
    std::string note;                    // why the search or minimizing stopped short, if it did
    std::string console;                 // not reproduced: the console of the boot that showed it
    double seconds = 0;
};

struct VmFinding {
    std::string kind;      // divergence, a report kind (warning, kasan, ...), died, hung, timeout
    std::string title;     // the failure signature or the report's title
    std::string kernel;
    std::string sequence;  // the label of the sequence it is tied to ("" when none)
    std::string dir;
    size_t count = 1;      // reports with this title on this kernel (one directory: the first)
    std::optional<ReproSummary> repro;
};

// A finding to reproduce: the boot it came from, the sequence the report was
// tied to, and what counts as the same failure.
struct ReproRequest {
    size_t finding = 0, kernel = 0;
    std::string boot_dir;                   // its events.bin holds every sequence run since boot
    std::optional<std::string> culprit_id;  // the sequence the report was tied to (none: all of the boot)
    std::string kind, title;                // a report's title; a dead or hung VM: its kind, no title
};

// The schema of VmReport::print_json's document (docs/output.md "vm").
inline constexpr std::string_view kVmSchema = "slotcheck.vm";
inline constexpr int kVmSchemaVersion = 1;

// The verdict a guest sent when a sequence or file ended. A record that
// does not read is an error verdict saying so, never an agreement.
Verdict finished_verdict(const vm::FinishedSequence& f);

class VmReport {
public:
    std::string out_dir;
    bool replay = false;
    std::vector<KernelReport> kernels;
    std::vector<std::string> files;  // --replay: every file, in order
    bool interrupted = false;        // SIGINT or SIGTERM stopped the run: the summary is of what ran

    // Takes one boot's result: reads its events and writes its findings.
    void add_boot(size_t kernel, unsigned slot, unsigned boot, uint64_t seed, vm::VmRunResult run,
                  const std::string& dir);

    void print(std::ostream& out) const;
    void print_json(std::ostream& out) const;
    int exit_code() const;
    const std::vector<VmFinding>& findings() const { return findings_; }
    // The new findings that a kernel report or a dead or hung VM made.
    const std::vector<ReproRequest>& repro_requests() const { return repro_requests_; }
    void set_repro(size_t finding, ReproSummary summary) { findings_.at(finding).repro = std::move(summary); }

private:
    size_t kernel_index(const KernelReport& k) const { return static_cast<size_t>(&k - kernels.data()); }
    std::string finding_dir(const KernelReport& k, const std::string& name) const;
    void add_report_finding(const KernelReport& k, const BootRecord& b, const vm::SplatRecord& s, size_t n);
    void add_end_finding(const KernelReport& k, const BootRecord& b, const vm::VmRunResult& run);
    // Counts a repeat of a finding already made (same kernel, kind and
    // title) and answers true; false for a new one.
    bool count_repeat(const std::string& kernel, const std::string& kind, const std::string& title);
    // Writes the finding's directory (report.txt, the sequence when there
    // is one, the boot's console) and keeps it.
    void file_finding(VmFinding f, const BootRecord& b, const std::string& report,
                      const std::optional<vm::SequenceRecord>& sequence);

    std::vector<VmFinding> findings_;
    std::vector<ReproRequest> repro_requests_;
    std::vector<std::string> errors_;
    std::vector<std::string> lost_writes_;  // findings' files that could not be written (exit 2)
};

}  // namespace slotcheck::cli
