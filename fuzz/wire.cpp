#include "fuzz/wire.h"

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

// Statistics are a record too: the counts and times, the rule coverage's
// own line, and the census's only when the campaign counts situations
// (--census).
std::string encode_stats(const Stats& s, const RuleCoverage& coverage) {
    record::Writer w;
    w.u64("sequences", s.sequences)
        .u64("ops", s.ops)
        .u64("failures", s.failures)
        .real("generate_s", s.generate_s)
        .real("model_s", s.model_s)
        .real("judge_s", s.judge_s)
        .real("oracle_ops_s", s.oracle_ops_s)
        .real("oracle_observe_s", s.oracle_observe_s)
        .u64("slow", s.slow)
        .u64("flaky", s.flaky)
        .text("coverage", coverage.serialize());
    if (!s.census.empty()) w.text("census", s.census.serialize());
    return w.str();
}

bool decode_stats(const std::string& payload, Stats& s, RuleCoverage& coverage) {
    std::string error;
    const auto r = record::Reader::parse(payload, error);
    if (!r) return false;
    try {
        s.sequences = r->u64("sequences");
        s.ops = r->u64("ops");
        s.failures = r->u64("failures");
        s.generate_s = r->real("generate_s");
        s.model_s = r->real("model_s");
        s.judge_s = r->real("judge_s");
        s.oracle_ops_s = r->real("oracle_ops_s");
        s.oracle_observe_s = r->real("oracle_observe_s");
        s.slow = r->u64("slow");
        s.flaky = r->u64("flaky");
        if (const auto* census = r->find("census"); census && !gen::Census::deserialize(*census, s.census))
            return false;
        return RuleCoverage::deserialize(r->text("coverage"), coverage);
    } catch (const record::BadField&) {
        return false;
    }
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
