// slotcheck minimize: shrink a failing sequence to a 1-minimal one that
// fails the same way, and optionally file it in a regression corpus.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "model/kernel_memory.h"
#include "replay/minimize.h"
#include "replay/sequence_oracle.h"
#include "seq/quoted.h"
#include "seq/text_scan.h"
#include "sys/stop_signal.h"
#include "tools/atomic_file.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/corpus_writer.h"
#include "tools/external_oracle.h"
#include "tools/judge_options.h"
#include "tools/memory_budget.h"
#include "tools/profile_options.h"
#include "tools/resource_dir.h"
#include "tools/sequence_files.h"
#include "tools/vm_kernels.h"
#include "tools/vm_oracle.h"

namespace slotcheck::cli {

namespace {

constexpr const char* kSummary =
    "Shrinks a failing sequence until removing any one operation or simplifying any one value\n"
    "loses the failure. Expected outcomes are dropped (the output carries the model's).";
constexpr const char* kNotes =
    "SIGINT or SIGTERM end the search at the next candidate: the smallest failing sequence found so\n"
    "  far is written (--out, --into, stdout) and said to be cut short\n"
    "exit: 0 the input does not fail (nothing to minimize), 1 the input fails: minimized and written,\n"
    "      2 bad input, 3 no /dev/kvm (or, with --vm, no qemu, kernel or static slotcheck),\n"
    "      130 / 143 stopped by SIGINT / SIGTERM (docs/output.md, \"Exit codes\")";

struct Settings {
    std::string file;
    std::optional<std::string> out, into, oracle_command;
    std::optional<KernelRequest> vm_kernel;
    std::optional<std::string> vm_out;
    Sameness same = Sameness::Rule;
    std::string same_name = "rule";
    bool model_only = false, record_deviation = false;
    std::optional<RuleId> mutant;
    ProfileChoice profile;
    std::optional<std::chrono::milliseconds> timeout;
    size_t repeat = 0, max_candidates = 0;
    unsigned runs = kDefaultReproductionRuns;
    std::optional<std::chrono::seconds> max_time;
    std::optional<uint64_t> allow_memory;
};

// The kernel memory limit a sequence judged on a kernel keeps to, under the
// profile the model estimates with.
struct MemoryLimit {
    Profile profile;
    uint64_t bytes = 0;
};

int bad(const std::string& message) {
    std::cerr << "slotcheck minimize: " << message << "\n";
    return kExitBadInput;
}

// Fills `s` from the command line; returns an exit code when the command
// should stop here (help, bad input).
std::optional<int> parse_arguments(int argc, char** argv, Settings& s) {
    CommandLine line("minimize", kSummary, kNotes);
    std::vector<std::string> files;
    line.app().add_option("FILE", files, "the failing sequence file")->required();
    line.add_text("--out", s.out, "FILE", "write the minimized sequence there (default: stdout, unless --into)");
    line.add_text("--into", s.into, "DIR",
                  "file it in a regression corpus (e.g. corpus/findings/) under a name made\n"
                  "from the failure and a hash of its steps, with a header saying what was found");
    auto* deviation = line.add_switch("--deviation", s.record_deviation,
                                      "the kernel is wrong or differs by design: record its outcome at the diverging\n"
                                      "step (`!kernel: OUTCOME`), so replay checks the deviation stays exactly so");
    add_same_option(line, s.same, &s.same_name,
                    "how much of the failure must stay (default rule: same divergence kind, same\n"
                    "kind of operation, same deciding rule)");
    auto* model_only = line.add_switch("--model-only", s.model_only,
                                       "judge against the reference model instead of /dev/kvm (needs --mutant)");
    auto* mutant =
        add_mutant_option(line, s.mutant, "the model under test runs with RULE disabled ('slotcheck rules' lists them)");
    auto* oracle = line.add_text("--oracle", s.oracle_command, "CMD",
                                 "an external command judges: each candidate is written to a temporary file\n"
                                 "passed as CMD's last argument; exit status 0 means it still fails");
    std::optional<std::string> vm_kernel, vm_modules;
    auto* vm = line.add_text("--vm", vm_kernel, "KERNEL",
                             "judge each candidate in a fresh qemu VM booted with KERNEL (as `slotcheck vm\n"
                             "--kernel` takes it): the same kernel report title, divergence or VM death");
    line.add_text("--modules", vm_modules, "DIR", "with --vm KERNEL a bzImage: its KVM modules")->needs(vm);
    line.add_text("--vm-out", s.vm_out, "DIR", "consoles of the candidates' VMs (default: a new directory under /tmp)")
        ->needs(vm);
    add_profile_options(line, s.profile);
    JudgeOptions judging;
    const JudgeOptionsDeclared judge_options = add_judge_options(
        line, judging, "limit per candidate (default 10000 for /dev/kvm, as replay and fuzz; none for\n--oracle)",
        "runs the input and the result get, the first included (default 3): the\n"
        "input must fail in most of them; candidates are judged once");
    line.add_number("--repeat", s.repeat, 1, 100000, "rerun the result R times and report how often it fails");
    line.add_number("--max-candidates", s.max_candidates, 1, UINT32_MAX,
                    "stop after judging N candidates (the result is then not 1-minimal)");
    line.add_number(
        "--max-seconds", [&s](uint64_t v) { s.max_time = std::chrono::seconds(v); }, 1, 7 * 24 * 3600,
        "stop after S seconds");
    line.add_size("--allow-kernel-memory", s.allow_memory,
                  "judge on a kernel (or in a VM) only sequences the model expects to hold\n"
                  "at most SIZE of kernel memory (default: the smaller of 1G and an eighth of\n"
                  "MemAvailable; with --vm, of the VM's memory); an input over it is refused\n"
                  "(exit 2), a candidate over it counts as not failing and is never run");
    // What judges a candidate: one oracle at a time.
    oracle->excludes(model_only)->excludes(mutant);
    vm->excludes(oracle)->excludes(model_only)->excludes(mutant)->excludes(deviation)->excludes(judge_options.timeout);
    deviation->excludes(model_only)->excludes(oracle);
    if (auto code = line.parse(argc, argv)) return *code;
    if (files.size() > 1) return bad("one FILE at a time (got " + quote(files[0]) + " and " + quote(files[1]) + ")");
    s.file = files.front();
    if (judge_options.timeout->count()) s.timeout = judging.timeout;
    s.runs = judging.runs;
    if (vm_kernel) s.vm_kernel = KernelRequest{*vm_kernel, vm_modules};
    if (s.model_only && !s.mutant)
        return bad("--model-only needs --mutant RULE: the reference model never differs from itself");
    // Output paths are checked before the (possibly long) minimization.
    if (s.out)
        if (auto unwritable = check_output_file("--out", *s.out)) return bad(*unwritable);
    if (s.into)
        if (auto unwritable = check_output_dir("--into", *s.into)) return bad(*unwritable);
    if (s.vm_out)
        if (auto unwritable = check_output_dir("--vm-out", *s.vm_out)) return bad(*unwritable);
    return std::nullopt;
}

// "still fails" for one candidate, whichever oracle judges.
class Judge {
public:
    Judge(const Settings& s, const Profile& profile, std::optional<VmOracle> vm, std::optional<MemoryLimit> memory)
        : settings_(s), vm_(std::move(vm)), memory_(std::move(memory)) {
        options_.profile = profile;
        options_.oracle = s.model_only ? OracleKind::Model : OracleKind::Kernel;
        options_.mutant = s.mutant;
        if (s.timeout) options_.timeout = *s.timeout;
        options_.runs = s.runs;
        // Candidates are judged once; the input and the result get every run.
        candidate_options_ = options_;
        candidate_options_.runs = 1;
        if (s.oracle_command) external_.emplace(*s.oracle_command, s.timeout);
    }

