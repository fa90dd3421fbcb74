#include "replay/judging_child.h"

#include "sys/record.h"

#include <stdexcept>

namespace slotcheck {
namespace {

// A request is a record (sys/record.h): the replay switches, the steps'
// source lines (a divergence names the line of the caller's file, which the
// printed text does not keep), then the sequence in its text form.
std::string encode_request(const Sequence& seq, const JudgeOptions& options) {
    record::Writer w;
    w.flag("expectations", options.check_expectations)
        .flag("invariants", options.check_invariants)
        .text("mutant", options.mutant ? rule(*options.mutant).name : "");
    for (const auto& step : seq.steps) w.i64("line", step.line);
    w.text("sequence", print(seq));
    return w.str();
}

// Runs a request on a fresh kernel with `options` (the child's copy).
std::string serve_request(const std::string& request, JudgeOptions options) {
    std::string error;
    const auto r = record::Reader::parse(request, error);
    if (!r) throw std::runtime_error("judging child: bad request: " + error);
    try {
        ParseResult parsed = parse(r->text("sequence"), "<judging request>");
        if (!parsed.sequence) throw std::runtime_error("judging child: " + parsed.error->to_string());
        Sequence seq = std::move(*parsed.sequence);
        const auto lines = r->all("line");
        if (lines.size() != seq.steps.size()) throw std::runtime_error("judging child: the lines do not match the steps");
        for (size_t i = 0; i < lines.size(); ++i) seq.steps[i].line = std::stoi(std::string(lines[i]));
        options.check_expectations = r->flag("expectations");
        options.check_invariants = r->flag("invariants");
        const std::string& mutant = r->text("mutant");
        options.mutant = mutant.empty() ? std::nullopt : rule_by_name(mutant);
        if (!mutant.empty() && !options.mutant) throw std::runtime_error("judging child: no rule " + mutant);
        return kernel_run_report(SequenceSteps(seq), options, FileJudging{});
    } catch (const record::BadField& bad) {
        throw std::runtime_error("judging child: bad request: " + bad.what);
    }
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
