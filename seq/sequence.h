// A sequence: the one thing slotcheck generates, proves about, replays,
// minimizes, stores in corpus/ and turns into C. See docs/sequence-format.md.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seq/ops.h"
#include "seq/outcome.h"
#include "seq/rules.h"

namespace slotcheck {

inline constexpr int kSequenceFormatVersion = 1;

// The outcome a file expects for a step. Kernels differ in a few named ways
// (profile variants, model/profile.h); where the expected outcome depends on
// one, the file lists the alternative: `=> EINVAL | binding-overlap-eexist: EEXIST`
// reads "EINVAL, but EEXIST under a profile with variant binding-overlap-eexist".
// Each outcome may name the rule that decides it (`=> EINVAL [region.gpa-wrap]`):
// under a profile that reads that outcome, model-only replay checks that
// this rule decided the step (docs/sequence-format.md "Naming the rule").
struct Expectation {
    Outcome outcome;
    struct Alternative {
        std::string variant;
        Outcome outcome;
        std::optional<RuleId> rule;  // the rule that decides `outcome` where `variant` is on
        friend bool operator==(const Alternative&, const Alternative&) = default;
    };
    std::vector<Alternative> alternatives;
    // A recorded kernel deviation, `=> EINVAL !kernel: EEXIST`: the outcome a
    // kernel gave where it is known to differ from the model (a kernel bug,
    // or a difference by design). Replay against a kernel checks that the
    // kernel still answers exactly this; the model side is unaffected.
    std::optional<Outcome> kernel_deviation;
    std::optional<RuleId> rule;  // the rule that decides `outcome` (no alternative's variant on)
    friend bool operator==(const Expectation&, const Expectation&) = default;
};

struct Step {
    Op op;
    std::optional<Expectation> expect;
    std::string comment;                        // trailing "# ..." text
    std::vector<std::string> leading_comments;  // whole-line comments just before the step
    int line = 0;  // 1-based source line, 0 for generated steps
    // `point` before the operation: this step's outcome is what the file
    // tests (replay/point.h; docs/sequence-format.md "The point of a file").
    bool point = false;
    friend bool operator==(const Step& a, const Step& b) {
        return a.op == b.op && a.expect == b.expect && a.comment == b.comment &&
               a.leading_comments == b.leading_comments && a.point == b.point;
    }
};

struct Sequence {
    // Comment lines before the first step: where a file says what it tests,
    // and where minimized findings record their provenance.
    std::vector<std::string> header_comments;
    std::vector<Step> steps;
    friend bool operator==(const Sequence& a, const Sequence& b) {
        return a.header_comments == b.header_comments && a.steps == b.steps;
    }
};

// A parse or validation error with its place in the source.
struct SourceError {
    std::string file;
    int line = 0;
    int column = 0;
    std::string message;
    std::string to_string() const;  // "file:line:col: message"
};

// Text form. print() and parse() round-trip exactly for every sequence that
// parse() accepts and for every sequence the generators make.
std::string print(const Sequence& seq);
std::string print_op(const Op& op);
// What follows "=> ": "EINVAL [region.gpa-wrap] | variant: EEXIST !kernel: ok".
std::string print_expectation(const Expectation& e);
std::string print_handle(const Handle& h);

struct ParseResult {
    std::optional<Sequence> sequence;
    std::optional<SourceError> error;
};
ParseResult parse(const std::string& text, const std::string& file_name = "<input>");
ParseResult parse(std::istream& in, const std::string& file_name);
ParseResult parse_file(const std::string& path);

// Handle discipline: every handle is created once before use, and kinds fit
// the operation. Returns the first violation. Parsed and generated
// sequences both go through this, so later layers can rely on it.
std::optional<SourceError> validate_handles(const Sequence& seq, const std::string& file_name);

// The same check one step at a time (what validate_handles() and the reader
// of a file run): it holds what the steps so far created, in memory bounded
// by the handle numbers a file can name, not by its length.
class HandleValidator {
public:
    HandleValidator();
    ~HandleValidator();
    HandleValidator(HandleValidator&&) noexcept;
    HandleValidator& operator=(HandleValidator&&) noexcept;
    // The problem with the next step, if any.
    std::optional<std::string> check(const Step& step);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace slotcheck
