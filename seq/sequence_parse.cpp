// The parser of the sequence text form (docs/sequence-format.md). Every
// error names the file, line and column and says what was expected; no input
// makes it crash (tests/sequence_parse_fuzz_test.cpp).
#include <bit>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "seq/layout.h"
#include "seq/op_table.h"
#include "seq/sequence.h"
#include "seq/sequence_reader.h"
#include "seq/text_scan.h"
#include "sys/quoted.h"

namespace slotcheck {

namespace {

// Thrown inside the parser only, caught in parse(): errors travel as values
// beyond this file.
struct ParseFailure {
    int column;
    std::string message;
};

[[noreturn]] void fail(int column, std::string message) { throw ParseFailure{column, std::move(message)}; }

std::optional<Handle> parse_handle_text(const std::string& w) {
    if (w.size() < 2) return std::nullopt;
    Handle h;
    switch (w[0]) {
    case 'v': h.kind = HandleKind::Vm; break;
    case 'g': h.kind = HandleKind::Gmem; break;
    case 'f': h.kind = HandleKind::Memfd; break;
    case 'm': h.kind = HandleKind::Mapping; break;
    default: return std::nullopt;
    }
    for (size_t i = 1; i < w.size(); ++i)
        if (w[i] < '0' || w[i] > '9') return std::nullopt;
    if (w.size() > 7) return std::nullopt;  // at most 999999 handles of a kind
    h.index = static_cast<uint32_t>(std::stoul(w.substr(1)));
    return h;
}

// One op line's words after the keyword: positional words first, then
// key=value pairs in any order.
class Fields {
public:
    Fields(const std::string& text, int base_column) {
        Scanner s(text);
        while (!s.at_end()) {
            int col = base_column + s.column() - 1;
            std::string w = *s.word();
            auto eq = w.find('=');
            if (eq == std::string::npos || eq == 0) {
                if (!keyed_.empty()) fail(col, "positional value " + quote(w) + " after key=value fields");
                positional_.push_back({w, col});
            } else {
                std::string key = w.substr(0, eq);
                if (keyed_.count(key)) fail(col, "field " + quote(key) + " given twice");
                keyed_[key] = {w.substr(eq + 1), col};
            }
        }
    }

    std::pair<std::string, int> positional(size_t i, const char* what, int line_end_col) {
        if (i >= positional_.size()) fail(line_end_col, std::string("expected ") + what);
        return positional_[i];
    }

    std::optional<std::pair<std::string, int>> take(const std::string& key) {
        auto it = keyed_.find(key);
        if (it == keyed_.end()) return std::nullopt;
        auto v = it->second;
        keyed_.erase(it);
        return v;
    }

