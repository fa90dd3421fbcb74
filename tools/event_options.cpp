#include "harness/kmsg_injection.h"
#include "sys/quoted.h"
#include "tools/command_line.h"
#include "tools/event_options.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

namespace slotcheck::cli {

std::string kmsg_injection_error(const std::string& value) {
    std::string error;
    return parse_kmsg_injection(value, error) ? "" : "--inject-kmsg " + error + ", got " + quote(value);
}

void add_event_options(CommandLine& line, EventChoice& choice, const std::string& events_help) {
    line.add_text("--events", choice.path, "PATH", events_help);
    // Test-only (tests/vm_command_test.cpp): not in the help.
    line.add_checked(
            "--inject-kmsg", kmsg_injection_error,
            [&choice](const std::string& v) { choice.inject = v; }, "")
        ->group("");
}

std::unique_ptr<EventLog> open_event_log(const EventChoice& choice, std::string& error) {
    error.clear();
    if (!choice.path) {
        if (choice.inject) error = "--inject-kmsg needs --events";
        return nullptr;
    }
    auto log = EventLog::open(*choice.path, error);
    if (!log || !choice.inject) return log;
    const auto rule = parse_kmsg_injection(*choice.inject, error);  // checked when the option was taken
    if (!rule) return nullptr;
    std::ifstream in(rule->file);
    if (!in) {
        error = "--inject-kmsg: cannot read " + rule->file;
        return nullptr;
    }
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    if (rule->caused) log->inject_after_cause(rule->text_part, rule->after, std::move(lines));
    else log->inject_into_kernel_log(rule->label_part, std::move(lines));
    return log;
}

void send_directory(EventLog& events, const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path base(dir);
    for (const auto& entry : fs::directory_iterator(base, ec)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        events.write(event::kFile, (base.filename() / entry.path().filename()).string() + "\n" + content.str());
    }
}

}  // namespace slotcheck::cli
