// The result of replaying one sequence file, in a form that crosses the pipe
// from the isolated child (serialize/deserialize) and prints as a table row
// or as JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "replay/differ.h"
#include "replay/point.h"
#include "replay/sequence_oracle.h"

namespace slotcheck::cli {

struct FileResult {
    std::string file;
    // agree, diverge, crashed, timeout, error, skip, not-reached (agreed
    // without reaching the file's point: its scenario never started), flaky
    // (failed once, not in most runs)
    std::string verdict;
    Reproduction reproduction;  // how often a failure showed (1/1: not re-run)
    // skip: the features the file's expectations need that the kernel (its
    // profile) lacks (replay/features.h); the file did not run.
    std::vector<std::string> needs;
    size_t steps = 0;
    size_t observations = 0;
    struct Finding {
        std::string kind, op, model, rule, other, summary;
        size_t step = 0;
        int line = 0;
    };
    std::vector<Finding> findings;
    std::vector<std::string> trace;  // with --trace: one line per step
    bool skipped() const { return verdict == "skip"; }
    bool not_reached() const { return verdict == "not-reached"; }
    bool flaky() const { return verdict == "flaky"; }
    // Anything but agree, skip, not-reached or flaky fails the run. A file
    // that did not reach its point is never a pass either: it is counted
    // apart, as a flaky one is.
    bool diverged() const { return verdict != "agree" && !skipped() && !not_reached() && !flaky(); }
    // The verdict as the table shows it: "skip (needs gmem-mmap)",
    // "diverge (reproduced 3/3)".
    std::string verdict_text() const;
};

// A file that did not run because the kernel lacks what it needs.
FileResult skipped_for(const std::string& file, const std::vector<std::string>& needs);
// The result of a replay; a replay that agreed but did not reach the file's
// point (`reach`) is not-reached, with a finding that says why.
FileResult from_report(const std::string& file, const ReplayReport& report, const PointReach& reach, bool with_trace);
std::string serialize(const FileResult& r);
std::optional<FileResult> deserialize(const std::string& text);

// How many files passed (agree), failed (any verdict but these), were
// skipped and did not reach their point.
struct Totals {
    size_t passed = 0, failed = 0, skipped = 0, not_reached = 0, flaky = 0;
};
Totals totals(const std::vector<FileResult>& results);

// The schema of print_json's document (docs/output.md "replay").
inline constexpr std::string_view kReplaySchema = "slotcheck.replay";
inline constexpr int kReplaySchemaVersion = 1;

// `stopped_of`: set when a signal stopped the replay before every file ran,
// to the number of files it was given (`results` holds those that ran).
void print_table(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                 bool kernel, std::optional<size_t> stopped_of = std::nullopt);
void print_json(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                bool kernel, std::optional<size_t> stopped_of = std::nullopt);

}  // namespace slotcheck::cli