    void finish(size_t positional_expected) {
        if (positional_.size() > positional_expected)
            fail(positional_[positional_expected].second,
                 "unexpected value " + quote(positional_[positional_expected].first));
        if (!keyed_.empty())
            fail(keyed_.begin()->second.second, "unknown field " + quote(keyed_.begin()->first));
    }

private:
    std::vector<std::pair<std::string, int>> positional_;
    std::map<std::string, std::pair<std::string, int>> keyed_;
};

HostAddr parse_addr(const std::string& w, int col) {
    HostAddr a;
    auto plus = w.find('+');
    std::string head = w.substr(0, plus);
    if (auto h = parse_handle_text(head)) {
        if (h->kind != HandleKind::Mapping) fail(col, "a host address names a mapping (m0+0x1000), got " + quote(w));
        a.symbolic = true;
        a.mapping = *h;
        if (plus != std::string::npos) {
            auto off = parse_u64(w.substr(plus + 1));
            if (!off) fail(col, "bad offset in host address " + quote(w));
            a.value = *off;
        }
        return a;
    }
    auto v = parse_u64(w);
    if (!v) fail(col, "expected a host address (mN+OFFSET or a number), got " + quote(w));
    a.value = *v;
    return a;
}

FdRef parse_fd(const std::string& w, int col) {
    FdRef f;
    if (w == "kvm") f.kind = FdRef::Kind::Kvm;
    else if (w == "-1") f.kind = FdRef::Kind::Minus1;
    else if (w == "never-open") f.kind = FdRef::Kind::NeverOpen;
    else if (auto h = parse_handle_text(w); h && h->kind != HandleKind::Mapping) {
        f.kind = FdRef::Kind::Handle;
        f.handle = *h;
    } else {
        fail(col, "expected an fd (vN, gN, fN, kvm, -1 or never-open), got " + quote(w));
    }
    return f;
}

uint8_t parse_width(const std::string& w, int col) {
    if (w == "u8") return 1;
    if (w == "u64") return 8;
    fail(col, "expected a width (u8 or u64), got " + quote(w));
}

Handle parse_handle_of(const FieldSpec& spec, const std::string& w, int col) {
    auto h = parse_handle_text(w);
    if (h && (spec.handle_kinds & handle_kind_bit(h->kind))) return *h;
    if (spec.key) fail(col, "field " + quote(spec.key) + " needs a handle, got " + quote(w));
    fail(col, std::string("expected ") + (spec.what_instead ? spec.what_instead : spec.what) + ", got " + quote(w));
}

uint64_t parse_number_of(const FieldSpec& spec, const Op& op, const std::string& w, int col) {
    auto v = parse_u64(w);
    if (!v) {
        if (spec.key) fail(col, "field " + quote(spec.key) + " needs a number, got " + quote(w));
        fail(col, std::string("expected ") + spec.what + " (a number), got " + quote(w));
    }
    const uint64_t max = spec.max(op);
    if (*v > max) {
        if (spec.too_big) fail(col, spec.too_big);
        fail(col, "field " + quote(spec.key ? spec.key : spec.what) + " does not fit in " +
                      std::to_string(std::bit_width(max)) + " bits");
    }
    return *v;
}

// One field's word (positional) or value (keyed) into the op.
void parse_field(const FieldSpec& spec, Op& op, const std::string& w, int col) {
    switch (spec.kind) {
    case FieldKind::Handle: spec.handle(op) = parse_handle_of(spec, w, col); return;
    case FieldKind::Number: spec.set(op, parse_number_of(spec, op, w, col)); return;
    case FieldKind::HostAddress: spec.address(op) = parse_addr(w, col); return;
    case FieldKind::Fd: spec.fd(op) = parse_fd(w, col); return;
    case FieldKind::Width: spec.set(op, parse_width(w, col)); return;
    case FieldKind::MmapSource: {
        Mmap& m = spec.mmap(op);
        if (w == "anon") {
            m.source = Mmap::Source::Anonymous;
            return;
        }
        m.source = Mmap::Source::File;
        m.file = parse_handle_of(spec, w, col);
        return;
    }
    case FieldKind::Prot: {
        if (w != "r" && w != "rw" && w != "rx" && w != "rwx") fail(col, "prot must be r, rw, rx or rwx, got " + quote(w));
        Mmap& m = spec.mmap(op);
        m.writable = w.find('w') != std::string::npos;
        m.exec = w.find('x') != std::string::npos;
        return;
    }
    }
}

std::string known_keywords() {
    std::string list;
    const auto& forms = op_forms();
    for (size_t i = 0; i < forms.size(); ++i)
        list += (i == 0 ? "" : i + 1 == forms.size() ? " or " : ", ") + std::string(forms[i].keyword);
    return list;
}

// An op line after its keyword, field by field as op_table.cpp describes it.
Op parse_op(const std::string& keyword, const std::string& rest, int rest_col, int end_col) {
    const OpForm* form = op_form(keyword);
    if (!form) fail(1, "unknown operation " + quote(keyword) + " (expected " + known_keywords() + ")");
    Fields f(rest, rest_col);
    Op op = form->blank;
    size_t positional = 0;
    for (const FieldSpec& spec : form->fields) {
        if (!spec.key) {
            auto [w, col] = f.positional(positional++, spec.what, end_col);
            parse_field(spec, op, w, col);
        } else if (auto v = f.take(spec.key)) {
            parse_field(spec, op, v->first, v->second);
        } else if (spec.required) {
            fail(end_col, "missing field '" + std::string(spec.key) + "=...'");
        } else if (spec.kind == FieldKind::Number) {
            spec.set(op, spec.dflt);
        }
    }
    f.finish(positional);
    return op;
}

// The recorded kernel outcome after '!': "kernel: OUTCOME". `col` is the
// column of the '!'.
Outcome parse_kernel_deviation(const std::string& text, int col) {
    auto colon = text.find(':');
    Scanner who(text.substr(0, colon == std::string::npos ? text.size() : colon));
    auto word = who.word();
    if (colon == std::string::npos || word != "kernel" || !who.at_end())
        fail(col, "expected '!kernel: OUTCOME' (the kernel's recorded outcome) after '!'");
    if (const size_t bracket = text.find('['); bracket != std::string::npos)
        fail(col + static_cast<int>(bracket) + 1,
             "a recorded kernel outcome names no rule (a kernel has none); the rule of the model's outcome "
             "goes before '!kernel:'");
    std::string error;
    auto outcome = parse_outcome(text.substr(colon + 1), error);
    if (!outcome) fail(col + static_cast<int>(colon) + 2, error);
    return *outcome;
}

// One outcome of an expectation and the rule it may name after it,
// "EINVAL [region.gpa-wrap]". `col` is the column of the text's first byte.
struct NamedOutcome {
    Outcome outcome;
    std::optional<RuleId> rule;
};

NamedOutcome parse_named_outcome(const std::string& text, int col) {
    NamedOutcome named;
    const size_t open = text.find('[');
    const size_t close = text.find(']');
    if (open == std::string::npos && close != std::string::npos)
        fail(col + static_cast<int>(close), "expected '[' before the rule name ending at ']'");
    std::string error;
    auto outcome = parse_outcome(text.substr(0, open), error);
    if (!outcome) fail(col, error);
    named.outcome = *outcome;
    if (open == std::string::npos) return named;
    const int open_col = col + static_cast<int>(open);
    if (close == std::string::npos || close < open) fail(open_col, "expected ']' after the rule name");
    Scanner after(text.substr(close + 1));
    if (!after.at_end())
        fail(col + static_cast<int>(close) + after.column(),
             "unexpected text after the rule name: " + quote(after.rest()));
    Scanner inside(text.substr(open + 1, close - open - 1));
    const int name_col = open_col + inside.column();
    auto name = inside.word();
    if (!name) fail(open_col, "expected a rule name between '[' and ']' (slotcheck rules lists them)");
    if (!inside.at_end()) fail(open_col + inside.column(), "expected one rule name between '[' and ']'");
    named.rule = rule_by_name(*name);
    if (!named.rule) fail(name_col, "unknown rule " + quote(*name) + " (slotcheck rules lists them)");
    return named;
}

Expectation parse_expectation(const std::string& full, int col) {
    Expectation e;
    // A recorded kernel deviation comes last: "=> EINVAL | v: EEXIST !kernel: ok".
    const size_t bang = full.find('!');
    const std::string text = full.substr(0, bang);
    if (bang != std::string::npos)
        e.kernel_deviation = parse_kernel_deviation(full.substr(bang + 1), col + static_cast<int>(bang));
    std::vector<std::pair<std::string, int>> parts;
    size_t start = 0;
    while (true) {
        size_t bar = text.find('|', start);
        parts.push_back({text.substr(start, bar == std::string::npos ? std::string::npos : bar - start),
                         col + static_cast<int>(start)});
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    auto first = parse_named_outcome(parts[0].first, parts[0].second);
    e.outcome = first.outcome;
    e.rule = first.rule;
    for (size_t i = 1; i < parts.size(); ++i) {
        const auto& [p, pcol] = parts[i];
        auto colon = p.find(':');
        if (colon == std::string::npos) fail(pcol, "expected 'variant: outcome' after '|'");
        Scanner vs(p.substr(0, colon));
        auto variant = vs.word();
        if (!variant || !vs.at_end()) fail(pcol, "expected one variant name before ':'");
        auto alt = parse_named_outcome(p.substr(colon + 1), pcol + static_cast<int>(colon) + 1);
        e.alternatives.push_back({*variant, alt.outcome, alt.rule});
    }
    return e;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

enum class LineRead { Line, End, TooLong };

// One line of the input without its '\n'. A line longer than kMaxLineBytes
// is read no further: the caller reports it.
LineRead read_line(std::istream& in, std::string& line) {
    line.clear();
    std::streambuf* buf = in.rdbuf();
    for (;;) {
        const int c = buf->sbumpc();
        if (c == std::char_traits<char>::eof()) return line.empty() ? LineRead::End : LineRead::Line;
        if (c == '\n') return LineRead::Line;
        if (line.size() == kMaxLineBytes) return LineRead::TooLong;
        line.push_back(static_cast<char>(c));
    }
}

}  // namespace

SequenceReader::SequenceReader(std::istream& in, std::string file_name) : in_(in), file_name_(std::move(file_name)) {}
SequenceReader::~SequenceReader() = default;

std::optional<Step> SequenceReader::next() {
    if (ended_) return std::nullopt;
    std::string raw;
    try {
        for (LineRead read; (read = read_line(in_, raw)) != LineRead::End;) {
            ++line_no_;
            if (read == LineRead::TooLong) fail(1, "line longer than " + std::to_string(kMaxLineBytes) + " bytes");
            if (raw.find('\0') != std::string::npos) fail(1, "NUL byte in line");
            std::string line = raw;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            std::string t = trim(line);
            if (!seen_header_) {
                if (t.empty()) continue;
                Scanner hs(t);
                auto magic = hs.word();
                auto version = hs.number();
                if (magic != "slotcheck-sequence" || !version || !hs.at_end())
                    fail(1, "expected the header 'slotcheck-sequence " + std::to_string(kSequenceFormatVersion) + "'");
                if (*version != static_cast<uint64_t>(kSequenceFormatVersion))
                    fail(20, "unsupported format version " + std::to_string(*version) + " (this slotcheck reads " +
                                 std::to_string(kSequenceFormatVersion) + ")");
                seen_header_ = true;
                continue;
            }
            if (t.empty()) continue;
            if (t[0] == '#') {
                std::string c = t.substr(1);
                if (steps_ == 0) header_comments_.push_back(c);
                else pending_comments_.push_back(c);
                continue;
            }
            // A file's comments before its first step belong to the header;
            // whole-line comments later belong to the step that follows.
            Step step;
            step.line = line_no_;
            step.leading_comments = std::move(pending_comments_);
            pending_comments_.clear();
            size_t hash = line.find('#');
            std::string body = line;
            if (hash != std::string::npos) {
                std::string c = line.substr(hash + 1);
                step.comment = c;
                body = line.substr(0, hash);
            }
            size_t arrow = body.find("=>");
            std::string op_text = arrow == std::string::npos ? body : body.substr(0, arrow);
            Scanner s(op_text);
            const int line_col = s.column();
            int kw_col = line_col;
            auto keyword = s.word();
            // A line that is only an outcome (" => ok") has no operation.
            if (!keyword) fail(kw_col, "expected an operation before '=>'");
            if (keyword == "point") {  // the step the file tests
                step.point = true;
                kw_col = s.column();
                keyword = s.word();
                if (!keyword) fail(kw_col, "expected an operation after 'point'");
            }
            int rest_col = s.column();
            int end_col = static_cast<int>(trim(op_text).size()) + line_col;
            try {
                step.op = parse_op(*keyword, s.rest(), rest_col, end_col);
            } catch (ParseFailure& pf) {
                if (pf.column == 1) pf.column = kw_col;
                throw;
            }
            if (arrow != std::string::npos) {
                std::string exp = body.substr(arrow + 2);
                if (trim(exp).empty()) fail(static_cast<int>(arrow) + 3, "expected an outcome after '=>'");
                step.expect = parse_expectation(exp, static_cast<int>(arrow) + 3);
                if (step.expect->kernel_deviation && std::holds_alternative<Check>(step.op))
                    fail(static_cast<int>(arrow) + 3 + static_cast<int>(exp.find('!')),
                         "a check has no outcome to record; '!kernel:' belongs to an operation");
                if (std::holds_alternative<Check>(step.op) && exp.find('[') != std::string::npos)
                    fail(static_cast<int>(arrow) + 3 + static_cast<int>(exp.find('[')),
                         "a check has no deciding rule; '[RULE]' belongs to an operation's outcome");
            }
            if (auto problem = validator_.check(step)) {
                error_ = SourceError{file_name_, line_no_, 0, *problem};
                ended_ = true;
                return std::nullopt;
            }
            ++steps_;
            return step;
        }
        ended_ = true;
        if (!seen_header_) {
            line_no_ = 1;
            fail(1, "empty input: expected the header 'slotcheck-sequence " +
                        std::to_string(kSequenceFormatVersion) + "'");
        }
    } catch (const ParseFailure& pf) {
        ended_ = true;
        error_ = SourceError{file_name_, line_no_, pf.column, pf.message};
    }
    return std::nullopt;
}

ParseResult parse(const std::string& text, const std::string& file_name) {
    std::istringstream in(text);
    return parse(in, file_name);
}

ParseResult parse(std::istream& in, const std::string& file_name) {
    ParseResult result;
    SequenceReader reader(in, file_name);
    Sequence seq;
    while (auto step = reader.next()) seq.steps.push_back(std::move(*step));
    if (reader.error()) {
        result.error = reader.error();
        return result;
    }
    seq.header_comments = reader.header_comments();
    result.sequence = std::move(seq);
    return result;
}

ParseResult parse_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        ParseResult r;
        r.error = SourceError{path, 0, 0, "cannot open the file"};
        return r;
    }
    return parse(f, path);
}

namespace {

class FilePass final : public StepSource::Pass {
public:
    FilePass(const std::string& path, std::shared_ptr<std::optional<SourceError>> error)
        : in_(path, std::ios::binary), reader_(in_, path), error_(std::move(error)) {
        if (!in_) {
            if (!*error_) *error_ = SourceError{path, 0, 0, "cannot open the file"};
            ended_ = true;
        }
    }
    const Step* next() override {
        if (ended_) return nullptr;
        current_ = reader_.next();
        if (current_) return &*current_;
        ended_ = true;
        if (reader_.error() && !*error_) *error_ = reader_.error();
        return nullptr;
    }

private:
    std::ifstream in_;
    SequenceReader reader_;
    std::shared_ptr<std::optional<SourceError>> error_;
    std::optional<Step> current_;
    bool ended_ = false;
};

}  // namespace

std::unique_ptr<StepSource::Pass> FileSteps::pass() const { return std::make_unique<FilePass>(path_, error_); }

}  // namespace slotcheck
