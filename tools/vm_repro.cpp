#include "tools/vm_repro.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/event_log.h"
#include "harness/frames.h"
#include "replay/differ.h"
#include "replay/minimize.h"
#include "sys/stop_signal.h"
#include "tools/atomic_file.h"
#include "tools/corpus_writer.h"
#include "tools/emit_c.h"
#include "tools/repro_search.h"
#include "tools/vm_oracle.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;
using Files = std::vector<std::pair<std::string, std::string>>;  // file name, text

constexpr const char* kGuestDir = "/work/repro";
// A replay of a few short files; the limit only has to cover a slow boot under TCG.
constexpr double kAttemptTimeLimitS = 600;

// A file name that keeps the sequence's label (a label-bound --inject-kmsg
// still finds it), with what a path cannot hold replaced.
std::string file_name_for(const std::string& label) {
    std::string base = fs::path(label).filename().string();
    if (base.empty()) base = "sequence";
    for (char& c : base)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
    if (base.size() > 60) base.resize(60);
    if (!base.ends_with(".seq")) base += ".seq";
    return base;
}

// The failure the request is about, in a new VM's result: a report with the
// same title, or, for a VM that died or hung without one, the same end.
bool same_failure(const vm::VmRunResult& r, const ReproRequest& request) {
    if (!request.title.empty()) {
        for (const auto& s : r.splats)
            if (s.splat.title == request.title && vm::splat_kind_name(s.splat.kind) == request.kind) return true;
        return false;
    }
    return vm::vm_end_name(r.end) == request.kind;
}

}  // namespace

std::vector<vm::SequenceRecord> sequences_run(const std::string& events_path, const std::optional<std::string>& last_id,
                                              std::string& error) {
    std::ifstream in(events_path, std::ios::binary);
    if (!in) {
        error = "cannot read " + events_path;
        return {};
    }
    std::stringstream content;
    content << in.rdbuf();
    std::string buffer = content.str();
    std::vector<vm::SequenceRecord> run;
    while (auto frame = frames::take_frame(buffer, event::kAll, error)) {
        if (frame->type != event::kBegin) continue;
        run.push_back(vm::parse_begin_frame(frame->payload));
        if (last_id && run.back().id == *last_id) return run;
    }
    // A VM killed mid-frame leaves a truncated last frame: what came before stands.
    if (!error.empty()) error = events_path + ": " + error;
    return run;
}

std::optional<bool> VmReproducer::attempt(const Files& files, const ReproRequest& request) {
    // A stop on the user's request (SIGINT, SIGTERM) ends the search as running out of time does.
    if (std::chrono::steady_clock::now() >= settings_.deadline || *StopOnSignal::flag() != 0) return std::nullopt;
    const fs::path dir = fs::path(work_dir_) / ("attempt-" + std::to_string(boots_++));
    if (auto failed = create_directories((dir / "seqs").string())) throw VmOracleBroken{*failed};
    vm::VmSpec spec = guest_.base_spec(kernel_, dir.string(), kAttemptTimeLimitS);
    spec.stop_requested = StopOnSignal::flag();
    std::vector<std::string> job = {"replay", "--ignore-expectations"};
    for (size_t i = 0; i < files.size(); ++i) {
        char prefix[24];
        std::snprintf(prefix, sizeof prefix, "%03zu-", i);
        const std::string name = prefix + files[i].first;
        const fs::path host = dir / "seqs" / name;
        if (auto failed = write_file_atomically(host.string(), files[i].second)) throw VmOracleBroken{*failed};
        job.push_back(std::string(kGuestDir) + "/" + name);
    }
    // One payload for the directory: a boot's worth of fuzzed sequences is thousands of files.
    spec.payloads.push_back((dir / "seqs").string() + ":" + kGuestDir);
    spec.command = guest_.guest_command(job);
    const vm::VmRunResult r = vm::run_vm(spec, {});
    if (r.end == vm::VmEnd::NoKvm || r.end == vm::VmEnd::StartFailed)
        throw VmOracleBroken{"a reproduction VM could not run: " + vm::vm_end_name(r.end) + ": " + r.detail + " (" +
                             dir.string() + ")"};
    return same_failure(r, request);
}

