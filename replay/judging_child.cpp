#include "replay/judging_child.h"

#include <sstream>
#include <stdexcept>

namespace slotcheck {
namespace {

// A request: the replay switches, the steps' source lines (a divergence
// names the line of the caller's file, which the printed text does not
// keep), then the sequence in its text form.
std::string encode_request(const Sequence& seq, const JudgeOptions& options) {
    std::ostringstream o;
    o << "switches " << options.check_expectations << " " << options.check_invariants << " "
      << (options.mutant ? static_cast<int>(*options.mutant) : -1) << "\nlines";
    for (const auto& step : seq.steps) o << " " << step.line;
    o << "\n" << print(seq);
    return o.str();
}

// Runs a request on a fresh kernel with `options` (the child's copy).
std::string serve_request(const std::string& request, JudgeOptions options) {
    std::istringstream in(request);
    std::string word, lines_line;
    int expectations = 0, invariants = 0, mutant = -1;
    in >> word >> expectations >> invariants >> mutant;
    if (word != "switches") throw std::runtime_error("judging child: bad request header");
    in.ignore(1);
    std::getline(in, lines_line);
    std::string text(std::istreambuf_iterator<char>(in), {});
    ParseResult parsed = parse(text, "<judging request>");
    if (!parsed.sequence) throw std::runtime_error("judging child: " + parsed.error->to_string());
    Sequence seq = std::move(*parsed.sequence);
    std::istringstream lines(lines_line);
    lines >> word;
    for (auto& step : seq.steps) lines >> step.line;
    options.check_expectations = expectations != 0;
    options.check_invariants = invariants != 0;
    options.mutant = mutant < 0 ? std::nullopt : std::optional<RuleId>(static_cast<RuleId>(mutant));
    return kernel_run_report(seq, options);
}

}  // namespace

JudgingChild::JudgingChild(const JudgeOptions& options)
    : child_([options](const std::string& request) { return serve_request(request, options); }) {}

IsolatedResult JudgingChild::run(const Sequence& seq, const JudgeOptions& options, std::chrono::milliseconds limit) {
    return child_.call(encode_request(seq, options), limit);
}

std::shared_ptr<JudgingChild> make_judging_child(const JudgeOptions& options) {
    JudgeOptions fixed = options;
    fixed.judging_child.reset();  // the child's copy must not hold itself
    fixed.events = nullptr;       // logging is the parent's
    fixed.on_activity = nullptr;
    return std::make_shared<JudgingChild>(fixed);
}

}  // namespace slotcheck
