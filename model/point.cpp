#include "model/point.h"

#include <algorithm>

namespace slotcheck {

namespace {

bool success(const Outcome& o) { return o.kind == Outcome::Kind::Ok || o.kind == Outcome::Kind::Value; }

std::string step_words(size_t i, const Step& step) {
    std::string s = "step " + std::to_string(i + 1);
    if (step.line) s += " (line " + std::to_string(step.line) + ")";
    return s + " " + print_op(step.op);
}

}  // namespace

std::vector<size_t> point_steps(const Sequence& seq) {
    std::vector<size_t> marked;
    for (size_t i = 0; i < seq.steps.size(); ++i)
        if (seq.steps[i].point) marked.push_back(i);
    if (!marked.empty()) return marked;
    for (size_t i = seq.steps.size(); i-- > 0;)
        if (seq.steps[i].expect) return {i};
    return {};
}

PointReach point_reach(const Sequence& seq, const Profile& profile, const ReplayReport& report) {
    PointReach r;
    r.point = point_steps(seq);
    if (r.point.empty()) return r;
    const size_t last = r.point.back();
    for (size_t i = 0; i < last && i < report.steps.size(); ++i) {
        const Step& step = seq.steps[i];
        if (step.point || !step.expect) continue;
        const Outcome wanted = expected_outcome(*step.expect, profile);
        const StepRecord& rec = report.steps[i];
        const Outcome& got = rec.kernel ? *rec.kernel : rec.model;
        if (!success(wanted) || success(got)) continue;
        r.reached = false;
        r.blocked_at = i;
        r.why = step_words(i, step) + " gave " + to_string(got) + ", the file expects " + to_string(wanted);
        return r;
    }
    if (report.steps.size() <= last) {
        r.reached = false;
        r.blocked_at = report.steps.size();
        r.why = "the replay stopped before " + step_words(last, seq.steps[last]);
    }
    return r;
}

}  // namespace slotcheck
