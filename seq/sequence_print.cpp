// The printer of the sequence text form (docs/sequence-format.md). It prints
// every field of every op, so the printed form is canonical and parses back
// to the same Sequence.
#include <sstream>

#include "seq/op_table.h"
#include "seq/sequence.h"
#include "seq/text_scan.h"
#include "sys/quoted.h"

namespace slotcheck {

namespace {

char handle_letter(HandleKind k) {
    switch (k) {
    case HandleKind::Vm: return 'v';
    case HandleKind::Gmem: return 'g';
    case HandleKind::Memfd: return 'f';
    case HandleKind::Mapping: return 'm';
    }
    return '?';
}

std::string print_addr(const HostAddr& a) {
    if (!a.symbolic) return hex(a.value);
    return print_handle(a.mapping) + "+" + hex(a.value);
}

std::string print_fd(const FdRef& f) {
    switch (f.kind) {
    case FdRef::Kind::Handle: return print_handle(f.handle);
    case FdRef::Kind::Kvm: return "kvm";
    case FdRef::Kind::Minus1: return "-1";
    case FdRef::Kind::NeverOpen: return "never-open";
    }
    return "?";
}

std::string print_prot(const Mmap& m) {
    std::string p = "r";
    if (m.writable) p += "w";
    if (m.exec) p += "x";
    return p;
}

std::string print_field(const FieldSpec& spec, const Op& op) {
    switch (spec.kind) {
    case FieldKind::Handle: return print_handle(field_handle(spec, op));
    case FieldKind::Number: return hex(spec.get(op));
    case FieldKind::HostAddress: return print_addr(field_address(spec, op));
    case FieldKind::Fd: return print_fd(field_fd(spec, op));
    case FieldKind::Width: return spec.get(op) == 1 ? "u8" : "u64";
    case FieldKind::MmapSource: {
        const Mmap& m = field_mmap(spec, op);
        return m.source == Mmap::Source::Anonymous ? std::string("anon") : print_handle(m.file);
    }
    case FieldKind::Prot: return print_prot(field_mmap(spec, op));
    }
    return "?";
}

// " [region.gpa-wrap]" after an outcome that names its rule.
std::string rule_suffix(const std::optional<RuleId>& id) {
    return id ? std::string(" [") + rule(*id).name + "]" : std::string();
}

}  // namespace

std::string print_expectation(const Expectation& e) {
    std::string out = to_string(e.outcome) + rule_suffix(e.rule);
    for (const auto& alt : e.alternatives) out += " | " + alt.variant + ": " + to_string(alt.outcome) + rule_suffix(alt.rule);
    if (e.kernel_deviation) out += " !kernel: " + to_string(*e.kernel_deviation);
    return out;
}

std::string print_handle(const Handle& h) { return handle_letter(h.kind) + std::to_string(h.index); }

// Every field of the op's form, so the printed form is canonical.
std::string print_op(const Op& op) {
    const OpForm& form = op_form(op);
    std::string out = form.keyword;
    for (const FieldSpec& spec : form.fields) {
        out += ' ';
        if (spec.key) out += std::string(spec.key) + "=";
        out += print_field(spec, op);
    }
    return out;
}

std::string print(const Sequence& seq) {
    std::ostringstream o;
    o << "slotcheck-sequence " << kSequenceFormatVersion << "\n";
    for (const auto& c : seq.header_comments) o << "#" << c << "\n";
    for (const auto& step : seq.steps) {
        for (const auto& c : step.leading_comments) o << "#" << c << "\n";
        o << (step.point ? "point " : "") << print_op(step.op);
        if (step.expect) {
            o << " => " << print_expectation(*step.expect);
        }
        if (!step.comment.empty()) o << "  #" << step.comment;
        o << "\n";
    }
    return o.str();
}

std::string SourceError::to_string() const {
    std::ostringstream o;
    o << escaped(file) << ":" << line;
    if (column > 0) o << ":" << column;
    o << ": " << message;
    return o.str();
}

}  // namespace slotcheck
