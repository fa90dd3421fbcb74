#include "tools/vm_oracle.h"

#include <filesystem>

#include "sys/stop_signal.h"
#include "tools/atomic_file.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kGuestCandidate = "/work/candidate.seq";
// A candidate is short; the limit only has to cover a slow boot under TCG.
constexpr double kCandidateTimeLimitS = 600;

// "outcome RULE at OP" -> "OP", the operation part of a divergence signature.
std::string signature_op(const std::string& signature) {
    const auto at = signature.rfind(" at ");
    return at == std::string::npos ? "" : signature.substr(at + 4);
}

std::string signature_kind(const std::string& signature) { return signature.substr(0, signature.find(' ')); }

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
        return VmFailure{vm::splat_kind_name(s.kind), s.title, s.title};
    }
    for (const auto& f : r.finished) {
        // A flaky candidate failed once but not in most runs, a skipped one
        // did not run, a not-reached one agreed: none of them still fails.
        if (f.status == "agree" || f.status == "flaky" || f.status == "skip" || f.status == "not-reached") continue;
        if (f.status == "diverge") return VmFailure{"divergence", f.signature, f.detail};
        return VmFailure{f.status, "", f.detail};
    }
    if (r.end != vm::VmEnd::Exited) return VmFailure{vm::vm_end_name(r.end), "", r.detail};
    if (r.finished.empty()) throw VmOracleBroken{"the replay in the VM ran nothing: " + r.detail + " (" + dir.string() + ")"};
    return std::nullopt;
}

bool VmOracle::same(const VmFailure& a, const VmFailure& b, Sameness how) {
    if (how == Sameness::Any) return true;
    if (a.kind != b.kind) return false;
    if (a.kind != "divergence") return a.signature == b.signature;
    if (how == Sameness::Op)
        return signature_kind(a.signature) == signature_kind(b.signature) &&
               signature_op(a.signature) == signature_op(b.signature);
    return a.signature == b.signature;
}

}  // namespace slotcheck::cli
