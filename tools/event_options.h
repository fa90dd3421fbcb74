// --events PATH (and the test-only --inject-kmsg FILE@LABEL or FILE@+K:TEXT,
// harness/kmsg_injection.h), shared by the
// commands that run inside a VM under test: probe, replay, fuzz.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "harness/event_log.h"
#include "tools/profile_options.h"

namespace slotcheck::cli {

struct EventChoice {
    std::optional<std::string> path;    // --events
    std::optional<std::string> inject;  // --inject-kmsg FILE@LABEL or FILE@+K:TEXT
};

// The usage lines of these options, for the commands' usage literals.
#define SLOTCHECK_EVENT_OPTIONS_USAGE                                                                  \
    "  --events PATH        log every sequence before it runs, how it ended, and the results as framed\n" \
    "                       events to PATH, with a marker line per sequence in the kernel log\n"         \
    "                       (what `slotcheck vm` reads from a VM's second serial port)\n"

OptionTaken take_event_option(const char* command, int argc, char** argv, int& i, EventChoice& choice);

// Opens the log when --events was given: nullptr with an empty `error`
// when it was not, nullptr with `error` set when it cannot be opened.
std::unique_ptr<EventLog> open_event_log(const EventChoice& choice, std::string& error);

// Sends every regular file of `dir` as a file event named DIRNAME/FILE.
void send_directory(EventLog& events, const std::string& dir);

}  // namespace slotcheck::cli
