#include "harness/event_log.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/frames.h"

namespace slotcheck {

std::optional<KmsgMarker> parse_kmsg_marker(std::string_view line) {
    auto at = line.find(kKmsgMarker);
    if (at == std::string_view::npos) return std::nullopt;
    line.remove_prefix(at + kKmsgMarker.size());
    auto space = line.find(' ');
    if (space == std::string_view::npos || space == 0) return std::nullopt;
    KmsgMarker m;
    m.id = std::string(line.substr(0, space));
    line.remove_prefix(space + 1);
    auto word_end = line.find(' ');
    std::string_view word = line.substr(0, word_end);
    if (word != "begin" && word != "end") return std::nullopt;
    m.begin = word == "begin";
    if (word_end != std::string_view::npos) m.rest = std::string(line.substr(word_end + 1));
    return m;
}

std::unique_ptr<EventLog> EventLog::open(const std::string& path, std::string& error, const std::string& kmsg_path) {
    UniqueFd channel(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644));
    if (!channel) {
        error = "cannot open event channel " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    const bool tty = isatty(channel.get());
    if (tty) {
        termios t{};
        if (tcgetattr(channel.get(), &t) == 0) {
            cfmakeraw(&t);
            cfsetospeed(&t, B115200);
            tcsetattr(channel.get(), TCSANOW, &t);
        }
    }
    // Without /dev/kmsg (a test on the host as a user) the channel alone
    // still carries every event; only the ordering against kernel reports
    // is lost.
    UniqueFd kmsg(::open(kmsg_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    return std::unique_ptr<EventLog>(new EventLog(std::move(channel), std::move(kmsg), tty));
}

bool EventLog::write(char type, std::string_view payload) {
    return frames::write_frame(channel_.get(), type, payload);
}

void EventLog::kmsg_line(std::string_view text) {
    if (!kmsg_) return;
    // One write is one kernel log record; no prefix means the default
    // level (warning), which the console prints at loglevel >= 5.
    std::string record = text.empty() ? std::string(" ") : std::string(text);  // an empty record is EINVAL
    while (::write(kmsg_.get(), record.data(), record.size()) < 0 && errno == EINTR) {
    }
}

std::string EventLog::begin_sequence(std::string_view label, const Sequence& seq) {
    std::string id = std::to_string(getpid()) + "." + std::to_string(next_++);
    std::string payload = id + " " + std::string(label) + "\n" + print(seq);
    write(event::kBegin, payload);
    if (is_tty_) tcdrain(channel_.get());
    std::string marker(kKmsgMarker);
    kmsg_line(marker + id + " begin " + std::string(label));
    if (!injection_label_.empty() && label.find(injection_label_) != std::string_view::npos)
        for (const auto& l : injection_lines_) kmsg_line(l);
    return id;
}

void EventLog::end_sequence(const std::string& id, std::string_view status, std::string_view detail) {
    std::string marker(kKmsgMarker);
    kmsg_line(marker + id + " end " + std::string(status));
    std::string payload = id + " " + std::string(status);
    if (!detail.empty()) payload += "\n" + std::string(detail);
    write(event::kEnd, payload);
}

void EventLog::inject_into_kernel_log(std::string label_part, std::vector<std::string> lines) {
    injection_label_ = std::move(label_part);
    injection_lines_ = std::move(lines);
}

}  // namespace slotcheck
