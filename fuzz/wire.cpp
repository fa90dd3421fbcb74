#include "fuzz/wire.h"

#include <map>
#include <sstream>

#include "harness/frames.h"
#include "seq/text_scan.h"

namespace slotcheck::fuzz::wire {

bool write_frame(int fd, FrameType type, const std::string& payload) {
    return frames::write_frame(fd, static_cast<char>(type), payload);
}

std::optional<Frame> take_frame(std::string& buffer, std::string& error) {
    auto f = frames::take_frame(buffer, "SFEA", error);
    if (!f) return std::nullopt;
    return Frame{static_cast<FrameType>(f->type), std::move(f->payload)};
}

std::string encode_stats(const Stats& s, const RuleCoverage& coverage) {
    std::ostringstream o;
    o.precision(17);
    o << s.sequences << " " << s.ops << " " << s.failures << " " << s.generate_s << " " << s.model_s << " "
      << s.judge_s << " " << s.oracle_ops_s << " " << s.oracle_observe_s << " " << s.slow << " " << s.flaky << "\n"
      << coverage.serialize();
    // A third line only when the campaign counts situations (--census).
    if (!s.census.empty()) o << "\n" << s.census.serialize();
    return o.str();
}

bool decode_stats(const std::string& payload, Stats& s, RuleCoverage& coverage) {
    std::istringstream in(payload);
    std::string first, rest, census;
    std::getline(in, first);
    std::getline(in, rest);
    if (std::getline(in, census) && !gen::Census::deserialize(census, s.census)) return false;
    std::istringstream f(first);
    if (!(f >> s.sequences >> s.ops >> s.failures >> s.generate_s >> s.model_s >> s.judge_s >> s.oracle_ops_s >>
          s.oracle_observe_s >> s.slow >> s.flaky))
        return false;
    return RuleCoverage::deserialize(rest, coverage);
}

// A finding is a list of "key length\n" + value + "\n" fields, so values may
// hold newlines (the sequences' text).
std::string encode_finding(const Finding& f) {
    std::ostringstream o;
    o.precision(17);
    auto field = [&](const std::string& key, const std::string& value) {
        o << key << " " << value.size() << "\n" << value << "\n";
    };
    auto number = [&](const std::string& key, auto v) {
        std::ostringstream n;
        n.precision(17);
        n << v;
        field(key, n.str());
    };
    number("index", f.index);
    number("seed", f.sequence_seed);
    field("status", f.status);
    field("signature", f.signature);
    field("detail", f.detail);
    number("found_after", f.found_after_s);
    number("shrink_candidates", f.shrink_candidates);
    number("shrink_s", f.shrink_s);
    number("shrink_cut_short", f.shrink_cut_short ? 1 : 0);
    number("runs", f.reproduction.runs);
    number("reproduced", f.reproduction.reproduced);
    field("original", print(f.original));
    field("shrunk", print(f.shrunk));
    return o.str();
}

std::optional<Finding> decode_finding(const std::string& payload, std::string& error) {
    std::map<std::string, std::string> fields;
    size_t pos = 0;
    while (pos < payload.size()) {
        auto newline = payload.find('\n', pos);
        auto space = payload.find(' ', pos);
        if (newline == std::string::npos || space == std::string::npos || space > newline) {
            error = "malformed finding field";
            return std::nullopt;
        }
        const std::string key = payload.substr(pos, space - pos);
        const auto length_value = parse_u64(payload.substr(space + 1, newline - space - 1));
        if (!length_value) {
            error = "bad length of finding field " + key;
            return std::nullopt;
        }
        const size_t length = *length_value;
        if (newline + 1 + length > payload.size()) {
            error = "truncated finding field " + key;
            return std::nullopt;
        }
        fields[key] = payload.substr(newline + 1, length);
        pos = newline + 1 + length + 1;
    }
    Finding f;
    try {
        f.index = std::stoull(fields.at("index"));
        f.sequence_seed = std::stoull(fields.at("seed"));
        f.status = fields.at("status");
        f.signature = fields.at("signature");
        f.detail = fields.at("detail");
        f.found_after_s = std::stod(fields.at("found_after"));
        f.shrink_candidates = std::stoull(fields.at("shrink_candidates"));
        f.shrink_s = std::stod(fields.at("shrink_s"));
        f.shrink_cut_short = fields.at("shrink_cut_short") == "1";
        f.reproduction.runs = static_cast<unsigned>(std::stoul(fields.at("runs")));
        f.reproduction.reproduced = static_cast<unsigned>(std::stoul(fields.at("reproduced")));
    } catch (const std::exception& e) {
        error = std::string("finding field missing or bad: ") + e.what();
        return std::nullopt;
    }
    for (auto [key, target] : {std::pair{"original", &f.original}, std::pair{"shrunk", &f.shrunk}}) {
        auto parsed = parse(fields[key], std::string("<finding ") + key + ">");
        if (!parsed.sequence) {
            error = parsed.error->to_string();
            return std::nullopt;
        }
        *target = std::move(*parsed.sequence);
    }
    return f;
}

}  // namespace slotcheck::fuzz::wire
