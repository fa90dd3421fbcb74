#include "harness/deviation_runner.h"

#include "harness/isolation.h"
#include "harness/kvm_backend.h"

namespace slotcheck {

namespace {
constexpr const char* kOpenFailed = "open failed: ";
}

KernelAnswers run_on_kvm(const Sequence& seq, std::chrono::milliseconds limit) {
    // The answers travel back as the sequence with each step's outcome as
    // its expectation: the sequence language is the one text form there is.
    auto isolated = run_isolated(
        [&]() -> std::string {
            KvmBackend backend;
            if (!backend.open_error().empty()) return kOpenFailed + backend.open_error();
            const KernelAnswers answers = run_on(backend, seq);
            Sequence answered = seq;
            for (size_t i = 0; i < answered.steps.size(); ++i)
                answered.steps[i].expect = Expectation{answers.outcomes[i], {}, {}};
            return print(answered);
        },
        limit);
    KernelAnswers out;
    if (isolated.status != IsolatedResult::Status::Ok) {
        out.failure = "the probe's child " + isolated.describe();
        return out;
    }
    if (isolated.output.rfind(kOpenFailed, 0) == 0) {
        out.failure = isolated.output.substr(std::string(kOpenFailed).size());
        return out;
    }
    auto parsed = parse(isolated.output, "probe answers");
    if (!parsed.sequence) {
        out.failure = "unreadable answers from the probe's child: " + parsed.error->to_string();
        return out;
    }
    for (const auto& step : parsed.sequence->steps) {
        if (!step.expect) break;
        out.outcomes.push_back(step.expect->outcome);
    }
    return out;
}

}  // namespace slotcheck
