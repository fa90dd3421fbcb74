// Baselines: the deviations accepted for known kernel builds, one entry per
// build (model/baselines.txt, built into the binary; the format is described
// there and in docs/model.md). A kernel build that ships other code than its
// release (Debian's 6.12.118 with 7.3's binding code, F5) is described here,
// explicitly, instead of being inferred from what the kernel answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slotcheck {

struct BaselineEntry {
    std::string pattern;  // fnmatch glob on the release
    std::vector<std::pair<std::string, bool>> variants;
    std::string evidence;
    std::string place;  // "model/baselines.txt:17"
};

// Parses baseline text; nullopt with `error` ("NAME:LINE: message") on a
// malformed line or an unknown variant.
std::optional<std::vector<BaselineEntry>> parse_baselines(std::string_view text, const std::string& name,
                                                          std::string& error);

// model/baselines.txt as built into the binary (generated source).
std::string_view shipped_baselines_text();
// Its entries (a unit test holds the file to parse).
const std::vector<BaselineEntry>& shipped_baselines();

// The entries whose pattern matches `release`.
std::vector<BaselineEntry> baselines_for(const std::vector<BaselineEntry>& entries, const std::string& release);

}  // namespace slotcheck