    // Judges the input; false when it does not fail.
    bool judge_input(const Sequence& input) {
        input_ = input;
        if (external_) return external_->still_fails(input, true);
        if (vm_) {
            vm_first_ = vm_->run(input);
            vm_last_ = vm_first_;
            return vm_first_.has_value();
        }
        first_ = judge(input, options_);
        return first_.failed();
    }

    bool still_fails(const Sequence& candidate) {
        // Removing a step or simplifying a value can raise the kernel
        // memory a sequence holds (a delete gone, a failing create that now
        // succeeds): such a candidate is not run.
        if (memory_ && first_step_over(candidate, memory_->profile, memory_->bytes)) return false;
        if (external_) return external_->still_fails(candidate);
        if (vm_) {
            auto failure = vm_->run(candidate);
            if (!failure || !VmOracle::same(*vm_first_, *failure, settings_.same)) return false;
            vm_last_ = failure;
            return true;
        }
        const Verdict v = judge(candidate, candidate_options_);
        return v.failed() && same_failure(first_, v, settings_.same);
    }

    // The VM's failure on the input and on the last candidate that still
    // failed (--vm only).
    const std::optional<VmFailure>& vm_first() const { return vm_first_; }
    const std::optional<VmFailure>& vm_last() const { return vm_last_; }

