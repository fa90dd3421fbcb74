#include "harness/kmsg_injection.h"

#include <charconv>

namespace slotcheck {

namespace {

constexpr unsigned kMostSequencesLater = 1000;

}  // namespace

std::optional<KmsgInjectionRule> parse_kmsg_injection(std::string_view spec, std::string& error) {
    const auto at = spec.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == spec.size()) {
        error = "takes FILE@LABEL or FILE@+K:TEXT";
        return std::nullopt;
    }
    KmsgInjectionRule rule;
    rule.file = std::string(spec.substr(0, at));
    const std::string_view what = spec.substr(at + 1);
    if (what.front() != '+') {
        rule.label_part = std::string(what);
        return rule;
    }
    const auto colon = what.find(':');
    const std::string_view count = what.substr(1, colon == std::string_view::npos ? std::string_view::npos : colon - 1);
    unsigned after = 0;
    const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), after);
    if (count.empty() || ec != std::errc() || end != count.data() + count.size() || after > kMostSequencesLater) {
        error = "FILE@+K:TEXT takes a number of sequences K in 0.." + std::to_string(kMostSequencesLater) + ", got '" +
                std::string(count) + "'";
        return std::nullopt;
    }
    if (colon == std::string_view::npos || colon + 1 == what.size()) {
        error = "FILE@+K:TEXT needs the TEXT of the causing operation after the ':'";
        return std::nullopt;
    }
    rule.caused = true;
    rule.after = after;
    rule.text_part = std::string(what.substr(colon + 1));
    return rule;
}

}  // namespace slotcheck
