// The pipe between a fuzz worker and the campaign parent: typed frames
// ("S 123\n" + 123 bytes) carrying statistics, coverage and findings as
// text, so a worker that dies mid-write leaves a truncated frame the parent
// can recognise rather than a corrupted struct.
#pragma once

#include <optional>
#include <string>

#include "fuzz/campaign.h"

namespace slotcheck::fuzz::wire {

// Activity: what the worker is busy with beyond judging fresh sequences
// (re-running, shrinking), for the progress line; "" when back to that.
enum class FrameType : char { Stats = 'S', Finding = 'F', Error = 'E', Activity = 'A' };

struct Frame {
    FrameType type;
    std::string payload;
};

// Writes one frame; false when the pipe is gone.
bool write_frame(int fd, FrameType type, const std::string& payload);
// Takes the first complete frame off the front of `buffer`, if there is one.
std::optional<Frame> take_frame(std::string& buffer, std::string& error);

std::string encode_stats(const Stats& stats, const RuleCoverage& coverage);
bool decode_stats(const std::string& payload, Stats& stats, RuleCoverage& coverage);

std::string encode_finding(const Finding& f);
std::optional<Finding> decode_finding(const std::string& payload, std::string& error);

}  // namespace slotcheck::fuzz::wire
