// `slotcheck minimize --oracle CMD`: an external command judges each
// candidate. The candidate is written to a temporary file whose path is the
// command's last argument; exit status 0 means "still fails". This is how a
// failure only a script can see (a kernel crash inside a VM, a warning in
// dmesg) gets minimized.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "seq/sequence.h"

namespace slotcheck::cli {

// The candidate could not be written (a full /tmp): no judgement is possible,
// and a command run on a truncated file could call it failing.
struct CandidateNotWritten {
    std::string reason;
};

class ExternalOracle {
public:
    // `command` runs through /bin/sh, so it may carry its own arguments.
    // A command that outlives `limit` is killed with its process group and
    // counts as "does not fail".
    ExternalOracle(std::string command, std::optional<std::chrono::milliseconds> limit)
        : command_(std::move(command)), limit_(limit) {}

    // `show_output`: let the command's stdout and stderr through (for the
    // first run, so a broken script explains itself); otherwise discarded.
    // Throws CandidateNotWritten when the candidate file cannot be written.
    bool still_fails(const Sequence& seq, bool show_output = false) const;

    const std::string& command() const { return command_; }

private:
    std::string command_;
    std::optional<std::chrono::milliseconds> limit_;
};

}  // namespace slotcheck::cli
