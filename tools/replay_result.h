// The result of replaying one sequence file, in a form that crosses the pipe
// from the isolated child (serialize/deserialize) and prints as a table row
// or as JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "model/differ.h"

namespace slotcheck::cli {

struct FileResult {
    std::string file;
    std::string verdict;  // agree, diverge, crashed, timeout, error, skip
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
    // Anything but agree or skip fails the run.
    bool diverged() const { return verdict != "agree" && !skipped(); }
    // The verdict as the table shows it: "skip (needs gmem-mmap)".
    std::string verdict_text() const;
};

// A file that did not run because the kernel lacks what it needs.
FileResult skipped_for(const std::string& file, const std::vector<std::string>& needs);
FileResult from_report(const std::string& file, const ReplayReport& report, bool with_trace);
std::string serialize(const FileResult& r);
std::optional<FileResult> deserialize(const std::string& text);

// How many files passed (agree), failed (any other verdict) and were skipped.
struct Totals {
    size_t passed = 0, failed = 0, skipped = 0;
};
Totals totals(const std::vector<FileResult>& results);

// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_string(const std::string& s);

void print_table(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                 bool kernel);
void print_json(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                bool kernel);

}  // namespace slotcheck::cli
