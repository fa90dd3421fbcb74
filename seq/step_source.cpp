#include "seq/step_source.h"

namespace slotcheck {

namespace {

class SequencePass final : public StepSource::Pass {
public:
    explicit SequencePass(const Sequence& seq) : seq_(seq) {}
    const Step* next() override { return next_ < seq_.steps.size() ? &seq_.steps[next_++] : nullptr; }

private:
    const Sequence& seq_;
    size_t next_ = 0;
};

}  // namespace

std::unique_ptr<StepSource::Pass> SequenceSteps::pass() const { return std::make_unique<SequencePass>(seq_); }

void each_step(const StepSource& steps, const std::function<bool(size_t, const Step&)>& visit) {
    auto pass = steps.pass();
    size_t i = 0;
    for (const Step* s = pass->next(); s && visit(i, *s); s = pass->next()) ++i;
}

}  // namespace slotcheck
