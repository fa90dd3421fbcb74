#include "orchestration/vm_session.h"

#include <cstdlib>
#include <filesystem>

#include "orchestration/resource_dir.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kGuestBinary = "/usr/bin/slotcheck";
constexpr const char* kGuestEvents = "/dev/ttyS1";
constexpr const char* kGuestInject = "/slotcheck/inject.txt";

// One word quoted for the guest's busybox sh.
std::string sh_quote(const std::string& w) {
    std::string q = "'";
    for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string sh_line(const std::vector<std::string>& words) {
    std::string line;
    for (const auto& w : words) line += (line.empty() ? "" : " ") + sh_quote(w);
    return line;
}

}  // namespace

std::optional<std::string> static_binary(std::string& error) {
    if (const char* env = std::getenv("SLOTCHECK_STATIC_BINARY"); env && *env) return std::string(env);
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    fs::path candidate = self.parent_path() / "slotcheck-static";
    if (!ec && fs::is_regular_file(candidate)) return candidate.string();
    error = "no static slotcheck next to " + self.string() +
            " (build the slotcheck-static target, or set SLOTCHECK_STATIC_BINARY)";
    return std::nullopt;
}

vm::VmSpec VmGuest::base_spec(const vm::KernelUnderTest& kernel, const std::string& work_dir,
                              double time_limit_s) const {
    vm::VmSpec spec;
    spec.kernel = kernel;
    spec.memory_mb = settings_.memory_mb;
    spec.smp = settings_.smp;
    spec.accel = settings_.accel;
    if (settings_.shadow_paging) spec.kernel_params = {"kvm_amd.npt=0", "kvm_intel.ept=0"};
    spec.silence_limit_s = settings_.silence_s;
    spec.time_limit_s = time_limit_s;
    spec.work_dir = work_dir;
    spec.runner = resource_dir().path + "/harness/vm/run";
    spec.payloads.push_back(binary_ + ":" + kGuestBinary);
    if (settings_.inject)
        spec.payloads.push_back(settings_.inject->substr(0, settings_.inject->rfind('@')) + ":" + kGuestInject);
    return spec;
}

std::vector<std::string> VmGuest::guest_command(const std::vector<std::string>& job) const {
    const auto& profile_args = settings_.guest_profile_args;
    std::vector<std::string> probe = {kGuestBinary, "probe", "--events", kGuestEvents};
    probe.insert(probe.end(), profile_args.begin(), profile_args.end());
    std::vector<std::string> run = {kGuestBinary};
    run.insert(run.end(), job.begin(), job.end());
    run.insert(run.end(), {"--events", kGuestEvents});
    if (settings_.inject)
        run.insert(run.end(), {"--inject-kmsg", std::string(kGuestInject) +
                                                    settings_.inject->substr(settings_.inject->rfind('@'))});
    run.insert(run.end(), profile_args.begin(), profile_args.end());
    return {"sh", "-c", sh_line(probe) + "; exec " + sh_line(run)};
}

}  // namespace slotcheck::cli
