// slotcheck vm: boot kernels under test in qemu with slotcheck inside, fuzz
// or replay there, and bring back the verdicts, the findings and every
// kernel report with the sequence that was running.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <mutex>
#include <random>
#include <thread>

#include "harness/kmsg_injection.h"
#include "seq/quoted.h"
#include "seq/text_scan.h"
#include "sys/stop_signal.h"
#include "tools/atomic_file.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/event_options.h"
#include "tools/memory_budget.h"
#include "tools/profile_options.h"
#include "tools/resource_dir.h"
#include "tools/sequence_files.h"
#include "tools/vm_kernels.h"
#include "tools/vm_report.h"
#include "tools/vm_repro.h"
#include "tools/vm_session.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSummary =
    "Boots kernels under test in qemu with slotcheck inside, fuzzes or replays there, and brings\n"
    "back the verdicts, the findings and every kernel report with the sequence that was running.\n"
    "Each --kernel K may be followed by the --modules DIR of its bzImage.";
constexpr const char* kNotes =
    "SIGINT or SIGTERM stop the VMs (qemu stopped, no temporary files left); the summary of what\n"
    "ran and the JSON are still written\n"
    "exit: 0 clean, 1 divergence, kernel report, dead or hung VM, 2 bad input,\n"
    "      3 environment missing (qemu, kernel, static binary), 4 a VM without /dev/kvm,\n"
    "      130 / 143 stopped by SIGINT / SIGTERM (docs/output.md, \"Exit codes\")";

struct Options {
    std::vector<KernelRequest> kernels;
    double seconds = 60;
    unsigned jobs = 1;
    unsigned guest_jobs = 1;  // fuzz --jobs inside each VM
    uint64_t seed = 0;
    bool seed_given = false;
    std::vector<std::string> replay_paths;
    bool expectations = false;
    std::optional<uint64_t> max_ops;
    std::optional<uint64_t> kernel_memory_budget, allow_memory;
    ProfileChoice profile;  // the --profile/--variant passed to the guest, for the replay budget check
    VmSettings vm;
    std::string out = "vm-out";
    std::optional<std::string> json_path;
    bool verbose = false;
    bool repro = true;
    double repro_seconds = 1200;
    bool stop_on_finding = false;
    bool print_resource_dir = false;
};

