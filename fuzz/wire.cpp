#include "fuzz/wire.h"

#include <sstream>

#include "seq/text_scan.h"
#include "sys/frames.h"
#include "sys/record.h"

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

// A finding is a record: its sequences' text, its provenance and shrinking,
// and the verdict's own record.
std::string encode_finding(const Finding& f) {
    record::Writer w;
    w.u64("index", f.index)
        .u64("seed", f.sequence_seed)
        .text("signature", f.signature)
        .real("found_after", f.found_after_s)
        .u64("shrink_candidates", f.shrink_candidates)
        .real("shrink_s", f.shrink_s)
        .flag("shrink_cut_short", f.shrink_cut_short)
        .text("verdict", encode(f.verdict))
        .text("original", print(f.original))
        .text("shrunk", print(f.shrunk));
    return w.str();
}

std::optional<Finding> decode_finding(const std::string& payload, std::string& error) {
    auto r = record::Reader::parse(payload, error);
    if (!r) return std::nullopt;
    Finding f;
    try {
        f.index = r->u64("index");
        f.sequence_seed = r->u64("seed");
        f.signature = r->text("signature");
        f.found_after_s = r->real("found_after");
        f.shrink_candidates = r->u64("shrink_candidates");
        f.shrink_s = r->real("shrink_s");
        f.shrink_cut_short = r->flag("shrink_cut_short");
        auto verdict = decode_verdict(r->text("verdict"), error);
        if (!verdict) {
            error = "finding verdict: " + error;
            return std::nullopt;
        }
        f.verdict = std::move(*verdict);
        for (auto [key, target] : {std::pair{"original", &f.original}, std::pair{"shrunk", &f.shrunk}}) {
            auto parsed = parse(r->text(key), std::string("<finding ") + key + ">");
            if (!parsed.sequence) {
                error = parsed.error->to_string();
                return std::nullopt;
            }
            *target = std::move(*parsed.sequence);
        }
    } catch (const record::BadField& bad) {
        error = "finding " + bad.what;
        return std::nullopt;
    }
    return f;
}

}  // namespace slotcheck::fuzz::wire
