// The steps of a sequence, read from the first one as often as asked and one
// at a time: a Sequence in memory, or a file read again on each pass
// (seq/sequence_reader.h). What runs, checks or summarizes a sequence
// through this holds one step (or one stretch of steps) at a time, so a file
// of any length fits in bounded memory (docs/performance.md).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>

#include "seq/sequence.h"

namespace slotcheck {

class StepSource {
public:
    // One pass from the first step: next() gives the next step, or nullptr
    // at the end (or where a file can no longer be read; the source says why).
    class Pass {
    public:
        virtual ~Pass() = default;
        virtual const Step* next() = 0;
    };
    virtual ~StepSource() = default;
    virtual std::unique_ptr<Pass> pass() const = 0;
    // Why a pass ended early (a file that could not be read), if one did.
    virtual std::optional<SourceError> error() const { return std::nullopt; }
};

// The steps of a sequence in memory; `seq` must outlive it.
class SequenceSteps final : public StepSource {
public:
    explicit SequenceSteps(const Sequence& seq) : seq_(seq) {}
    std::unique_ptr<Pass> pass() const override;

private:
    const Sequence& seq_;
};

// Calls visit(index, step) for the steps from the first until it returns
// false or the steps end.
void each_step(const StepSource& steps, const std::function<bool(size_t, const Step&)>& visit);

}  // namespace slotcheck