std::optional<int> parse_args(int argc, char** argv, Options& o) {
    CommandLine line("vm", kSummary, kNotes);
    std::vector<std::string> kernels, modules;
    auto* kernel = line.add_repeated("--kernel", kernels,
                                     "a bzImage, a Debian kernel version fetched by scripts/fetch-kernel (7, 7.3,\n"
                                     "6.12, 7.3.4+deb13-amd64), or build:VERSION for a kernel built by\n"
                                     "scripts/build-kernel (repeats; at least one)")
                       ->type_name("K");
    auto* modules_option = line.add_repeated("--modules", modules,
                                             "the KVM modules of the preceding bzImage (none: KVM is built in)")
                               ->type_name("DIR");
    line.add_number(
        "--seconds", [&o](uint64_t v) { o.seconds = static_cast<double>(v); }, 1, 7 * 24 * 3600,
        "fuzz this long in each VM (default 60); a VM that dies or hangs is\n"
        "restarted with a new seed for the time that is left");
    line.add_number("--jobs", o.jobs, 1, 64,
                    "VMs at once (default 1): J fuzzing VMs per kernel with disjoint seeds;\n"
                    "with --replay, J kernels at once");
    line.add_number("--guest-jobs", o.guest_jobs, 1, 64,
                    "fuzz workers inside each VM (fuzz --jobs J, default 1; they share the kernel\n"
                    "memory budget); --smp J lets them run at once");
    line.add_switch("--stop-on-finding", o.stop_on_finding,
                    "end each VM's fuzzing at its first finding (shrunk), and boot it no more\n"
                    "after one that found something, died or hung (default: go on to the end)");
    line.add_number(
        "--seed",
        [&o](uint64_t v) {
            o.seed = v;
            o.seed_given = true;
        },
        0, UINT64_MAX, "seed of the first VM (default random); VM j's k-th boot uses S + j + k*J");
    line.add_repeated("--replay", o.replay_paths,
                      "replay sequence files or directories instead of fuzzing (repeatable);\n"
                      "prints each file's verdict on each kernel")
        ->type_name("PATH");
    line.add_switch("--expectations", o.expectations,
                    "with --replay, also hold the kernels to the files' own expected outcomes\n"
                    "(default: the model under each kernel's detected profile is the expectation)");
    // Checked here, so a typo is bad input before any VM boots; passed to
    // slotcheck inside the VM, and deciding the kernel memory a --replay
    // file may hold.
    add_profile_options(line, o.profile);
    line.add_number(
        "--max-ops", [&o](uint64_t v) { o.max_ops = v; }, 1, 100000, "operations per fuzzed sequence at most");
    line.add_size("--kernel-memory-budget", o.kernel_memory_budget,
                  "passed to fuzz inside the VM (its default: the smaller of 1G and an\n"
                  "eighth of the VM's MemAvailable)");
    line.add_size("--allow-kernel-memory", o.allow_memory,
                  "with --replay, the kernel memory a file's steps may hold by the model's\n"
                  "estimate (default: the smaller of 1G and an eighth of --memory); a file over\n"
                  "it is refused before any VM boots (exit 2)");
    line.add_checked(
            "--accel",
            [](const std::string& v) {
                return v == "auto" || v == "kvm" || v == "tcg" ? "" : "--accel takes auto, kvm or tcg, got " + quote(v);
            },
            [&o](const std::string& v) { o.vm.accel = v; },
            "auto|kvm|tcg (default auto: kvm only where the host offers nested virtualization)")
        ->type_name("ACCEL");
    line.add_number("--memory", o.vm.memory_mb, 256, 1 << 20, "guest memory (default 2048)", "MiB")->type_name("MB");
    line.add_number("--smp", o.vm.smp, 1, 64, "guest CPUs (default 1)");
    line.add_switch("--shadow-paging", o.vm.shadow_paging,
                    "the guest's KVM uses shadow paging (kvm_amd.npt=0, kvm_intel.ept=0) instead\n"
                    "of its default, the TDP MMU: the MMU that allocates each slot's reverse maps\n"
                    "up front");
    line.add_number(
        "--silence-seconds", [&o](uint64_t v) { o.vm.silence_s = static_cast<double>(v); }, 5, 24 * 3600,
        "a VM with no output for this long is hung and killed (default 150)");
    line.add_text("--out", o.out, "DIR", "consoles, event logs and findings (default vm-out)");
    line.add_text("--json", o.json_path, "FILE", "also write the summary as JSON ('-' for stdout)");
    line.add_switch("--verbose", o.verbose, "show every VM's console as it runs");
    line.add_checked(
            "--inject-kmsg",
            [](const std::string& v) {
                if (std::string error = kmsg_injection_error(v); !error.empty()) return error;
                std::string error;
                const auto rule = parse_kmsg_injection(v, error);
                return fs::is_regular_file(rule->file) ? std::string() : "--inject-kmsg: no file " + rule->file;
            },
            [&o](const std::string& v) { o.vm.inject = v; },
            "test the watcher: FILE@LABEL writes FILE's lines into the guest's kernel log\n"
            "while the sequence whose label contains LABEL runs; FILE@+K:TEXT does the\n"
            "same as a delayed effect: K sequences after one whose text contains TEXT\n"
            "(or when the run ends), also in reproduction VMs")
        ->type_name("FILE@LABEL");
    line.add_number(
        "--repro-seconds", [&o](uint64_t v) { o.repro_seconds = static_cast<double>(v); }, 1, 7 * 24 * 3600,
        "reproduce each new kernel report and dead or hung VM in fresh VMs for at\n"
        "most N s in all (default 1200): find the sequences that cause it, the rate,\n"
        "a minimized sequence and its C reproducer");
    bool no_repro = false;
    line.add_switch("--no-repro", no_repro, "do not reproduce");
    line.add_switch("--print-resource-dir", o.print_resource_dir,
                    "print where the VM runner, the kernel scripts and the static slotcheck\n"
                    "are found (docs/install.md), check they are there, and exit");
    if (auto code = line.parse(argc, argv)) return *code;
    if (kernels.empty() && !o.print_resource_dir) return line.bad_usage("--kernel is required");
    o.repro = !no_repro;
    o.vm.guest_profile_args = as_arguments(o.profile);
    // Each --modules belongs to the --kernel before it.
    size_t next_kernel = 0, next_modules = 0;
    for (const CLI::Option* given : line.app().parse_order()) {
        if (given == kernel) {
            o.kernels.push_back({kernels[next_kernel++], std::nullopt});
        } else if (given == modules_option) {
            if (o.kernels.empty() || o.kernels.back().modules)
                return line.bad_usage("--modules follows the --kernel it belongs to");
            o.kernels.back().modules = modules[next_modules++];
        }
    }
    return std::nullopt;
}

