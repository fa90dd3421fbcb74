#include "sys/frames.h"

#include <unistd.h>

#include <cerrno>

#include "sys/number_text.h"

namespace slotcheck::frames {

std::string encode(char type, std::string_view payload) {
    std::string data(1, type);
    data += ' ';
    data += std::to_string(payload.size());
    data += '\n';
    data += payload;
    return data;
}

bool write_frame(int fd, char type, std::string_view payload) {
    const std::string data = encode(type, payload);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

std::optional<Frame> take_frame(std::string& buffer, std::string_view allowed_types, std::string& error) {
    auto newline = buffer.find('\n');
    if (newline == std::string::npos) return std::nullopt;
    const std::string head = buffer.substr(0, newline);
    if (head.size() < 3 || head[1] != ' ' || allowed_types.find(head[0]) == std::string_view::npos) {
        error = "bad frame header '" + head.substr(0, 40) + "'";
        buffer.clear();
        return std::nullopt;
    }
    const auto length_value = parse_u64(head.substr(2));
    if (!length_value) {
        error = "bad frame length '" + head.substr(0, 40) + "'";
        buffer.clear();
        return std::nullopt;
    }
    const size_t length = *length_value;
    if (buffer.size() - (newline + 1) < length) return std::nullopt;
    Frame f{head[0], buffer.substr(newline + 1, length)};
    buffer.erase(0, newline + 1 + length);
    return f;
}

}  // namespace slotcheck::frames
