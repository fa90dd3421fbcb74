#include "model/baselines.h"

#include <fnmatch.h>

#include <sstream>
#include <stdexcept>

#include "model/profile.h"

namespace slotcheck {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

std::optional<std::vector<BaselineEntry>> parse_baselines(std::string_view text, const std::string& name,
                                                          std::string& error) {
    std::vector<BaselineEntry> entries;
    std::istringstream in{std::string(text)};
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        const std::string place = name + ":" + std::to_string(line_no);
        auto fail = [&](const std::string& why) {
            error = place + ": " + why;
            return std::nullopt;
        };
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        const auto arrow = line.find("->");
        const auto semi = line.find(';');
        if (arrow == std::string::npos || semi == std::string::npos || semi < arrow)
            return fail("expected 'RELEASE-PATTERN -> VARIANT=on|off ... ; EVIDENCE'");
        BaselineEntry e;
        e.place = place;
        e.pattern = trim(line.substr(0, arrow));
        e.evidence = trim(line.substr(semi + 1));
        if (e.pattern.empty()) return fail("the release pattern is empty");
        if (e.evidence.empty()) return fail("an entry names its evidence after ';'");
        std::istringstream words(line.substr(arrow + 2, semi - arrow - 2));
        for (std::string word; words >> word;) {
            const auto eq = word.find('=');
            const std::string variant = word.substr(0, eq), value = eq == std::string::npos ? "" : word.substr(eq + 1);
            if (!find_variant(variant)) return fail("unknown variant '" + variant + "'");
            if (value != "on" && value != "off") return fail("'" + word + "' is not VARIANT=on|off");
            e.variants.push_back({variant, value == "on"});
        }
        if (e.variants.empty()) return fail("an entry names at least one VARIANT=on|off");
        entries.push_back(std::move(e));
    }
    return entries;
}

const std::vector<BaselineEntry>& shipped_baselines() {
    static const std::vector<BaselineEntry> entries = [] {
        std::string error;
        auto parsed = parse_baselines(shipped_baselines_text(), "model/baselines.txt", error);
        if (!parsed) throw std::logic_error(error);
        return *parsed;
    }();
    return entries;
}

std::vector<BaselineEntry> baselines_for(const std::vector<BaselineEntry>& entries, const std::string& release) {
    std::vector<BaselineEntry> out;
    for (const auto& e : entries)
        if (fnmatch(e.pattern.c_str(), release.c_str(), 0) == 0) out.push_back(e);
    return out;
}

}  // namespace slotcheck