class VmCommand {
public:
    VmCommand(Options o, std::string binary, const StopOnSignal& stop)
        : o_(std::move(o)), guest_(o_.vm, std::move(binary)), stop_(stop) {}

    int run(const std::vector<vm::KernelUnderTest>& kernels) {
        report_.out_dir = o_.out;
        report_.replay = !o_.replay_paths.empty();
        for (const auto& k : kernels) report_.kernels.push_back({k});
        if (report_.replay) {
            std::string error;
            files_ = collect_files(o_.replay_paths, error);
            if (files_.empty()) {
                std::cerr << "slotcheck vm: " << error << "\n";
                return kExitBadInput;
            }
            if (auto refused = refuse_replay_over_budget()) return *refused;
        }
        // Fuzzing: J slots per kernel, kernels one after another; replay:
        // one slot per kernel, J kernels at once.
        std::vector<std::pair<size_t, unsigned>> tasks;
        for (size_t k = 0; k < kernels.size(); ++k)
            for (unsigned j = 0; j < (report_.replay ? 1u : o_.jobs); ++j) tasks.push_back({k, j});
        std::atomic<size_t> next{0};
        auto worker = [&]() {
            // After a signal no VM starts; the running ones stop (VmSpec::stop_requested).
            for (size_t t; !stop_.requested() && (t = next++) < tasks.size();) {
                if (report_.replay) replay_on(tasks[t].first);
                else fuzz_slot(tasks[t].first, tasks[t].second);
            }
        };
        std::vector<std::thread> threads;
        for (unsigned j = 0; j < std::min<size_t>(o_.jobs, tasks.size()); ++j) threads.emplace_back(worker);
        for (auto& t : threads) t.join();
        if (o_.repro && !stop_.requested()) reproduce_findings();
        return finish();
    }

private:
    vm::VmSpec base_spec(size_t kernel, const std::string& work_dir, double time_limit_s) const {
        auto spec = guest_.base_spec(report_.kernels[kernel].kernel, work_dir, time_limit_s);
        spec.stop_requested = StopOnSignal::flag();
        return spec;
    }

    std::vector<std::string> guest_command(const std::vector<std::string>& job) const {
        return guest_.guest_command(job);
    }

    std::string boot_dir(size_t kernel, unsigned slot, unsigned boot) const {
        fs::path dir = fs::path(o_.out) / "runs" / report_.kernels[kernel].kernel.name /
                       ("vm" + std::to_string(slot) + "-boot" + std::to_string(boot));
        fs::create_directories(dir);
        return dir.string();
    }

    vm::VmRunResult boot(size_t kernel, unsigned slot, unsigned boot_index, vm::VmSpec spec) {
        const std::string who = report_.kernels[kernel].kernel.name + " vm" + std::to_string(slot);
        say(who + ": boot " + std::to_string(boot_index) + " (" + spec.work_dir + ")");
        auto on_console = [&](std::string_view line) {
            if (o_.verbose) say("[" + who + "] " + std::string(line));
        };
        vm::VmRunResult r = vm::run_vm(spec, on_console);
        say(who + ": boot " + std::to_string(boot_index) + " " + vm::vm_end_name(r.end) + ": " + r.detail + ", " +
            std::to_string(r.sequences_begun) + " sequences, " + std::to_string(r.splats.size()) + " kernel reports");
        return r;
    }

