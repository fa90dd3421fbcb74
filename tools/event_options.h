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

inline constexpr const char* kEventsHelp =
    "log every sequence before it runs, how it ended, and the results as framed\n"
    "events to PATH, with a marker line per sequence in the kernel log\n"
    "(what `slotcheck vm` reads from a VM's second serial port)";

struct EventChoice {
    std::optional<std::string> path;    // --events
    std::optional<std::string> inject;  // --inject-kmsg FILE@LABEL or FILE@+K:TEXT
};

// Declares --events PATH (described by `events_help`, which says what this
// command logs) and the hidden --inject-kmsg on `line`; a malformed
// --inject-kmsg is a mistake of the command line.
// What is wrong with an --inject-kmsg value ("--inject-kmsg takes ..."), or "".
std::string kmsg_injection_error(const std::string& value);

void add_event_options(CommandLine& line, EventChoice& choice, const std::string& events_help = kEventsHelp);

// Opens the log when --events was given: nullptr with an empty `error`
// when it was not, nullptr with `error` set when it cannot be opened.
std::unique_ptr<EventLog> open_event_log(const EventChoice& choice, std::string& error);

// Sends every regular file of `dir` as a file event named DIRNAME/FILE.
void send_directory(EventLog& events, const std::string& dir);

}  // namespace slotcheck::cli
