// SIGINT and SIGTERM as a request to stop, for the commands that run long
// (fuzz, vm, replay of many files, minimize). The handler only records the
// signal; the command polls it at its next safe point (between files, between
// candidates, in its watch loop), stops its children, prints the summary of
// what ran, writes its outputs and exits 128 + the signal (130 / 143), as a
// shell reports a command a signal ended.
#pragma once

#include <csignal>

namespace slotcheck::cli {

class StopOnSignal {
public:
    // Installs the handlers for SIGINT and SIGTERM (restarting interrupted
    // system calls, so a write under way is not cut); the destructor puts the
    // previous ones back.
    StopOnSignal();
    ~StopOnSignal();
    StopOnSignal(const StopOnSignal&) = delete;
    StopOnSignal& operator=(const StopOnSignal&) = delete;

    // The flag the handler sets to the signal's number (0: none yet), for
    // code that polls it without knowing this class
    // (fuzz::CampaignOptions::stop_requested, vm::VmSpec::stop_requested).
    static const volatile std::sig_atomic_t* flag();

    bool requested() const { return *flag() != 0; }
    // 128 + the signal that asked to stop; 0 when none did.
    int exit_code() const { return requested() ? 128 + *flag() : 0; }

private:
    struct sigaction previous_int_ {}, previous_term_ {};
};

}  // namespace slotcheck::cli
