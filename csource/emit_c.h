// C reproducers: one self-contained C program (libc only) per sequence, that
// performs the steps with raw syscalls exactly as the harness does, checks
// every outcome against what slotcheck expects, and reports in kselftest
// TAP style. docs/minimizing.md, "C reproducers", shows how to use one.
//
// What each step must give: the file's expected outcome resolved under the
// profile (or the kernel deviation the file records), else the model's
// outcome. A kernel without a feature those outcomes need skips the whole
// program (kselftest `ok N # SKIP needs ...`, exit 4). A `check` becomes one TAP test per page of the model's
// observation plan, with the digest or failure the model predicts.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "model/profile.h"
#include "replay/features.h"
#include "seq/sequence.h"

namespace slotcheck {

struct EmitCSource {
    std::string name;  // the sequence file's name as given, for the header comment
    std::string text;  // its text, quoted in the header comment
};

struct EmitCResult {
    std::string program;  // the C source
    size_t tests = 0;     // the TAP plan: one test per step, one per observed page of a check
    // Steps whose written expectation differs from the model's outcome under
    // the profile: the program checks the file's outcome, replay would
    // report an expectation divergence there.
    std::vector<std::string> notes;
    // What the checked outcomes need of a kernel (required_features()): the
    // program asks the kernel for each before its first step and, where one
    // is missing, reports every test as a kselftest skip and exits 4.
    std::vector<Feature> needs;
};

EmitCResult emit_c(const Sequence& seq, const Profile& profile, const EmitCSource& source);

}  // namespace slotcheck
