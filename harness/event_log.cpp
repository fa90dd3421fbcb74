#include "harness/event_log.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "sys/frames.h"

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
    return begin(label, print(seq));
}

std::string EventLog::begin_file(const std::string& path) {
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec || size > kCarriedTextLimit)
        return begin(path, "slotcheck-sequence 1\n# " + std::filesystem::path(path).filename().string() + ": " +
                               (ec ? "unreadable" : std::to_string(size) + " bytes") +
                               ", over the 4 MiB a begin event carries; not reproduced from it\n");
    std::ifstream in(path, std::ios::binary);
    return begin(path, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

std::string EventLog::begin(std::string_view label, std::string_view text) {
    std::string id = std::to_string(getpid()) + "." + std::to_string(next_++);
    write(event::kBegin, id + " " + std::string(label) + "\n" + std::string(text));
    if (is_tty_) tcdrain(channel_.get());
    std::string marker(kKmsgMarker);
    kmsg_line(marker + id + " begin " + std::string(label));
    if (!injection_label_.empty() && label.find(injection_label_) != std::string_view::npos)
        for (const auto& l : injection_lines_) kmsg_line(l);
    if (!cause_text_.empty()) {
        if (sequences_until_report_) {
            if (--*sequences_until_report_ == 0) {
                sequences_until_report_.reset();
                for (const auto& l : injection_lines_) kmsg_line(l);
            }
        } else if (text.find(cause_text_) != std::string::npos) {
            if (cause_after_ == 0) {
                for (const auto& l : injection_lines_) kmsg_line(l);
            } else {
                sequences_until_report_ = cause_after_;
            }
        }
    }
    return id;
}

void EventLog::end_sequence(const std::string& id, std::string_view status, std::string_view verdict_record) {
    std::string marker(kKmsgMarker);
    kmsg_line(marker + id + " end " + std::string(status));
    std::string payload = id + " " + std::string(status);
    if (!verdict_record.empty()) payload += "\n" + std::string(verdict_record);
    write(event::kEnd, payload);
}

void EventLog::inject_into_kernel_log(std::string label_part, std::vector<std::string> lines) {
    injection_label_ = std::move(label_part);
    injection_lines_ = std::move(lines);
}

void EventLog::inject_after_cause(std::string text_part, unsigned after, std::vector<std::string> lines) {
    cause_text_ = std::move(text_part);
    cause_after_ = after;
    injection_lines_ = std::move(lines);
}

EventLog::~EventLog() {
    if (sequences_until_report_)
        for (const auto& l : injection_lines_) kmsg_line(l);
}

}  // namespace slotcheck
