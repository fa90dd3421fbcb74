#include "replay/point.h"

#include <algorithm>

namespace slotcheck {

namespace {

bool success(const Outcome& o) { return o.kind == Outcome::Kind::Ok || o.kind == Outcome::Kind::Value; }

std::string step_words(size_t i, int line, const Op& op) {
    std::string s = "step " + std::to_string(i + 1);
    if (line) s += " (line " + std::to_string(line) + ")";
    return s + " " + print_op(op);
}

}  // namespace

void PointFinder::add(size_t index, const Step& step) {
    if (step.point) marked_ = Last{index, step.line, step.op};
    else if (step.expect && !marked_) expected_ = Last{index, step.line, step.op};
}

std::optional<PointFinder::Last> last_point_step(const Sequence& seq) {
    PointFinder finder;
    for (size_t i = 0; i < seq.steps.size(); ++i) finder.add(i, seq.steps[i]);
    return finder.last();
}

void PointWatch::see(const Step& step, const StepRecord& rec) {
    if (!last_ || rec.index >= last_->index || !blocked_.reached) return;
    if (step.point || !step.expect) return;
    const Outcome wanted = expected_outcome(*step.expect, profile_);
    const Outcome& got = rec.kernel ? *rec.kernel : rec.model;
    if (!success(wanted) || success(got)) return;
    blocked_.reached = false;
    blocked_.blocked_at = rec.index;
    blocked_.blocked_line = step.line;
    blocked_.why = step_words(rec.index, step.line, step.op) + " gave " + to_string(got) + ", the file expects " +
                   to_string(wanted);
}

PointReach PointWatch::reach(size_t steps_run) const {
    if (!last_ || !blocked_.reached) return blocked_;
    PointReach r;
    if (steps_run <= last_->index) {
        r.reached = false;
        r.blocked_at = steps_run;
        r.why = "the replay stopped before " + step_words(last_->index, last_->line, last_->op);
    }
    return r;
}

PointReach point_reach(const Sequence& seq, const Profile& profile, const ReplayReport& report) {
    PointWatch watch(profile, last_point_step(seq));
    for (const StepRecord& rec : report.steps) watch.see(seq.steps[rec.index], rec);
    return watch.reach(report.steps_run);
}

}  // namespace slotcheck