    void fuzz_slot(size_t kernel, unsigned slot) {
        // Boot time and shrinking come on top of the fuzzing time.
        constexpr double kBootAndShrinkAllowance = 240;
        constexpr double kShortestUsefulRun = 10;
        const auto start = std::chrono::steady_clock::now();
        for (unsigned k = 0; !stop_.requested(); ++k) {
            const double left =
                o_.seconds - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            if (k > 0 && left < kShortestUsefulRun) break;
            const uint64_t seed = o_.seed + slot + static_cast<uint64_t>(k) * o_.jobs;
            std::vector<std::string> job = {"fuzz", "--seconds", std::to_string(static_cast<long>(std::max(left, 1.0))),
                                            "--seed", std::to_string(seed), "--out", "/tmp/findings",
                                            "--shrink-seconds", "60"};
            if (!o_.stop_on_finding) job.push_back("--keep-going");
            if (o_.guest_jobs > 1) job.insert(job.end(), {"--jobs", std::to_string(o_.guest_jobs)});
            if (o_.max_ops) job.insert(job.end(), {"--max-ops", std::to_string(*o_.max_ops)});
            if (o_.kernel_memory_budget)
                job.insert(job.end(), {"--kernel-memory-budget", std::to_string(*o_.kernel_memory_budget)});
            auto spec = base_spec(kernel, boot_dir(kernel, slot, k), left + kBootAndShrinkAllowance);
            spec.command = guest_command(job);
            vm::VmRunResult r = boot(kernel, slot, k, spec);
            const vm::VmEnd end = r.end;
            const bool ran_a_sequence = r.sequences_begun > 0;
            {
                std::lock_guard lock(mutex_);
                report_.add_boot(kernel, slot, k, seed, std::move(r), spec.work_dir);
            }
            // A VM that ran its course is done; one that died or hung is
            // restarted for the time left; one that cannot run is not, nor
            // one that died before its first sequence (the kernel does not
            // boot: restarting would only repeat that).
            if (end == vm::VmEnd::Exited || end == vm::VmEnd::NoKvm || end == vm::VmEnd::StartFailed) break;
            if (o_.stop_on_finding) break;  // it died or hung: that is its finding
            if (!ran_a_sequence || end == vm::VmEnd::Stopped) break;
        }
    }

    void replay_on(size_t kernel) {
        // The files go in as they are, each at /work/<i>-<name>; the guest
        // replays them by their guest paths, which map back to the host's.
        std::vector<std::string> guest_paths;
        std::map<std::string, std::string> to_host;
        std::vector<std::string> payloads;
        for (size_t i = 0; i < files_.size(); ++i) {
            const std::string guest = "/work/" + std::to_string(i) + "-" + fs::path(files_[i]).filename().string();
            payloads.push_back(fs::absolute(files_[i]).string() + ":" + guest);
            guest_paths.push_back(guest);
            to_host[guest] = files_[i];
        }
        size_t next_file = 0;
        for (unsigned k = 0; next_file < files_.size() && !stop_.requested(); ++k) {
            std::vector<std::string> job = {"replay", "--allow-kernel-memory", std::to_string(memory_limit_)};
            if (!o_.expectations) job.push_back("--ignore-expectations");
            job.insert(job.end(), guest_paths.begin() + static_cast<long>(next_file), guest_paths.end());
            auto spec = base_spec(kernel, boot_dir(kernel, 0, k), 600 + 30.0 * static_cast<double>(files_.size() - next_file));
            spec.payloads.insert(spec.payloads.end(), payloads.begin() + static_cast<long>(next_file), payloads.end());
            spec.command = guest_command(job);
            vm::VmRunResult r = boot(kernel, 0, k, spec);
            std::lock_guard lock(mutex_);
            const size_t before = next_file;
            for (const auto& f : r.finished) {
                auto it = to_host.find(f.label);
                if (it == to_host.end()) continue;
                const Verdict v = finished_verdict(f);
                report_.kernels[kernel].verdicts[it->second] = verdict_status_name(v.status);
                if (!v.detail.empty()) report_.kernels[kernel].verdict_details[it->second] = v.detail;
            }
            while (next_file < files_.size() && report_.kernels[kernel].verdicts.count(files_[next_file])) ++next_file;
            // A VM that never reached its first file tells nothing about the
            // files: the rest stay not-run rather than blamed one by one.
            // Stopped on request: the file in flight has no verdict; it and
            // the rest stay not-run.
            if (r.end == vm::VmEnd::Stopped || (r.end != vm::VmEnd::Exited && r.sequences_begun == 0)) {
                report_.add_boot(kernel, 0, k, o_.seed, std::move(r), spec.work_dir);
                break;
            }
            // The file the VM died or hung in is that kernel's verdict on it.
            if (r.end != vm::VmEnd::Exited && next_file < files_.size()) {
                report_.kernels[kernel].verdicts[files_[next_file]] = "vm-" + vm::vm_end_name(r.end);
                ++next_file;
            }
            const vm::VmEnd end = r.end;
            report_.add_boot(kernel, 0, k, o_.seed, std::move(r), spec.work_dir);
            if (end == vm::VmEnd::NoKvm || end == vm::VmEnd::StartFailed || (end == vm::VmEnd::Exited && next_file == before))
                break;
        }
        for (const auto& f : files_) report_.kernels[kernel].verdicts.try_emplace(f, "not-run");
    }

