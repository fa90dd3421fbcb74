// What `slotcheck fuzz` prints and writes: the progress line, the summary
// table (or JSON) and each finding's directory under --out.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "fuzz/campaign.h"

namespace slotcheck::cli {

struct FuzzHeader {
    uint64_t seed = 0;
    std::string profile, oracle, kernel_release, mutant;
    // The options a re-run needs to generate and judge a sequence exactly as
    // this campaign did (profile choice, oracle, mutant, --max-ops, time
    // limit, runs): every finding's `reproduce:` command carries them.
    std::string judge_options;
    unsigned jobs = 1;
    double seconds = 0;
    uint64_t sequence_memory_budget = 0;  // fuzz::sequence_memory_budget(): reproduces a sequence
    bool census = false;                  // --census: the summary carries the boundary census
};

// `slotcheck fuzz --seed S --only I` with the header's judge options: it
// judges the finding's sequence as the campaign did.
std::string reproduce_command(const FuzzHeader& h, const fuzz::Finding& f);

void print_progress(std::ostream& out, const fuzz::Progress& p);
void print_summary(std::ostream& out, const FuzzHeader& h, const fuzz::CampaignResult& r, bool coverage_table);
// The boundary census (--census): per situation, how many judged sequences'
// steps showed it, or why the profile rules it out.
void print_census(std::ostream& out, const gen::Census& census, const Profile& profile);
// The schema of print_summary_json's document (docs/output.md "fuzz").
inline constexpr std::string_view kFuzzSchema = "slotcheck.fuzz";
inline constexpr int kFuzzSchemaVersion = 1;
void print_summary_json(std::ostream& out, const FuzzHeader& h, const fuzz::CampaignResult& r,
                        const std::vector<std::string>& finding_dirs);

// Writes DIR/<signature-slug>-<seed>-<index>/{original.seq, minimized.seq,
// report.txt}; the minimized sequence carries the model's expected outcomes
// and a header naming the finding. Returns the directory, or "" with `error`.
std::string write_finding(const std::string& out_dir, const FuzzHeader& h, const fuzz::Finding& f,
                          const Profile& profile, std::string& error);

}  // namespace slotcheck::cli
