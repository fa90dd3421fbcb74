// The result of replaying one sequence file, in a form that crosses the pipe
// from the isolated child (serialize/deserialize) and prints as a table row
// or as JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/sequence_oracle.h"
#include "model/differ.h"

namespace slotcheck::cli {

struct FileResult {
    std::string file;
    std::string verdict;  // agree, diverge, crashed, timeout, error; flaky (failed once, not in most runs)
    Reproduction reproduction;  // how often a failure showed (1/1: not re-run)
    size_t steps = 0;
    size_t observations = 0;
    struct Finding {
        std::string kind, op, model, rule, other, summary;
        size_t step = 0;
        int line = 0;
    };
    std::vector<Finding> findings;
    std::vector<std::string> trace;  // with --trace: one line per step
    bool flaky() const { return verdict == "flaky"; }
    bool diverged() const { return verdict != "agree" && !flaky(); }
};

FileResult from_report(const std::string& file, const ReplayReport& report, bool with_trace);
std::string serialize(const FileResult& r);
std::optional<FileResult> deserialize(const std::string& text);

// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_string(const std::string& s);

void print_table(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                 bool kernel);
void print_json(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                bool kernel);

}  // namespace slotcheck::cli
