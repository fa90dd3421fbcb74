#include "orchestration/vm_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <optional>
#include <sstream>

#include "fuzz/wire.h"
#include "harness/event_log.h"
#include "replay/corpus_writer.h"
#include "sys/atomic_file.h"
#include "sys/exit_codes.h"
#include "sys/json_document.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;

// The value of the probe's line that starts with `key` ("kernel ", "profile ").
std::string probe_word(const std::string& probe, const std::string& key) {
    std::istringstream in(probe);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(key, 0) != 0) continue;
        std::string rest = line.substr(key.size());
        auto end = rest.find_first_of(" :");
        return rest.substr(0, end);
    }
    return "";
}

// Writes a finding's file; a failure is recorded among `lost` (the findings
// that could not be written, which make the run exit 2).
void write_text(const fs::path& p, const std::string& text, std::vector<std::string>& lost) {
    auto failed = create_directories(p.parent_path().string());
    if (!failed) failed = write_file_atomically(p.string(), text);
    if (failed) lost.push_back(*failed);
}

// Files the guest sent are placed under the kernel's findings directory; a
// name that tries to leave it is refused.
bool safe_relative(const std::string& name) {
    if (name.empty() || name[0] == '/') return false;
    for (const auto& part : fs::path(name))
        if (part == "..") return false;
    return true;
}

// The longest directory prefix common to every file, for short row names.
std::string common_dir(const std::vector<std::string>& files) {
    if (files.empty()) return "";
    std::string prefix = fs::path(files.front()).parent_path().string();
    for (const auto& f : files)
        while (!prefix.empty() && f.rfind(prefix + "/", 0) != 0) prefix = fs::path(prefix).parent_path().string();
    return prefix;
}

}  // namespace

std::string VmReport::finding_dir(const KernelReport& k, const std::string& name) const {
    fs::path dir = fs::path(out_dir) / "findings" / k.kernel.name / name;
    std::error_code ec;  // a directory that cannot be made fails its files' writes, which say so
    fs::create_directories(dir, ec);
    return dir.string();
}

bool VmReport::count_repeat(const std::string& kernel, const std::string& kind, const std::string& title) {
    for (auto& seen : findings_)
        if (seen.kernel == kernel && seen.kind == kind && seen.title == title) {
            ++seen.count;
            return true;
        }
    return false;
}

void VmReport::file_finding(VmFinding f, const BootRecord& b, const std::string& report,
                            const std::optional<vm::SequenceRecord>& sequence) {
    write_text(fs::path(f.dir) / "report.txt", report, lost_writes_);
    if (sequence) write_text(fs::path(f.dir) / "sequence.seq", sequence->text, lost_writes_);
    std::error_code ec;
    fs::copy_file(fs::path(b.dir) / "console.log", fs::path(f.dir) / "console.log",
                  fs::copy_options::overwrite_existing, ec);
    findings_.push_back(std::move(f));
}

void VmReport::add_report_finding(const KernelReport& k, const BootRecord& b, const vm::SplatRecord& s, size_t n) {
    // One bug fires again and again while fuzzing: its title is its identity
    // (the titles carry no addresses, PIDs or times), so repeats are counted.
    if (count_repeat(k.kernel.name, vm::splat_kind_name(s.splat.kind), s.splat.title)) return;
    VmFinding f;
    f.kind = vm::splat_kind_name(s.splat.kind);
    f.title = s.splat.title;
    f.kernel = k.kernel.name;
    f.sequence = s.culprit ? s.culprit->label : "";
    f.dir = finding_dir(k, finding_slug(s.splat.title) + "-vm" + std::to_string(b.slot) + "-boot" +
                               std::to_string(b.boot) + "-" + std::to_string(n));
    std::ostringstream report;
    report << "title: " << s.splat.title << "\nkind: " << f.kind << "\nkernel: " << k.kernel.name
           << (k.release.empty() ? "" : " (" + k.release + ")") << "\nprofile: " << k.profile
           << "\nsequence: " << (s.culprit ? s.culprit->label : "(none logged)")
           << (s.culprit && !s.culprit_in_flight ? " (had ended; the last one before the report)" : "")
           << "\nconsole: " << b.dir << "/console.log, line " << s.splat.start_line + 1 << "\n\n";
    for (const auto& line : s.splat.report) report << line << "\n";
    repro_requests_.push_back({findings_.size(), kernel_index(k), b.dir,
                               s.culprit ? std::optional(s.culprit->id) : std::nullopt, f.kind, f.title});
    file_finding(std::move(f), b, report.str(), s.culprit);
}

