// slotcheck replay: run sequence files against the model and /dev/kvm,
// compare them at every step and report where they differ.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/isolation.h"
#include "harness/kvm_backend.h"
#include "harness/sequence_oracle.h"
#include "model/differ.h"
#include "model/text_scan.h"
#include "tools/commands.h"
#include "tools/event_options.h"
#include "tools/profile_options.h"
#include "tools/replay_result.h"
#include "tools/sequence_files.h"

namespace slotcheck::cli {

namespace {

constexpr const char* kUsage =
    "usage: slotcheck replay [options] PATH...\n"
    "  PATH is a sequence file or a directory (every *.seq below it).\n"
    "  --model-only         replay against the model alone (no /dev/kvm)\n"
    SLOTCHECK_PROFILE_OPTIONS_USAGE
    "  --json FILE          also write a machine-readable report ('-' for stdout, replacing the table)\n"
    "  --trace              print every step with both outcomes\n"
    "  --ignore-expectations  compare model and kernel only, not the files' expected outcomes\n"
    "                       (for kernels whose limits differ from the named profiles the files are written for)\n"
    "  --timeout-ms N       wall-clock limit per sequence (default 60000)\n"
    SLOTCHECK_EVENT_OPTIONS_USAGE
    "exit: 0 agree, 1 divergence, 2 bad input, 3 no /dev/kvm\n";

// What the event channel says about a file that did not agree: the first
// divergence's summary, and its failure_signature() ("outcome RULE at OP"),
// which `minimize --vm` compares.
std::string end_detail(const FileResult& r) {
    if (!r.diverged() || r.findings.empty()) return "";
    const auto& f = r.findings.front();
    const std::string op = f.op.substr(0, f.op.find(' '));
    return f.summary + "\n" + std::string(kSignaturePrefix) + failure_signature(f.kind, f.rule, op);
}

}  // namespace

int replay_main(int argc, char** argv) {
    ProfileChoice choice;
    EventChoice event_choice;
    bool model_only = false, trace = false, check_expectations = true;
    std::optional<std::string> json_path;
    long timeout_ms = 60000;
    std::vector<std::string> paths;
    for (int i = 1; i < argc; ++i) {
        auto taken = take_profile_option("replay", argc, argv, i, choice);
        if (taken == OptionTaken::Bad) return kExitBadInput;
        if (taken == OptionTaken::Yes) continue;
        taken = take_event_option("replay", argc, argv, i, event_choice);
        if (taken == OptionTaken::Bad) return kExitBadInput;
        if (taken == OptionTaken::Yes) continue;
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return kExitOk;
        } else if (a == "--model-only") {
            model_only = true;
        } else if (a == "--trace") {
            trace = true;
        } else if (a == "--ignore-expectations") {
            check_expectations = false;
        } else if (a == "--json" && i + 1 < argc) {
            json_path = argv[++i];
        } else if (a == "--timeout-ms" && i + 1 < argc) {
            auto v = parse_u64(argv[++i]);
            if (!v || *v == 0 || *v > 3600000) {
                std::cerr << "slotcheck replay: --timeout-ms takes 1..3600000, got '" << argv[i] << "'\n";
                return kExitBadInput;
            }
            timeout_ms = static_cast<long>(*v);
        } else if (!a.empty() && a[0] == '-') {
            std::cerr << "slotcheck replay: unknown option '" << a << "'\n" << kUsage;
            return kExitBadInput;
        } else {
            paths.push_back(a);
        }
    }
    if (paths.empty()) {
        std::cerr << kUsage;
        return kExitBadInput;
    }
    std::string error;
    auto files = collect_files(paths, error);
    if (files.empty()) {
        std::cerr << "slotcheck replay: " << error << "\n";
        return kExitBadInput;
    }
    // Parse everything first: a typo in the last file should not cost a
    // long kernel run.
    std::vector<Sequence> sequences;
    for (const auto& f : files) {
        auto parsed = parse_file(f);
        if (parsed.error) {
            std::cerr << "slotcheck replay: " << parsed.error->to_string() << "\n";
            return kExitBadInput;
        }
        sequences.push_back(std::move(*parsed.sequence));
    }
    KernelFacts facts;
    if (!model_only) {
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
    ReplayOptions options;
    options.check_expectations = check_expectations;
    for (size_t i = 0; i < files.size(); ++i) {
        if (model_only) {
            results.push_back(from_report(files[i], replay(sequences[i], *profile, nullptr, options), trace));
            continue;
        }
        // Each sequence runs in a child with a fresh backend: a kernel or
        // harness crash costs this file only.
        const std::string event_id = events ? events->begin_sequence(files[i], sequences[i]) : "";
        auto isolated = run_isolated(
            [&]() {
                KvmBackend backend;
                return serialize(from_report(files[i], replay(sequences[i], *profile, &backend, options), trace));
            },
            std::chrono::milliseconds(timeout_ms));
        std::optional<FileResult> r;
        if (isolated.status == IsolatedResult::Status::Ok) r = deserialize(isolated.output);
        if (!r) {
            FileResult failed;
            failed.verdict = isolated.status == IsolatedResult::Status::TimedOut ? "timeout" : "crashed";
            FileResult::Finding f;
            f.kind = failed.verdict;
            f.summary = "the replay child " + isolated.describe();
            failed.findings.push_back(f);
            r = failed;
        }
        r->file = files[i];
        if (events) events->end_sequence(event_id, r->verdict, end_detail(*r));
        results.push_back(*r);
    }
    if (json_path && *json_path == "-") {
        print_json(std::cout, results, profile->name, !model_only);
    } else {
        print_table(std::cout, results, profile->name, !model_only);
        if (json_path) {
            std::ofstream out(*json_path);
            if (!out) {
                std::cerr << "slotcheck replay: cannot write " << *json_path << "\n";
                return kExitBadInput;
            }
            print_json(out, results, profile->name, !model_only);
        }
    }
    if (events) {
        std::ostringstream json;
        print_json(json, results, profile->name, !model_only);
        events->write(event::kResult, json.str());
    }
    bool any = std::any_of(results.begin(), results.end(), [](const FileResult& r) { return r.diverged(); });
    return any ? kExitDivergence : kExitOk;
}

}  // namespace slotcheck::cli
