#include "tools/vm_oracle.h"

#include <filesystem>

#include "sys/stop_signal.h"
#include "tools/atomic_file.h"
#include "tools/vm_report.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kGuestCandidate = "/work/candidate.seq";
// A candidate is short; the limit only has to cover a slow boot under TCG.
constexpr double kCandidateTimeLimitS = 600;

}  // namespace

std::optional<VmFailure> VmOracle::run(const Sequence& seq) {
    const fs::path dir = fs::path(work_dir_) / ("candidate-" + std::to_string(boots_++));
    if (auto failed = create_directories(dir.string())) throw VmOracleBroken{*failed};
    const fs::path file = dir / "candidate.seq";
    if (auto failed = write_file_atomically(file.string(), print(seq))) throw VmOracleBroken{*failed};
    vm::VmSpec spec = guest_.base_spec(kernel_, dir.string(), kCandidateTimeLimitS);
    spec.payloads.push_back(file.string() + ":" + kGuestCandidate);
    spec.command = guest_.guest_command({"replay", "--ignore-expectations", kGuestCandidate});
    spec.stop_requested = StopOnSignal::flag();
    const vm::VmRunResult r = vm::run_vm(spec, {});
    // Stopped on request (minimize was sent SIGINT or SIGTERM): the
    // candidate was not judged, so it does not count as failing.
    if (r.end == vm::VmEnd::Stopped) return std::nullopt;

    if (r.end == vm::VmEnd::NoKvm || r.end == vm::VmEnd::StartFailed)
        throw VmOracleBroken{"the VM could not judge the candidate: " + vm::vm_end_name(r.end) + ": " + r.detail +
                             " (" + dir.string() + ")"};
    // A kernel report comes first: it is what the sequence did to the
    // kernel, whatever the replay then said.
    if (!r.splats.empty()) {
        const auto& s = r.splats.front().splat;
        return VmFailure{.report = s.kind, .report_title = s.title, .detail = s.title};
    }
    for (const auto& f : r.finished) {
        const Verdict v = finished_verdict(f);
        // A flaky candidate failed once but not in most runs, a skipped one
        // did not run, a not-reached one agreed: none of them still fails.
        if (!v.failed()) continue;
        return VmFailure{.verdict = v, .detail = v.detail};
    }
    if (r.end != vm::VmEnd::Exited) return VmFailure{.end = r.end, .detail = r.detail};
    if (r.finished.empty()) throw VmOracleBroken{"the replay in the VM ran nothing: " + r.detail + " (" + dir.string() + ")"};
    return std::nullopt;
}

bool VmOracle::same(const VmFailure& a, const VmFailure& b, Sameness how) {
    if (how == Sameness::Any) return true;
    if (a.report || b.report) return a.report == b.report && a.report_title == b.report_title;
    if (a.verdict || b.verdict) return a.verdict && b.verdict && same_failure(*a.verdict, *b.verdict, how);
    return a.end == b.end;
}

std::string VmFailure::kind() const {
    if (report) return vm::splat_kind_name(*report);
    if (verdict)
        return verdict->status == Verdict::Status::Diverge ? "divergence" : verdict_status_name(verdict->status);
    return end ? vm::vm_end_name(*end) : "";
}

std::string VmFailure::signature() const {
    if (report) return report_title;
    if (verdict && verdict->divergence) return failure_signature(*verdict);
    return "";
}

}  // namespace slotcheck::cli
