// The printer of the sequence text form (docs/sequence-format.md). It prints
// every field of every op, so the printed form is canonical and parses back
// to the same Sequence.
#include <sstream>

#include "model/quoted.h"
#include "model/sequence.h"
#include "model/text_scan.h"

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

struct OpPrinter {
    std::ostringstream& o;
    void operator()(const CreateVm& x) { o << "vm " << print_handle(x.vm) << " type=" << hex(x.type); }
    void operator()(const CreateGmem& x) {
        o << "gmem " << print_handle(x.gmem) << " vm=" << print_handle(x.vm) << " size=" << hex(x.size)
          << " flags=" << hex(x.flags);
    }
    void operator()(const CreateMemfd& x) { o << "memfd " << print_handle(x.memfd) << " size=" << hex(x.size); }
    void operator()(const Mmap& x) {
        o << "mmap " << print_handle(x.mapping) << " "
          << (x.source == Mmap::Source::Anonymous ? std::string("anon") : print_handle(x.file))
          << " offset=" << hex(x.offset) << " size=" << hex(x.size) << " prot=" << print_prot(x);
    }
    void operator()(const Munmap& x) { o << "munmap " << print_handle(x.mapping); }
    void operator()(const SetRegion& x) {
        o << (x.version == 1 ? "region1 " : "region ") << print_handle(x.vm) << " slot=" << hex(x.slot)
          << " flags=" << hex(x.flags) << " gpa=" << hex(x.gpa) << " size=" << hex(x.size)
          << " uaddr=" << print_addr(x.uaddr);
        if (x.version != 1) o << " gmem=" << print_fd(x.gmem) << " offset=" << hex(x.gmem_offset);
    }
    void operator()(const Fallocate& x) {
        o << "fallocate " << print_handle(x.file) << " mode=" << hex(x.mode) << " offset=" << hex(x.offset)
          << " len=" << hex(x.len);
    }
    void operator()(const Close& x) { o << "close " << print_handle(x.handle); }
    void operator()(const HostWrite& x) {
        o << "hwrite " << print_addr(x.addr) << (x.width == 1 ? " u8 " : " u64 ") << hex(x.value);
    }
    void operator()(const HostRead& x) { o << "hread " << print_addr(x.addr) << (x.width == 1 ? " u8" : " u64"); }
    void operator()(const GuestRead& x) { o << "gread " << print_handle(x.vm) << " " << hex(x.gpa); }
    void operator()(const GuestWrite& x) {
        o << "gwrite " << print_handle(x.vm) << " " << hex(x.gpa) << " " << hex(x.value);
    }
    void operator()(const SetAttributes& x) {
        o << "attrs " << print_handle(x.vm) << " gpa=" << hex(x.address) << " size=" << hex(x.size)
          << " attrs=" << hex(x.attributes) << " flags=" << hex(x.flags);
    }
    void operator()(const Check&) { o << "check"; }
};

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

std::string print_op(const Op& op) {
    std::ostringstream o;
    std::visit(OpPrinter{o}, op);
    return o.str();
}

std::string op_keyword(const Op& op) {
    std::string s = print_op(op);
    return s.substr(0, s.find(' '));
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
