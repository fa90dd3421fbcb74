// The result of replaying one sequence file, in a form that crosses the pipe
// from the isolated child (serialize/deserialize) and prints as a table row
// or as JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "model/differ.h"
#include "model/point.h"

namespace slotcheck::cli {

struct FileResult {
    std::string file;
    // agree, diverge, crashed, timeout, error, skip, not-reached (agreed
    // without reaching the file's point: its scenario never started)
    std::string verdict;
    // skip: the features the file's expectations need that the kernel (its
    // profile) lacks (model/features.h); the file did not run.
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
    // Anything but agree, skip or not-reached fails the run. A file that did
    // not reach its point is never a pass either: it is counted apart.
    bool diverged() const { return verdict != "agree" && !skipped() && !not_reached(); }
    // The verdict as the table shows it: "skip (needs gmem-mmap)".
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
    size_t passed = 0, failed = 0, skipped = 0, not_reached = 0;
};
Totals totals(const std::vector<FileResult>& results);

// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_string(const std::string& s);

void print_table(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                 bool kernel);
void print_json(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                bool kernel);

}  // namespace slotcheck::cli