    // The verdict on the input (none from the external oracle or a VM).
    std::optional<Verdict> first_verdict() const {
        if (external_ || vm_) return std::nullopt;
        return first_;
    }

    // The verdict on `seq` (the external oracle and a VM give none).
    std::optional<Verdict> verdict(const Sequence& seq) const {
        if (external_ || vm_) return std::nullopt;
        return judge(seq, options_);
    }

    // Why the input does not fail: "" or, for a flaky input, its numbers.
    std::string flaky_input() const {
        if (external_ || vm_ || first_.status != Verdict::Status::Flaky) return "";
        return first_.detail;
    }

    std::string describe(const KernelFacts& facts) const {
        if (external_) return "command " + quote(external_->command());
        if (vm_) return "kernel " + vm_->kernel().name + " in a VM";
        if (options_.oracle == OracleKind::Model)
            return "reference model against the model with mutant " + std::string(rule(*options_.mutant).name);
        std::string what = "kernel " + facts.release;
        if (options_.mutant) what += " against the model with mutant " + std::string(rule(*options_.mutant).name);
        return what;
    }

private:
    const Settings& settings_;
    JudgeOptions options_, candidate_options_;
    std::optional<ExternalOracle> external_;
    std::optional<VmOracle> vm_;
    std::optional<MemoryLimit> memory_;
    std::optional<VmFailure> vm_first_, vm_last_;
    Sequence input_;
    Verdict first_;
};

// Progress on stderr: a line whenever the sequence shrinks, at most one
// other line a second.
class ProgressLine {
public:
    void operator()(const MinimizeProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (p.length == last_length_ && now - last_ < std::chrono::seconds(1)) return;
        last_length_ = p.length;
        last_ = now;
        std::cerr << "minimize: " << p.candidates << " candidates, " << p.length << " steps (" << p.phase << ")\n";
    }

private:
    size_t last_length_ = SIZE_MAX;
    std::chrono::steady_clock::time_point last_{};
};

FindingHeader describe_finding(const Settings& s, const Judge& judge, const KernelFacts& facts, const Profile& profile,
                         const std::optional<Verdict>& verdict,
                         const MinimizeResult& result) {
    FindingHeader f;
    f.oracle = judge.describe(facts);
    f.profile = profile.name;
    f.same = s.oracle_command ? "the command's exit status" : s.same_name;
    f.original_length = result.original_length;
    f.one_minimal = result.one_minimal;
    f.signature = verdict ? failure_signature(*verdict) : "command-failure";
    if (const auto& vm_failure = judge.vm_last()) {
        f.signature = vm_failure->kind() + " " + (vm_failure->signature().empty() ? "vm" : vm_failure->signature());
        f.detail = vm_failure->detail;
    }
    if (verdict && verdict->divergence) {
        const Divergence& d = *verdict->divergence;
        f.detail = verdict->detail;
        if (d.rule != RuleId::Count) f.rule = std::string(rule(d.rule).name) + ": " + rule(d.rule).summary;
        if (d.kind == Divergence::Kind::Outcome) {
            f.oracle_outcome = to_string(d.other);
            f.model_outcome = to_string(d.model);
            if (s.record_deviation) f.deviation_step = d.step;
        }
    } else if (verdict) {
        f.detail = verdict->detail;
    }
    return f;
}


// The VM oracle of --vm: the kernel resolved (fetched or built), the static
// slotcheck found, the candidates' consoles kept under --vm-out.
std::optional<VmOracle> make_vm_oracle(const Settings& s, std::string& error) {
    auto binary = static_binary(error);
    if (!binary) return std::nullopt;
    auto kernel = resolve_kernel(*s.vm_kernel, resource_dir().path, error);
    if (!kernel) return std::nullopt;
    std::string dir = s.vm_out ? *s.vm_out
                               : (std::filesystem::temp_directory_path() /
                                  ("slotcheck-minimize-vm-" + std::to_string(getpid()))).string();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        error = "cannot create " + dir + ": " + ec.message();
        return std::nullopt;
    }
    VmSettings settings;
    settings.guest_profile_args = as_arguments(s.profile);
    std::cerr << "minimize: judging in VMs booted with " << kernel->name << "; consoles in " << dir << "\n";
    return VmOracle(VmGuest(settings, *binary), *kernel, dir);
}

// Judges the input, minimizes it and writes the result.
int minimize_with(const Settings& s, const KernelFacts& facts, const Profile& profile_ref, const Sequence& parsed,
                  Judge judge) {
    const Profile* profile = &profile_ref;
    std::string error;
    const Sequence input = without_expectations(parsed);
    // SIGINT and SIGTERM end the search at the next candidate: the smallest
    // failing sequence found so far is written as a finished one is.
    const StopOnSignal stop;
    const bool input_fails = judge.judge_input(input);
    if (stop.requested()) {
        std::cerr << "slotcheck minimize: stopped by a signal before " << s.file
                  << " was judged: nothing minimized, nothing written\n";
        return stop.exit_code();
    }
    if (!input_fails) {
        std::cerr << "slotcheck minimize: " << s.file << " does not fail against the " << judge.describe(facts)
                  << (s.oracle_command ? "" : " (profile " + profile->name + ")") << ": nothing to minimize"
                  << (judge.flaky_input().empty() ? "" : " (flaky: " + judge.flaky_input() + ")") << "\n";
        return kExitOk;  // nothing found: the table's "agree" (tools/exit_codes.h)
    }
    if (auto v = judge.first_verdict())
        std::cerr << "minimize: " << s.file << " fails: " << v->detail
                  << (v->reproduction.runs > 1 ? " (" + v->reproduction.text() + ")" : "") << "\n";
    if (const auto& f = judge.vm_first()) std::cerr << "minimize: " << s.file << " fails: " << f->describe() << "\n";

    MinimizeOptions options;
    ProgressLine progress;
    options.progress = std::ref(progress);
    options.max_candidates = s.max_candidates;
    const auto start = std::chrono::steady_clock::now();
    if (s.max_time) options.deadline = start + *s.max_time;
    options.stop = [&stop]() { return stop.requested(); };
    const MinimizeResult result =
        minimize(input, [&](const Sequence& c) { return judge.still_fails(c); }, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds);
    std::cerr << "minimize: " << s.file << ": from " << result.original_length << " to "
              << result.sequence.steps.size() << " operations in " << took << ", " << result.candidates
              << " candidates"
              << (result.one_minimal     ? " (1-minimal)"
                  : stop.requested() ? " (cut short by a signal: the smallest failing sequence so far, not 1-minimal)"
                                     : " (budget ran out: not 1-minimal)")
              << "\n";

    const auto verdict = judge.verdict(result.sequence);
    if (verdict)
        std::cerr << "minimize: " << verdict_status_name(verdict->status) << ": " << verdict->detail
                  << (verdict->reproduction.runs > 1 ? " (" + verdict->reproduction.text() + ")" : "") << "\n";
    if (const auto& f = judge.vm_last()) std::cerr << "minimize: in the VM: " << f->describe() << "\n";
    if (s.repeat && !stop.requested()) {
        size_t reproduced = 0;
        for (size_t i = 0; i < s.repeat; ++i) reproduced += judge.still_fails(result.sequence);
        std::cerr << "minimize: the result fails " << reproduced << " of " << s.repeat << " times\n";
    }

    FindingHeader finding = describe_finding(s, judge, facts, *profile, verdict, result);
    finding.cut_short = stop.requested() && !result.one_minimal;
    std::optional<Outcome> deviation;
    if (finding.deviation_step) deviation = verdict->divergence->other;
    if (s.record_deviation && !finding.deviation_step)
        std::cerr << "minimize: --deviation: the failure is not an outcome divergence; nothing recorded\n";

    if (s.into) {
        auto entry = write_finding(*s.into, result.sequence, finding, deviation, error);
        if (!entry) return bad(error);
        for (const auto& p : entry->problems) std::cerr << "minimize: " << entry->path << ": " << p << "\n";
        std::cout << entry->path << (entry->already_recorded ? " (already recorded; left as it is)" : "") << "\n";
    }
    if (s.out || !s.into) {
        // Expectations under the profile the failure was judged with, so
        // the file replays as it was found.
        Sequence written = with_model_expectations(result.sequence, *profile);
        written.header_comments = finding_header(finding, written.steps.size(), profile->name);
        if (deviation) written.steps[*finding.deviation_step].expect->kernel_deviation = deviation;
        if (!s.out) {
            std::cout << print(written);
        } else if (auto failed = write_file_atomically(*s.out, print(written))) {
            return bad(*failed);
        }
    }
    // The input fails and its minimized failure is written: a finding.
    return stop.requested() ? stop.exit_code() : kExitDivergence;
}

}  // namespace

