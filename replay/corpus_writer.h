// Writing a minimized finding into a regression corpus directory
// (`slotcheck minimize --into DIR`): the sequence with the model's expected
// outcomes, a header that says what was found where, and a file name that
// depends only on the failure and the steps, so minimizing the same finding
// again names the same file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "seq/sequence.h"

namespace slotcheck::cli {

// What a finding's header records.
struct FindingHeader {
    std::string signature;  // failure_signature(), or a name for the external oracle's failures
    std::string oracle;     // "kernel 7.3.4+deb13-amd64", "reference model (mutant gmem.punch)", ...
    std::string profile;    // the profile the failure was judged under
    std::string rule;       // the model's deciding rule at the divergence, "" when none
    std::string oracle_outcome, model_outcome;  // at the diverging step, "" when not an outcome divergence
    std::string detail;     // the divergence's one-line summary
    std::string same;       // how much of the failure was kept: any, op, rule
    size_t original_length = 0;
    bool one_minimal = true;
    bool cut_short = false;  // a signal stopped the search (one_minimal is then false)
    // The diverging step, when the oracle's outcome there is recorded as a
    // known kernel deviation (`!kernel: OUTCOME`).
    std::optional<size_t> deviation_step;
};

// The profile corpus files' main expectations are written for; newer
// kernels' differences become variant alternatives (as `slotcheck annotate`).
inline constexpr const char* kCorpusBaseProfile = "linux-6.18";
// The profiles whose expectations corpus files must meet (tests/unit_corpus_test.cpp).
const std::vector<std::string>& corpus_profiles();

// A failure signature as a file-name word: "outcome-region-create-at-region".
std::string finding_slug(const std::string& signature);

// "outcome-region-create-at-region-5f3a09c2.seq": the signature's words and
// a hash of the printed operations (not the header, not the expectations).
std::string finding_file_name(const Sequence& minimized, const std::string& signature);

// The file's contents: `finding_header()` as header comments, and the
// model's expectations under `kCorpusBaseProfile` (plus the recorded
// deviation at `finding.deviation_step`, whose outcome is `deviation`).
Sequence finding_sequence(const Sequence& minimized, const FindingHeader& finding, const std::optional<Outcome>& deviation);
// `expectations_profile` names the profile the file's expectations are the model's under.
std::vector<std::string> finding_header(const FindingHeader& finding, size_t length, const std::string& expectations_profile);

struct CorpusEntry {
    std::string path;
    bool already_recorded = false;  // a file of that name exists and was left as it is
    std::vector<std::string> problems;  // where its expectations fail under a corpus profile
};
// Writes the finding into `dir` (created if missing). An existing file of
// the same name already records the finding and is kept unchanged.
// nullopt with `error` set when the file cannot be written.
std::optional<CorpusEntry> write_finding(const std::string& dir, const Sequence& minimized, const FindingHeader& finding,
                                         const std::optional<Outcome>& deviation, std::string& error);

}  // namespace slotcheck::cli
