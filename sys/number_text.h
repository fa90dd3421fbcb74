// Numbers as slotcheck writes and reads them everywhere (sequence files,
// options, records between processes): hex with 0x, or decimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace slotcheck {

// "0x1f" or "31"; nullopt on anything else, including overflow past 2^64-1.
std::optional<uint64_t> parse_u64(const std::string& text);
std::string hex(uint64_t v);

}  // namespace slotcheck