int minimize_main(int argc, char** argv) {
    Settings s;
    if (auto stop = parse_arguments(argc, argv, s)) return *stop;
    if (auto unreadable = check_sequence_file(s.file)) return bad(*unreadable);
    auto parsed = parse_file(s.file);
    if (parsed.error) return bad(parsed.error->to_string());

    KernelFacts facts;
    const bool kernel = !s.model_only && !s.oracle_command && !s.vm_kernel;
    std::string error;
    // A sequence judged on a kernel (here or in a VM) keeps to the kernel
    // memory limit: an input over it is bad input, refused before /dev/kvm
    // is required and before anything runs; candidates over it are never
    // run (Judge::still_fails).
    std::optional<MemoryLimit> memory;
    if (kernel || s.vm_kernel) {
        auto estimating = kernel ? budget_profile(s.profile, error) : resolve_profile(s.profile, nullptr, error);
        if (!estimating) return bad(error);
        const uint64_t limit = s.allow_memory.value_or(
            kernel ? default_kernel_memory_budget() : vm_kernel_memory_budget(VmSettings{}.memory_mb));
        if (auto refused = refuse_over_budget("minimize", {s.file}, {*parsed.sequence}, *estimating, limit))
            return *refused;
        memory = MemoryLimit{*estimating, limit};
    }
    if (kernel) {
        auto running = require_kvm(
            "minimize", "--model-only --mutant RULE judges against the model; --oracle CMD lets a command judge");
        if (!running) return kExitNoEnvironment;
        facts = *running;
    }
    auto profile = resolve_profile(s.profile, kernel ? &facts : nullptr, error, &std::cerr, "slotcheck minimize: ");
    if (!profile) return bad(error);

    std::optional<VmOracle> vm;
    if (s.vm_kernel) {
        vm = make_vm_oracle(s, error);
        if (!vm) {
            std::cerr << "slotcheck minimize: " << error << "\n";
            return kExitNoEnvironment;
        }
    }
    try {
        return minimize_with(s, facts, *profile, *parsed.sequence, Judge(s, *profile, std::move(vm), std::move(memory)));
    } catch (const VmOracleBroken& broken) {
        std::cerr << "slotcheck minimize: " << broken.reason << "\n";
        return kExitNoEnvironment;
    } catch (const CandidateNotWritten& lost) {
        return bad("--oracle: " + lost.reason);
    }
}


}  // namespace slotcheck::cli