ReproSummary VmReproducer::reproduce(const ReproRequest& request, const std::string& finding_dir) {
    const auto start = std::chrono::steady_clock::now();
    ReproSummary summary;
    summary.console = (fs::path(request.boot_dir) / "console.log").string();
    auto done = [&]() {
        summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return summary;
    };
    std::string error;
    const auto run = sequences_run((fs::path(request.boot_dir) / "events.bin").string(), request.culprit_id, error);
    if (run.empty()) {
        summary.note = error.empty() ? "the boot logged no sequence" : error;
        return done();
    }
    auto files_of = [&](const std::vector<size_t>& set) {
        Files files;
        for (size_t i : set) files.emplace_back(file_name_for(run[i].label), run[i].text);
        return files;
    };
    try {
        const auto search = find_culprits(run.size(), [&](const std::vector<size_t>& set) {
            return attempt(files_of(set), request);
        });
        summary.attempts = search.attempts;
        if (!search.reproduced) {
            summary.note = search.out_of_time ? "time ran out (--repro-seconds)" : "";
            return done();
        }
        summary.reproduced = true;
        if (search.out_of_time) summary.note = "time ran out during the search: the culprits may not be the fewest";
        const Files culprits = files_of(search.culprits);
        for (size_t n = 0; n < search.culprits.size(); ++n) {
            summary.culprits.push_back(run[search.culprits[n]].label);
            const fs::path copy = fs::path(finding_dir) / ("culprit-" + std::to_string(n + 1) + ".seq");
            if (auto failed = write_file_atomically(copy.string(), culprits[n].second)) summary.note = *failed;
        }
        for (unsigned i = 0; i < settings_.rate_runs; ++i) {
            const auto again = attempt(culprits, request);
            if (!again) break;
            ++summary.rate_runs;
            summary.rate_hits += *again;
        }

        // The last culprit is minimized; the others are replayed before each candidate.
        auto parsed = parse(culprits.back().second, culprits.back().first);
        if (parsed.error) {
            summary.note = "the culprit does not parse: " + parsed.error->to_string();
            return done();
        }
        const Sequence input = without_expectations(*parsed.sequence);
        const Files before(culprits.begin(), culprits.end() - 1);
        MinimizeOptions options;
        options.deadline = settings_.deadline;
        const MinimizeResult minimized = minimize(
            input,
            [&](const Sequence& candidate) {
                Files files = before;
                files.emplace_back(culprits.back().first, print(candidate));
                return attempt(files, request).value_or(false);
            },
            options);
        summary.original_ops = minimized.original_length;
        summary.minimized_ops = minimized.sequence.steps.size();
        summary.one_minimal = minimized.one_minimal;

        FindingHeader finding;
        finding.signature = request.kind + " " + (request.title.empty() ? "vm" : request.title);
        finding.oracle = "kernel " + kernel_.name + " in a VM" +
                         (before.empty() ? "" : ", after " + std::to_string(before.size()) + " other sequence(s)");
        finding.profile = profile_.name;
        finding.same = "the same kernel report title";
        finding.detail = request.title.empty() ? "the VM " + request.kind : request.title;
        finding.original_length = minimized.original_length;
        finding.one_minimal = minimized.one_minimal;
        Sequence written = with_model_expectations(minimized.sequence, profile_);
        written.header_comments = finding_header(finding, written.steps.size(), profile_.name);
        const fs::path seq_file = fs::path(finding_dir) / "minimized.seq";
        const fs::path c_file = fs::path(finding_dir) / "minimized.c";
        const std::string text = print(written);
        if (auto failed = write_file_atomically(seq_file.string(), text)) {
            summary.note = *failed;
            return done();
        }
        summary.minimized_file = seq_file.string();
        const EmitCResult c = emit_c(written, profile_, EmitCSource{seq_file.string(), text});
        if (auto failed = write_file_atomically(c_file.string(), c.program)) summary.note = *failed;
        else summary.c_file = c_file.string();
        if (!minimized.one_minimal && summary.note.empty()) summary.note = "time ran out while minimizing";
    } catch (const VmOracleBroken& broken) {
        if (!summary.attempts) summary.attempts = boots_;
        summary.note = broken.reason;
    }
    return done();
}

}  // namespace slotcheck::cli