void VmReport::add_end_finding(const KernelReport& k, const BootRecord& b, const vm::VmRunResult& run) {
    VmFinding f;
    f.kind = vm::vm_end_name(run.end);
    f.title = "VM " + f.kind + ": " + run.detail;
    // Repeats of one way of dying are counted; the first keeps its directory.
    if (count_repeat(k.kernel.name, f.kind, f.title)) return;
    f.kernel = k.kernel.name;
    f.sequence = run.in_flight_at_end ? run.in_flight_at_end->label : "";
    f.dir = finding_dir(k, "vm-" + f.kind + "-vm" + std::to_string(b.slot) + "-boot" + std::to_string(b.boot));
    std::ostringstream report;
    report << "title: " << f.title << "\nkernel: " << k.kernel.name << "\nsequence in flight: "
           << (f.sequence.empty() ? "(none)" : f.sequence) << "\nconsole: " << b.dir << "/console.log\n";
    repro_requests_.push_back({findings_.size(), kernel_index(k), b.dir,
                               run.in_flight_at_end ? std::optional(run.in_flight_at_end->id) : std::nullopt, f.kind,
                               ""});
    file_finding(std::move(f), b, report.str(), run.in_flight_at_end);
}

void VmReport::add_boot(size_t kernel, unsigned slot, unsigned boot, uint64_t seed, vm::VmRunResult run,
                        const std::string& dir) {
    KernelReport& k = kernels[kernel];
    BootRecord b;
    b.slot = slot;
    b.boot = boot;
    b.seed = seed;
    b.dir = dir;
    b.end = run.end;
    b.detail = run.detail;
    b.sequences_begun = run.sequences_begun;
    b.reports = run.splats.size();
    b.boot_to_first_sequence_s = run.boot_to_first_sequence_s;
    b.wall_s = run.wall_s;
    for (const auto& e : run.errors) errors_.push_back(k.kernel.name + " vm" + std::to_string(slot) + ": " + e);
    // Files follow the finding they belong to.
    std::optional<size_t> last_divergence;  // index into findings_
    for (const auto& frame : run.events) {
        if (frame.type == event::kProbe) {
            k.release = probe_word(frame.payload, "kernel ");
            k.profile = probe_word(frame.payload, "profile ");
            if (auto at = frame.payload.find("(MMU "); at != std::string::npos)
                k.mmu = probe_word(frame.payload.substr(at + 1), "MMU ");
        } else if (frame.type == event::kStats) {
            fuzz::RuleCoverage coverage;
            fuzz::wire::decode_stats(frame.payload, b.stats, coverage);
        } else if (frame.type == event::kVmalloc) {
            if (auto v = decode_vmalloc(frame.payload)) b.vmalloc = *v;
            else errors_.push_back(k.kernel.name + " vm" + std::to_string(slot) + ": unreadable VmallocUsed report");
        } else if (frame.type == event::kFinding) {
            std::string error;
            auto f = fuzz::wire::decode_finding(frame.payload, error);
            VmFinding v;
            v.kind = "divergence";
            v.kernel = k.kernel.name;
            v.title = f ? f->signature : "unreadable finding: " + error;
            v.sequence = f ? "fuzz seed " + std::to_string(seed) + " index " + std::to_string(f->index) : "";
            findings_.push_back(std::move(v));
            last_divergence = findings_.size() - 1;
        } else if (frame.type == event::kFile) {
            auto nl = frame.payload.find('\n');
            const std::string name = frame.payload.substr(0, nl);
            if (nl == std::string::npos || !safe_relative(name)) {
                errors_.push_back("refused a file event named '" + name.substr(0, 80) + "'");
                continue;
            }
            const fs::path target = fs::path(out_dir) / "findings" / k.kernel.name / name;
            write_text(target, frame.payload.substr(nl + 1), lost_writes_);
            if (last_divergence && findings_[*last_divergence].dir.empty())
                findings_[*last_divergence].dir = target.parent_path().string();
        }
    }
    for (size_t i = 0; i < run.splats.size(); ++i) add_report_finding(k, b, run.splats[i], i);
    const bool ended_badly =
        run.end == vm::VmEnd::Died || run.end == vm::VmEnd::Hung || run.end == vm::VmEnd::TimedOut;
    // A panic or an oops already says why the VM ended.
    if (ended_badly && run.splats.empty()) add_end_finding(k, b, run);
    if (run.end == vm::VmEnd::NoKvm || run.end == vm::VmEnd::StartFailed) errors_.push_back(k.kernel.name + ": " + run.detail);
    k.boots.push_back(std::move(b));
}

