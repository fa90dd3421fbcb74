// The result of replaying one sequence file (the judge's verdict on it), as
// a table row or as JSON.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "replay/verdict.h"

namespace slotcheck::cli {

struct FileResult {
    std::string file;
    Verdict verdict;  // the judge's (replay/sequence_oracle.h), or Skipped before it ran
    bool skipped() const { return verdict.status == Verdict::Status::Skipped; }
    bool not_reached() const { return verdict.status == Verdict::Status::NotReached; }
    bool flaky() const { return verdict.status == Verdict::Status::Flaky; }
    // Anything but agree, skip, not-reached or flaky fails the run. A file
    // that did not reach its point is never a pass either: it is counted
    // apart, as a flaky one is.
    bool diverged() const { return verdict.failed(); }
    // The verdict as the table shows it: "skip (needs gmem-mmap)",
    // "diverge (reproduced 3/3)".
    std::string verdict_text() const;
};

// One line of what a file's verdict found, as the table and the JSON list
// them: the divergence, how a run ended, why the point was not reached,
// the recorded kernel deviations met on the way.
struct ReportedFinding {
    std::string kind, op, model, rule, other, summary;
    size_t step = 0;
    int line = 0;
};
std::vector<ReportedFinding> reported_findings(const Verdict& v);

// A file that did not run because the kernel lacks what it needs.
FileResult skipped_for(const std::string& file, const std::vector<std::string>& needs);

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