    // The kernels in VMs run the TDP MMU: the files are estimated under the
    // guest's profile choice (upstream without one), against the limit the
    // guest's replay is then given. A file that does not parse is left to
    // the guest to report, as before.
    std::optional<int> refuse_replay_over_budget() {
        std::string error;
        auto profile = resolve_profile(o_.profile, nullptr, error);
        if (!profile) {
            std::cerr << "slotcheck vm: " << error << "\n";
            return kExitBadInput;
        }
        memory_limit_ = o_.allow_memory.value_or(vm_kernel_memory_budget(o_.vm.memory_mb));
        std::vector<std::string> parsed_files;
        std::vector<Sequence> sequences;
        for (const auto& f : files_) {
            auto parsed = parse_file(f);
            if (!parsed.sequence) continue;
            parsed_files.push_back(f);
            sequences.push_back(std::move(*parsed.sequence));
        }
        return refuse_over_budget("vm", parsed_files, sequences, *profile, memory_limit_);
    }

    // Each new kernel report and dead or hung VM, one after another (one VM
    // at a time), within --repro-seconds in all (tools/vm_repro.h).
    void reproduce_findings() {
        const std::vector<ReproRequest> requests = report_.repro_requests();
        if (requests.empty()) return;
        std::string error;
        auto profile = resolve_profile(o_.profile, nullptr, error);
        if (!profile) {
            say("cannot reproduce: " + error);
            return;
        }
        ReproSettings settings;
        settings.deadline = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(o_.repro_seconds));
        for (const auto& request : requests) {
            if (request.kind == "timeout") continue;  // the run's own limit, not the kernel
            const VmFinding& finding = report_.findings().at(request.finding);
            const auto& kernel = report_.kernels[request.kernel].kernel;
            const std::string dir =
                (fs::path(o_.out) / "repro" / kernel.name / fs::path(finding.dir).filename()).string();
            say("reproducing " + finding.kind + ": " + finding.title + " (attempts in " + dir + ")");
            VmReproducer reproducer(guest_, kernel, *profile, dir, settings);
            ReproSummary summary = reproducer.reproduce(request, finding.dir);
            say(finding.title + ": " +
                (summary.reproduced ? "reproduced " + std::to_string(summary.rate_hits) + "/" +
                                          std::to_string(summary.rate_runs) + " by " + summary.culprits.back()
                                    : std::string("not reproduced")) +
                (summary.note.empty() ? "" : " (" + summary.note + ")"));
            report_.set_repro(request.finding, std::move(summary));
        }
    }

    int finish() {
        report_.files = files_;
        report_.interrupted = stop_.requested();
        report_.print(std::cout);
        if (o_.json_path) {
            if (*o_.json_path == "-") {
                report_.print_json(std::cout);
            } else {
                std::ostringstream json;
                report_.print_json(json);
                if (auto failed = write_file_atomically(*o_.json_path, json.str())) {
                    std::cerr << "slotcheck vm: " << *failed << "\n";
                    return kExitBadInput;
                }
            }
        }
        if (stop_.requested()) return stop_.exit_code();
        return report_.exit_code();
    }

    void say(const std::string& line) {
        std::lock_guard lock(say_mutex_);
        std::cerr << "slotcheck vm: " << line << std::endl;
    }

    Options o_;
    VmGuest guest_;
    const StopOnSignal& stop_;
    std::vector<std::string> files_;
    uint64_t memory_limit_ = 0;  // --replay: the kernel memory a file may hold
    VmReport report_;
    std::mutex mutex_, say_mutex_;
};