namespace {

// The rate inside the VM once it is up: boot time is reported on its own.
double sequences_per_second(uint64_t sequences, const BootRecord& b) {
    const double running = b.wall_s - b.boot_to_first_sequence_s;
    return sequences && running > 0 ? static_cast<double>(sequences) / running : 0.0;
}

}  // namespace

std::optional<VmallocSample> KernelReport::largest_vmalloc_growth() const {
    std::optional<VmallocSample> largest;
    for (const auto& b : boots)
        if (b.vmalloc && (!largest || b.vmalloc->growth() > largest->growth())) largest = b.vmalloc;
    return largest;
}

namespace {

std::string joined_labels(const std::vector<std::string>& labels) {
    std::string all;
    for (const auto& l : labels) all += (all.empty() ? "\"" : ", \"") + l + "\"";
    return all;
}

void print_repro(std::ostream& out, const ReproSummary& r) {
    char took[32];
    std::snprintf(took, sizeof took, "%.0f s", r.seconds);
    if (!r.reproduced) {
        out << "  not reproduced in " << r.attempts << " VM(s), " << took << (r.note.empty() ? "" : " (" + r.note + ")")
            << "; console: " << r.console << "\n";
        return;
    }
    out << "  reproduced by " << joined_labels(r.culprits) << ": " << r.rate_hits << "/" << r.rate_runs
        << " runs, found in " << r.attempts << " VM(s), " << took << "\n";
    if (!r.minimized_file.empty())
        out << "  minimized from " << r.original_ops << " to " << r.minimized_ops << " operations"
            << (r.one_minimal ? " (1-minimal)" : " (not 1-minimal)") << ": " << r.minimized_file
            << (r.c_file.empty() ? "" : ", C reproducer " + r.c_file) << "\n";
    if (!r.note.empty()) out << "  note: " << r.note << "\n";
}

// Seconds and rates with two decimals: what a reader compares is a VM's
// boot and run time, where the hundredths already are noise.
double two_decimals(double value) { return std::round(value * 100) / 100; }

Json repro_json(const ReproSummary& r) {
    return {{"reproduced", r.reproduced},
            {"culprits", r.culprits},
            {"attempts", r.attempts},
            {"rate", std::to_string(r.rate_hits) + "/" + std::to_string(r.rate_runs)},
            {"original_ops", r.original_ops},
            {"minimized_ops", r.minimized_ops},
            {"one_minimal", r.one_minimal},
            {"minimized", r.minimized_file},
            {"c_reproducer", r.c_file},
            {"note", r.note},
            {"console", r.console},
            {"seconds", two_decimals(r.seconds)}};
}

}  // namespace

