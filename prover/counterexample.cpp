#include "prover/counterexample.h"

#include <cstdio>
#include <sstream>

namespace slotcheck::smt {

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

namespace {

std::string range(uint64_t lo, uint64_t hi) { return "[" + hex(lo) + ", " + hex(hi) + ")"; }

std::string ranges(const std::vector<GfnRange>& rs) {
    if (rs.empty()) return "nothing";
    std::string out;
    for (const GfnRange& r : rs) {
        if (!out.empty()) out += ", ";
        out += "as " + std::to_string(r.as) + " gfns " + range(r.lo, r.hi);
        if (!r.who.empty()) out += " (" + r.who + ")";
    }
    return out;
}

std::string slot_text(const TraceSlot& s) {
    std::string t = "slot " + std::to_string(s.id) + ": as " + std::to_string(s.as) + ", gfns " +
                    range(s.base, s.base + s.npages);
    if (s.gmem) t += " -> f" + std::to_string(s.file) + " pages " + range(s.pgoff, s.pgoff + s.npages);
    else t += " (no guest_memfd)";
    return t;
}

}  // namespace

std::string describe(const TraceStep& s) {
    switch (s.kind) {
    case TraceStep::Kind::Register: return "register " + slot_text(s.slot);
    case TraceStep::Kind::Delete: return "delete slot " + std::to_string(s.slot.id) + "; zaps " + ranges(s.zapped);
    case TraceStep::Kind::Close: return "close f" + std::to_string(s.file) + "; zaps " + ranges(s.zapped);
    case TraceStep::Kind::Access:
        return "guest access as " + std::to_string(s.slot.as) + " gfn " + hex(s.gfn) + " -> f" +
               std::to_string(s.file) + " page " + hex(s.off) + " (slot " + std::to_string(s.slot.id) +
               "), translation cached";
    case TraceStep::Kind::Punch:
        return "punch f" + std::to_string(s.file) + " pages " + range(s.start, s.end) + "; design zaps " +
               ranges(s.zapped) + "; backed by the punched pages: " + ranges(s.expected);
    }
    return "?";
}

std::string format_counterexample(const Counterexample& c, const std::string& indent) {
    std::ostringstream os;
    for (size_t i = 0; i < c.steps.size(); ++i) os << indent << i + 1 << ". " << describe(c.steps[i]) << "\n";
    for (const std::string& v : c.violation) os << indent << "=> " << v << "\n";
    return os.str();
}

}  // namespace slotcheck::smt
