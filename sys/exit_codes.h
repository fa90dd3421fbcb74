// The exit codes every slotcheck command shares: one table, printed by
// `slotcheck --help` and documented in docs/output.md ("Exit codes").
#pragma once

#include <array>

namespace slotcheck {

inline constexpr int kExitOk = 0;          // ran, nothing found (agree, proved, input does not fail)
inline constexpr int kExitDivergence = 1;  // a divergence, finding or counterexample
inline constexpr int kExitBadInput = 2;    // bad input: options, files, unwritable output
inline constexpr int kExitNoEnvironment = 3;  // /dev/kvm, qemu, a kernel or a static binary missing
inline constexpr int kExitUnknown = 4;     // inconclusive: an UNKNOWN proof, a worker error, a VM without /dev/kvm
inline constexpr int kExitInterrupted = 130;  // stopped by SIGINT (128 + 2)
inline constexpr int kExitTerminated = 143;   // stopped by SIGTERM (128 + 15)

struct ExitCode {
    int code;
    const char* meaning;
};

inline constexpr std::array<ExitCode, 7> kExitCodes = {{
    {kExitOk, "ran; nothing found (agree, all proved, a minimize input that does not fail)"},
    {kExitDivergence, "a divergence, finding or counterexample (minimize: the input fails and was minimized)"},
    {kExitBadInput, "bad input (an option, a file, an unwritable output), before any work"},
    {kExitNoEnvironment, "environment missing (/dev/kvm, qemu, a kernel, the static binary)"},
    {kExitUnknown, "inconclusive (a proof UNKNOWN, a fuzz worker error, a VM without /dev/kvm)"},
    {kExitInterrupted, "stopped by SIGINT; what ran is reported"},
    {kExitTerminated, "stopped by SIGTERM; what ran is reported"},
}};

}  // namespace slotcheck