void VmReport::print(std::ostream& out) const {
    uint64_t sequences = 0, ops = 0, vms = 0, boots = 0;
    for (const auto& k : kernels) {
        out << "kernel " << k.kernel.name << ": release " << (k.release.empty() ? "?" : k.release) << ", profile "
            << (k.profile.empty() ? "?" : k.profile) << ", MMU " << (k.mmu.empty() ? "?" : k.mmu) << "\n";
        out << "  vm boot  end        sequences      ops  reports  first-seq  wall   seq/s\n";
        unsigned last_slot = ~0u;
        for (const auto& b : k.boots) {
            // Replay reports no statistics: its sequences are the files begun.
            const uint64_t seqs = replay ? b.sequences_begun : b.stats.sequences;
            sequences += seqs;
            ops += b.stats.ops;
            ++boots;
            if (b.slot != last_slot) ++vms;
            last_slot = b.slot;
            out << "  " << std::setw(2) << b.slot << " " << std::setw(4) << b.boot << "  " << std::left << std::setw(9)
                << vm::vm_end_name(b.end) << std::right << std::setw(11) << seqs << std::setw(9) << b.stats.ops
                << std::setw(9) << b.reports << std::setw(10) << std::fixed << std::setprecision(1)
                << b.boot_to_first_sequence_s << "s" << std::setw(6) << b.wall_s << "s" << std::setw(8)
                << sequences_per_second(seqs, b) << std::defaultfloat << std::setprecision(6) << "\n";
        }
        if (auto v = k.largest_vmalloc_growth()) out << "  kernel memory: " << describe_vmalloc(*v) << "\n";
    }
    if (replay && !files.empty()) {
        const std::string base = common_dir(files);
        size_t width = 4;
        for (const auto& f : files) width = std::max(width, f.size() - (base.empty() ? 0 : base.size() + 1));
        out << "\n" << std::left << std::setw(static_cast<int>(width) + 2) << "file";
        for (const auto& k : kernels) out << std::setw(static_cast<int>(std::max<size_t>(k.kernel.name.size(), 8)) + 2) << k.kernel.name;
        out << "\n";
        for (const auto& f : files) {
            out << std::setw(static_cast<int>(width) + 2) << (base.empty() ? f : f.substr(base.size() + 1));
            for (const auto& k : kernels) {
                auto it = k.verdicts.find(f);
                out << std::setw(static_cast<int>(std::max<size_t>(k.kernel.name.size(), 8)) + 2)
                    << (it == k.verdicts.end() ? "not-run" : it->second);
            }
            out << "\n";
        }
        out << std::right;
        // Each verdict other than agree with what the guest said about it.
        for (const auto& k : kernels)
            for (const auto& [file, detail] : k.verdict_details)
                out << (base.empty() ? file : file.substr(base.size() + 1)) << " on " << k.kernel.name << ": "
                    << detail << "\n";
    }
    size_t divergences = 0, reports = 0, ends = 0;
    for (const auto& f : findings_) {
        if (f.kind == "divergence") ++divergences;
        else if (f.kind == "died" || f.kind == "hung" || f.kind == "timeout") ++ends;
        else ++reports;
    }
    // A replayed file that diverges is a verdict, not a finding: counted here too.
    if (replay)
        for (const auto& k : kernels)
            for (const auto& [file, verdict] : k.verdicts) divergences += verdict == "diverge";
    out << "\ntotal: " << sequences << " sequences" << (replay ? "" : " (" + std::to_string(ops) + " operations)")
        << " in " << vms << " VM(s), " << boots << " boot(s); " << divergences << " divergence(s), " << reports
        << " kernel report(s), " << ends << " dead or hung VM(s)"
        << (interrupted ? "; stopped by a signal (the VMs running were stopped, what they sent is counted)" : "")
        << "\n";
    if (replay) {
        size_t bad = 0, skipped = 0, not_reached = 0;
        for (const auto& k : kernels)
            for (const auto& [file, verdict] : k.verdicts) {
                skipped += verdict == "skip";
                not_reached += verdict == "not-reached";
                bad += verdict != "agree" && verdict != "skip" && verdict != "not-reached";
            }
        out << "replay: " << bad << " failed file verdict(s), " << skipped
            << " skipped (the kernel lacks what they need), " << not_reached
            << " not reached (their scenario never started)\n";
    }
    for (const auto& f : findings_) {
        out << "finding: " << f.kind << ": " << f.title << (f.count > 1 ? " (x" + std::to_string(f.count) + ")" : "")
            << " [" << f.kernel << "]"
            << (f.sequence.empty() ? "" : " sequence \"" + f.sequence + "\"") << (f.dir.empty() ? "" : " -> " + f.dir)
            << "\n";
        if (f.repro) print_repro(out, *f.repro);
    }
    for (const auto& e : errors_) out << "error: " << e << "\n";
    for (const auto& e : lost_writes_) out << "error: a finding's file was not written: " << e << "\n";
}

