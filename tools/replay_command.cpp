// slotcheck replay: run sequence files against the model and /dev/kvm,
// compare them at every step and report where they differ.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "replay/differ.h"
#include "replay/features.h"
#include "replay/point.h"
#include "replay/sequence_oracle.h"
#include "seq/quoted.h"
#include "seq/sequence_reader.h"
#include "seq/text_scan.h"
#include "sys/stop_signal.h"
#include "tools/atomic_file.h"
#include "tools/command_line.h"
#include "tools/commands.h"
#include "tools/event_options.h"
#include "tools/judge_options.h"
#include "tools/memory_budget.h"
#include "tools/profile_options.h"
#include "tools/replay_result.h"
#include "tools/sequence_files.h"

namespace slotcheck::cli {

namespace {

constexpr const char* kSummary = "Replays sequence files against the model and /dev/kvm and reports where they differ.";
constexpr const char* kNotes =
    "A file whose written expectations need a feature the kernel (the profile) lacks is not run:\n"
    "  'skip (needs FEATURE...)', counted apart; skips alone exit 0.\n"
    "A file that agrees but did not reach its point (a step before it that the file writes to succeed\n"
    "  failed, so its scenario never started) is 'not-reached': counted apart, never a pass.\n"
    "A failure most runs do not show is 'flaky': counted apart, never a divergence.\n"
    "SIGINT or SIGTERM stop the replay after the file that is running; the table and the JSON cover\n"
    "  the files that ran.\n"
    "exit: 0 nothing failed (agree, skip, not-reached or flaky), 1 divergence, 2 bad input, 3 no /dev/kvm,\n"
    "      130 / 143 stopped by SIGINT / SIGTERM (docs/output.md, \"Exit codes\")";

// A file checked before anything runs, and what running it needs to know.
struct CheckedFile {
    std::unique_ptr<FileSteps> steps;
    std::vector<Feature> touched;  // FeatureUse
    std::optional<PointFinder::Last> point;
};

// The whole sequence of a checked file, for the event that announces it (a
// VM's host keeps the text of the sequence in flight): with --events a file
// is held whole while it runs.

}  // namespace

int replay_main(int argc, char** argv) {
    ProfileChoice choice;
    EventChoice event_choice;
    bool model_only = false, trace = false, check_expectations = true;
    std::optional<std::string> json_path;
    JudgeOptions judging;  // the time limit, its retry and the runs: as every command judges
    std::vector<std::string> paths;
    std::optional<uint64_t> allow_memory;
    bool ignore_expectations = false;
    CommandLine line("replay", kSummary, kNotes);
    line.app().add_option("PATH", paths, "a sequence file or a directory (every *.seq below it)")->required();
    line.add_switch("--model-only", model_only, "replay against the model alone (no /dev/kvm)");
    add_profile_options(line, choice);
    line.add_text("--json", json_path, "FILE", "also write a machine-readable report ('-' for stdout, replacing the table)");
    line.add_switch("--trace", trace,
                    "print every step with both outcomes (held until the file ends: without it\n"
                    "replay holds a stretch of a file, whatever its length)");
    line.add_switch("--ignore-expectations", ignore_expectations,
                    "compare model and kernel only, not the files' expected outcomes\n"
                    "(for kernels whose limits differ from the named profiles the files are written for)");
    add_judge_options(line, judging);
    line.add_size("--allow-kernel-memory", allow_memory,
                  "run files whose steps the model expects to hold up to SIZE of kernel\n"
                  "memory (default: the smaller of 1G and an eighth of MemAvailable); a file over\n"
                  "it is refused before anything runs (exit 2)");
    add_event_options(line, event_choice);
    if (auto code = line.parse(argc, argv)) return *code;
    check_expectations = !ignore_expectations;
    if (json_path && *json_path != "-")
        if (auto unwritable = check_output_file("--json", *json_path)) {
            std::cerr << "slotcheck replay: " << *unwritable << "\n";
            return kExitBadInput;
        }
    // SIGINT and SIGTERM stop the replay after the file that is running (a
    // signal while the files are read: before the first): the table and the
    // JSON then cover the files that ran.
    const StopOnSignal stop;
    std::string error;
    auto files = collect_files(paths, error);
    if (files.empty()) {
        std::cerr << "slotcheck replay: " << error << "\n";
        return kExitBadInput;
    }
    // Read and check every file first, a step at a time: a typo in the last
    // line of the last file should not cost a long kernel run. What running
    // a file needs to know beforehand (the features its steps touch, its
    // point) is gathered in the same pass; the runs read the files again, so
    // a file of any length is held a stretch at a time, never whole.
    std::vector<CheckedFile> checked;
    for (const auto& f : files) {
        CheckedFile c{std::make_unique<FileSteps>(f), {}, {}};
        FeatureUse use;
        PointFinder point;
        each_step(*c.steps, [&](size_t index, const Step& step) {
            use.add(step.op);
            point.add(index, step);
            return true;
        });
        if (const auto bad = c.steps->error()) {
            std::cerr << "slotcheck replay: " << bad->to_string() << "\n";
            return kExitBadInput;
        }
        c.touched = use.features();
        c.point = point.last();
        checked.push_back(std::move(c));
    }
    KernelFacts facts;
    if (!model_only) {
        // A file that would take the machine's memory is bad input, refused
        // before anything runs, whether or not /dev/kvm is here.
        auto memory_profile = budget_profile(choice, error);
        if (!memory_profile) {
            std::cerr << "slotcheck replay: " << error << "\n";
            return kExitBadInput;
        }
        for (size_t i = 0; i < files.size(); ++i)
            if (auto refused = refuse_over_budget("replay", files[i], *checked[i].steps, *memory_profile,
                                                  allow_memory.value_or(default_kernel_memory_budget())))
                return *refused;
        auto running = require_kvm("replay", "--model-only replays against the model alone");
        if (!running) return kExitNoEnvironment;
        facts = *running;
    }
    auto profile = resolve_profile(choice, model_only ? nullptr : &facts, error, &std::cerr, "slotcheck replay: ");
    if (!profile) {
        std::cerr << "slotcheck replay: " << error << "\n";
        return kExitBadInput;
    }

    auto events = open_event_log(event_choice, error);
    if (!error.empty()) {
        std::cerr << "slotcheck replay: " << error << "\n";
        return kExitBadInput;
    }
    std::vector<FileResult> results;
    judging.profile = *profile;
    judging.oracle = model_only ? OracleKind::None : OracleKind::Kernel;
    judging.check_expectations = check_expectations;
    for (size_t i = 0; i < files.size() && !stop.requested(); ++i) {
        const StepSource& steps = *checked[i].steps;
        // What the kernel lacks and the file's expectations need: the file
        // cannot test anything here (replay/features.h says how it is decided).
        if (const auto missing = missing_features(steps, checked[i].touched, *profile); !missing.empty()) {
            std::vector<std::string> needs;
            for (const auto& f : missing) needs.push_back(feature_name(f));
            results.push_back(skipped_for(files[i], needs));
            if (events) {
                const std::string id = events->begin_file(files[i]);
                events->end_sequence(id, "skip", encode(results.back().verdict));
            }
            continue;
        }
        // The judge every command uses: on a kernel, each file runs in a child
        // with a fresh backend (a kernel or harness crash costs this file
        // only), a timeout is retried with a longer limit, and a failure
        // stands only when most runs show it.
        const std::string event_id = events && !model_only ? events->begin_file(files[i]) : "";
        FileResult r{files[i], judge(steps, judging, FileJudging{checked[i].point, trace})};
        if (events && !model_only) events->end_sequence(event_id, verdict_status_name(r.verdict.status), encode(r.verdict));
        results.push_back(std::move(r));
    }
    const auto stopped_of = stop.requested() ? std::optional(files.size()) : std::nullopt;
    if (json_path && *json_path == "-") {
        print_json(std::cout, results, profile->name, !model_only, stopped_of);
    } else {
        print_table(std::cout, results, profile->name, !model_only, stopped_of);
        if (json_path) {
            std::ostringstream json;
            print_json(json, results, profile->name, !model_only, stopped_of);
            if (auto failed = write_file_atomically(*json_path, json.str())) {
                std::cerr << "slotcheck replay: " << *failed << "\n";
                return kExitBadInput;
            }
        }
    }
    if (events) {
        std::ostringstream json;
        print_json(json, results, profile->name, !model_only, stopped_of);
        events->write(event::kResult, json.str());
    }
    if (stop.requested()) return stop.exit_code();
    bool any = std::any_of(results.begin(), results.end(), [](const FileResult& r) { return r.diverged(); });
    return any ? kExitDivergence : kExitOk;
}

}  // namespace slotcheck::cli