// --print-resource-dir: where the runner, the scripts and the static binary
// come from, without booting anything; exit 3 when one is missing.
int print_resource_dir() {
    const ResourceDir resources = resource_dir();
    const std::string runner = resources.path + "/harness/vm/run";
    std::string error;
    const auto binary = static_binary(error);
    std::cout << "resources: " << resources.path << " (" << resources.origin << ")\n"
              << "runner: " << runner << "\n"
              << "static slotcheck: " << binary.value_or("none") << "\n";
    int code = kExitOk;
    if (access(runner.c_str(), X_OK) != 0) {
        std::cerr << "slotcheck vm: no executable " << runner << "\n";
        code = kExitNoEnvironment;
    }
    if (!binary) {
        std::cerr << "slotcheck vm: " << error << "\n";
        code = kExitNoEnvironment;
    }
    return code;
}

}  // namespace

int vm_main(int argc, char** argv) {
    Options o;
    if (auto code = parse_args(argc, argv, o)) return *code;
    if (o.print_resource_dir) return print_resource_dir();
    // Output paths are checked before any kernel is fetched or booted.
    auto unwritable = check_output_dir("--out", o.out);
    if (!unwritable && o.json_path && *o.json_path != "-") unwritable = check_output_file("--json", *o.json_path);
    if (unwritable) {
        std::cerr << "slotcheck vm: " << *unwritable << "\n";
        return kExitBadInput;
    }
    if (!o.seed_given) o.seed = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    std::string error;
    auto binary = static_binary(error);
    if (!binary) {
        std::cerr << "slotcheck vm: " << error << "\n";
        return kExitNoEnvironment;
    }
    const ResourceDir resources = resource_dir();
    const std::string runner = resources.path + "/harness/vm/run";
    if (access(runner.c_str(), X_OK) != 0) {
        std::cerr << "slotcheck vm: no harness/vm/run under " << resources.path << " (" << resources.origin
                  << "; set SLOTCHECK_SOURCE_DIR, docs/install.md)\n";
        return kExitNoEnvironment;
    }
    std::vector<vm::KernelUnderTest> kernels;
    for (const auto& request : o.kernels) {
        auto k = resolve_kernel(request, resources.path, error);
        if (!k) {
            std::cerr << "slotcheck vm: " << error << "\n";
            return kExitNoEnvironment;
        }
        kernels.push_back(*k);
    }
    std::error_code ec;
    fs::create_directories(o.out, ec);
    if (ec) {
        std::cerr << "slotcheck vm: cannot create " << o.out << ": " << ec.message() << "\n";
        return kExitBadInput;
    }
    std::cerr << "slotcheck vm: " << (o.replay_paths.empty() ? "fuzzing " + std::to_string(static_cast<long>(o.seconds)) + " s per VM, seed " + std::to_string(o.seed) : std::string("replaying"))
              << ", " << kernels.size() << " kernel(s), " << o.jobs << " VM(s) at once, output in " << o.out << "\n";
    // SIGINT and SIGTERM stop the VMs (qemu stopped, the runner's temporary
    // files gone) and end with the summary of what ran and the JSON.
    const StopOnSignal stop;
    return VmCommand(std::move(o), *binary, stop).run(kernels);
}

}  // namespace slotcheck::cli