void VmReport::print_json(std::ostream& out) const {
    Json doc = json_document(kVmSchema, kVmSchemaVersion);
    doc["mode"] = replay ? "replay" : "fuzz";
    doc["interrupted"] = interrupted;
    Json kernels_json = Json::array();
    for (const auto& k : kernels) {
        Json kernel = {{"name", k.kernel.name}, {"release", k.release}, {"profile", k.profile}, {"mmu", k.mmu}};
        Json boots = Json::array();
        for (const auto& b : k.boots) {
            const uint64_t sequences = replay ? b.sequences_begun : b.stats.sequences;
            Json boot = {{"vm", b.slot},
                         {"boot", b.boot},
                         {"seed", json_u64_string(b.seed)},
                         {"end", vm::vm_end_name(b.end)},
                         {"detail", b.detail},
                         {"sequences", sequences},
                         {"operations", b.stats.ops},
                         {"reports", b.reports},
                         {"boot_to_first_sequence_s", two_decimals(b.boot_to_first_sequence_s)},
                         {"wall_s", two_decimals(b.wall_s)},
                         {"sequences_per_s", two_decimals(sequences_per_second(sequences, b))},
                         {"dir", b.dir}};
            if (b.vmalloc)
                boot["vmalloc_used"] = {{"start", b.vmalloc->start},
                                        {"peak", b.vmalloc->peak},
                                        {"growth", b.vmalloc->growth()},
                                        {"budget", b.vmalloc->budget},
                                        {"samples", b.vmalloc->samples}};
            boots.push_back(std::move(boot));
        }
        kernel["boots"] = std::move(boots);
        if (auto v = k.largest_vmalloc_growth()) {
            kernel["vmalloc_growth"] = v->growth();
            kernel["kernel_memory_budget"] = v->budget;
        }
        kernel["verdicts"] = Json(k.verdicts);
        kernel["details"] = Json(k.verdict_details);
        kernels_json.push_back(std::move(kernel));
    }
    doc["kernels"] = std::move(kernels_json);
    Json findings = Json::array();
    for (const auto& f : findings_)
        findings.push_back({{"kind", f.kind},
                            {"title", f.title},
                            {"kernel", f.kernel},
                            {"sequence", f.sequence},
                            {"dir", f.dir},
                            {"count", f.count},
                            {"repro", f.repro ? repro_json(*f.repro) : Json(nullptr)}});
    doc["findings"] = std::move(findings);
    Json errors = errors_;
    for (const auto& lost : lost_writes_) errors.push_back("a finding's file was not written: " + lost);
    doc["errors"] = std::move(errors);
    write_json(out, doc);
}

Verdict finished_verdict(const vm::FinishedSequence& f) {
    std::string error;
    if (auto v = decode_verdict(f.verdict, error)) return *v;
    Verdict unread;
    unread.status = Verdict::Status::Error;
    unread.detail = "the guest's verdict on " + f.label + " (" + f.status + ") did not read: " + error;
    return unread;
}

int VmReport::exit_code() const {
    if (!lost_writes_.empty()) return kExitBadInput;
    for (const auto& k : kernels)
        for (const auto& b : k.boots)
            if (b.end == vm::VmEnd::NoKvm || b.end == vm::VmEnd::StartFailed) return kExitUnknown;
    if (!findings_.empty()) return kExitDivergence;
    for (const auto& k : kernels)
        for (const auto& [file, verdict] : k.verdicts)
            if (verdict != "agree" && verdict != "skip" && verdict != "not-reached")
                return kExitDivergence;  // a skip or a file that did not reach its point fails nothing
    return errors_.empty() ? kExitOk : kExitUnknown;
}

}  // namespace slotcheck::cli
