// Reading /proc/meminfo: what the kernel says of its memory (MemAvailable
// for the default kernel memory budget, VmallocUsed for watching a campaign).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace slotcheck {

// The field of /proc/meminfo named `field` ("MemAvailable", "VmallocUsed")
// in bytes; nothing when it cannot be read.
std::optional<uint64_t> meminfo_bytes(std::string_view field);

}  // namespace slotcheck
