// Length-prefixed text frames: a type letter, a space, the payload's length
// in decimal, a newline, then the payload ("S 123\n" + 123 bytes). A fuzz
// worker talks to its campaign parent this way, and a run inside a VM under
// test talks to the host over a serial line. A writer that dies mid-frame
// leaves a truncated frame the reader recognises, never a corrupted record.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slotcheck::frames {

struct Frame {
    char type = 0;
    std::string payload;
};

std::string encode(char type, std::string_view payload);

// Writes one frame with as few write() calls as the fd allows (one for a
// pipe or tty, so concurrent writers do not interleave); false when the
// other end is gone.
bool write_frame(int fd, char type, std::string_view payload);

// Takes the first complete frame off the front of `buffer`, if there is one.
// A header whose type is not in `allowed_types` or whose length is not a
// number sets `error` and clears the buffer (the stream has lost its
// framing; nothing after it can be trusted).
std::optional<Frame> take_frame(std::string& buffer, std::string_view allowed_types, std::string& error);

}  // namespace slotcheck::frames
