// slotcheck fuzz: generate sequences from the model's state, judge each
// against the model and the real kernel, shrink and write what diverges.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>
#include <sstream>

#include "fuzz/campaign.h"
#include "fuzz/wire.h"
#include "model/kernel_memory.h"
#include "model/mutation.h"
#include "orchestration/vmalloc_watch.h"
#include "replay/differ.h"
#include "seq/text_scan.h"
#include "sys/atomic_file.h"
#include "sys/quoted.h"
#include "sys/stop_signal.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/event_options.h"
#include "tools/fuzz_output.h"
#include "tools/judge_options.h"
#include "tools/memory_budget.h"
#include "tools/profile_options.h"

namespace slotcheck::cli {

namespace {

constexpr const char* kSummary =
    "Generates sequences and replays them against the model and /dev/kvm; each divergence is\n"
    "shrunk and written as a finding.";
constexpr const char* kNotes =
    "SIGINT or SIGTERM stop the workers; the summary and the JSON are still written\n"
    "exit: 0 no divergence (flaky failures included), 1 divergence (finding written), 2 bad input,\n"
    "      3 no /dev/kvm, 4 a worker error, 130 / 143 stopped by SIGINT / SIGTERM\n"
    "      (docs/output.md, \"Exit codes\")";

struct Args {
    fuzz::CampaignOptions campaign;
    std::optional<uint64_t> kernel_memory_budget;
    ProfileChoice profile;
    EventChoice events;
    bool model_only = false, coverage = false, seed_given = false;
    std::string out_dir = "fuzz-findings";
    std::optional<std::string> json_path;
};

// Parses argv; returns an exit code when the command should stop.
std::optional<int> parse_args(int argc, char** argv, Args& a) {
    CommandLine line("fuzz", kSummary, kNotes);
    line.add_number(
        "--seconds", [&a](uint64_t v) { a.campaign.seconds = static_cast<double>(v); }, 1, 7 * 24 * 3600,
        "how long to fuzz (default 60); the whole run, shrinking included, ends\n"
        "within the larger of 5 s and 10% after it");
    line.add_number(
        "--seed",
        [&a](uint64_t v) {
            a.campaign.seed = v;
            a.seed_given = true;
        },
        0, UINT64_MAX,
        "campaign seed (default: random, printed at start); the same seed,\n"
        "profile and kernel give the same sequences");
    line.add_number("--jobs", a.campaign.jobs, 1, 256, "parallel workers, each its own process (default 1)");
    line.add_number("--max-ops", a.campaign.max_ops, 1, 100000, "operations per sequence at most (default 64)");
    line.add_text("--out", a.out_dir, "DIR", "where findings go (default fuzz-findings)");
    add_profile_options(line, a.profile);
    line.add_text("--json", a.json_path, "FILE", "also write the summary as JSON ('-' for stdout, replacing the table)");
    line.add_switch("--coverage", a.coverage, "print the per-rule coverage table");
    line.add_switch("--census", a.campaign.census,
                    "count the boundary situations the judged sequences contain and print\n"
                    "them (docs/fuzzing.md \"Boundary reach\")");
    add_mutant_option(line, a.campaign.judge.mutant,
                      "run the model with RULE mutated (slotcheck rules --mutants lists them);\n"
                      "the fuzzer should then find a divergence");
    line.add_switch("--model-only", a.model_only,
                    "judge against the unmutated model instead of /dev/kvm (with --mutant:\n"
                    "measures generator reach; without: checks the model's invariants)");
    line.add_number(
        "--only", [&a](uint64_t v) { a.campaign.only = v; }, 0, UINT64_MAX,
        "judge only sequence N of the campaign (reproduces a finding)");
    bool no_shrink = false;
    line.add_switch("--no-shrink", no_shrink, "write findings as found");
    add_same_option(line, a.campaign.same, nullptr, "what shrinking must keep (default rule)");
    line.add_switch("--keep-going", a.campaign.keep_going, "go on after a finding, reporting each distinct failure once");
    add_judge_options(line, a.campaign.judge);
    line.add_switch("--fork-per-sequence", a.campaign.fork_per_sequence,
                    "fork a child for every kernel run instead of each job's one\n"
                    "long-lived judging child (slower; for comparison)");
    line.add_number(
        "--shrink-seconds", [&a](uint64_t v) { a.campaign.shrink_seconds = static_cast<double>(v); }, 1, 24 * 3600,
        "time budget per shrink (default 60)");
    line.add_size("--kernel-memory-budget", a.kernel_memory_budget,
                  "the kernel memory (the model's estimate: memslot metadata, dirty\n"
                  "bitmaps, attributes) all jobs' sequences may hold at once, each job an equal\n"
                  "share; SIZE in bytes or with K, M, G, T (default: the smaller of 1G and an\n"
                  "eighth of MemAvailable)");
    add_event_options(line, a.events);
    if (auto code = line.parse(argc, argv)) return *code;
    a.campaign.shrink = !no_shrink;
    return std::nullopt;
}

// What `reproduce:` must repeat for a re-run to generate and judge a
// sequence as this campaign does; defaults are left out.
std::string judge_options_of(const Args& a) {
    const JudgeOptions defaults;
    std::string o;
    for (const auto& arg : as_arguments(a.profile)) o += " " + arg;
    if (a.model_only) o += " --model-only";
    if (a.campaign.judge.mutant) o += " --mutant " + std::string(rule(*a.campaign.judge.mutant).name);
    if (a.campaign.max_ops != fuzz::CampaignOptions{}.max_ops) o += " --max-ops " + std::to_string(a.campaign.max_ops);
    if (a.campaign.judge.timeout != defaults.timeout)
        o += " --timeout-ms " + std::to_string(a.campaign.judge.timeout.count());
    if (a.campaign.judge.runs != defaults.runs) o += " --runs " + std::to_string(a.campaign.judge.runs);
    // Always: the default budget depends on the machine's free memory, and
    // generation keeps each sequence to its share of it.
    o += " --kernel-memory-budget " + std::to_string(fuzz::sequence_memory_budget(a.campaign));
    return o.empty() ? o : o.substr(1);
}

}  // namespace

int fuzz_main(int argc, char** argv) {
    Args a;
    if (auto code = parse_args(argc, argv, a)) return *code;
    // Output paths are checked before the campaign, not after it.
    auto unwritable = check_output_dir("--out", a.out_dir);
    if (!unwritable && a.json_path && *a.json_path != "-") unwritable = check_output_file("--json", *a.json_path);
    if (unwritable) {
        std::cerr << "slotcheck fuzz: " << *unwritable << "\n";
        return kExitBadInput;
    }
    if (!a.seed_given) a.campaign.seed = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    a.campaign.kernel_memory_budget = a.kernel_memory_budget.value_or(default_kernel_memory_budget());

    KernelFacts facts;
    FuzzHeader header;
    if (!a.model_only) {
        auto running =
            require_kvm("fuzz", "--model-only fuzzes against the model alone; slotcheck vm runs it in a VM");
        if (!running) return kExitNoEnvironment;
        facts = *running;
        header.kernel_release = facts.release;
    }
    std::string error;
    auto profile = resolve_profile(a.profile, a.model_only ? nullptr : &facts, error, &std::cerr, "slotcheck fuzz: ");
    if (!profile) {
        std::cerr << "slotcheck fuzz: " << error << "\n";
        return kExitBadInput;
    }
    auto events = open_event_log(a.events, error);
    if (!error.empty()) {
        std::cerr << "slotcheck fuzz: " << error << "\n";
        return kExitBadInput;
    }
    a.campaign.judge.events = events.get();
    a.campaign.judge.profile = *profile;
    a.campaign.judge.oracle = a.model_only ? OracleKind::Model : OracleKind::Kernel;
    header.seed = a.campaign.seed;
    header.profile = profile->name;
    header.oracle = oracle_kind_name(a.campaign.judge.oracle);
    header.mutant = a.campaign.judge.mutant ? rule(*a.campaign.judge.mutant).name : "";
    header.jobs = a.campaign.only ? 1 : a.campaign.jobs;
    header.seconds = a.campaign.seconds;
    header.judge_options = judge_options_of(a);
    header.sequence_memory_budget = fuzz::sequence_memory_budget(a.campaign);
    header.census = a.campaign.census;

    std::cerr << "slotcheck fuzz: seed " << header.seed << ", profile " << header.profile << ", oracle "
              << header.oracle << (header.kernel_release.empty() ? "" : " " + header.kernel_release)
              << (header.mutant.empty() ? "" : ", mutant " + header.mutant + " (" +
                                                   mutation(*a.campaign.judge.mutant).description + ")")
              << ", " << header.jobs << " job(s), kernel memory " << describe_bytes(header.sequence_memory_budget)
              << " per sequence, "
              << (a.campaign.only ? "sequence " + std::to_string(*a.campaign.only) + " only"
                                  : std::to_string(static_cast<long>(a.campaign.seconds)) + " s")
              << std::endl;
    if (a.campaign.only) {
        Sequence seq = fuzz::generate_sequence(*profile, a.campaign.seed, *a.campaign.only, a.campaign.max_ops,
                                               header.sequence_memory_budget);
        std::cerr << print(seq);
    }

    // Findings are written as they come and, with an event log, sent with
    // the statistics at once, so a VM that dies later has reported them.
    std::vector<std::string> dirs;
    bool finding_lost = false;
    auto file_findings = [&](const std::vector<fuzz::Finding>& findings) {
        for (size_t k = dirs.size(); k < findings.size(); ++k) {
            const auto& f = findings[k];
            std::string dir = write_finding(a.out_dir, header, f, *profile, error);
            // The shrunk sequence is short: show it, so a report on a console
            // (a VM's, a CI log) is complete on its own. A finding that could
            // not be written goes to stdout, so it is not lost with the file.
            const std::string text = print(with_model_expectations(f.shrunk, *profile));
            if (dir.empty()) {
                // stdout, unless it carries the JSON summary (--json -).
                const bool json_on_stdout = a.json_path && *a.json_path == "-";
                finding_lost = true;
                std::cerr << "slotcheck fuzz: the finding (sequence " << f.index << " of seed " << header.seed
                          << ") could not be written: " << error << "; its minimized sequence follows on "
                          << (json_on_stdout ? "stderr" : "stdout") << "\n";
                (json_on_stdout ? std::cerr : std::cout) << text << std::flush;
            } else {
                std::cerr << "slotcheck fuzz: finding written to " << dir << "/minimized.seq:\n" << text;
            }
            dirs.push_back(dir);
            if (!events) continue;
            events->write(event::kFinding, fuzz::wire::encode_finding(f));
            if (!dir.empty()) send_directory(*events, dir);
        }
    };
    // Ctrl-C and SIGTERM end the campaign with its summary, not mid-word.
    const StopOnSignal stop;
    a.campaign.stop_requested = StopOnSignal::flag();
    // Inside a VM under test (--events), what the kernel really holds goes
    // out with the statistics: slotcheck vm checks it against the budget.
    std::optional<VmallocWatch> vmalloc;
    if (events) vmalloc.emplace(a.campaign.kernel_memory_budget, std::chrono::milliseconds(100));
    auto send_vmalloc = [&]() {
        if (auto seen = vmalloc ? vmalloc->seen() : std::nullopt) events->write(event::kVmalloc, encode_vmalloc(*seen));
    };
    auto result = fuzz::run_campaign(a.campaign, [&](const fuzz::Progress& p) {
        print_progress(std::cerr, p);
        if (p.finding_list) file_findings(*p.finding_list);
        if (events) events->write(event::kStats, fuzz::wire::encode_stats(p.stats, *p.coverage));
        send_vmalloc();
    });
    file_findings(result.findings);
    if (events) events->write(event::kStats, fuzz::wire::encode_stats(result.stats, result.coverage));
    send_vmalloc();
    if (a.json_path && *a.json_path == "-") {
        print_summary_json(std::cout, header, result, dirs);
    } else {
        print_summary(std::cout, header, result, a.coverage);
        if (header.census) print_census(std::cout, result.stats.census, *profile);
        if (a.json_path) {
            std::ostringstream json;
            print_summary_json(json, header, result, dirs);
            if (auto failed = write_file_atomically(*a.json_path, json.str())) {
                std::cerr << "slotcheck fuzz: " << *failed << "\n";
                return kExitBadInput;
            }
        }
    }
    if (events) {
        std::ostringstream json;
        print_summary_json(json, header, result, dirs);
        events->write(event::kResult, json.str());
    }
    if (result.interrupted) return stop.exit_code();
    if (finding_lost) return kExitBadInput;
    if (std::any_of(result.findings.begin(), result.findings.end(), [](const fuzz::Finding& f) { return !f.flaky(); }))
        return kExitDivergence;
    return result.worker_errors.empty() ? kExitOk : kExitUnknown;
}

}  // namespace slotcheck::cli
