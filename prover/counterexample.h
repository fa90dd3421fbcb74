// A counterexample as plain data (no Z3): the steps with their concrete
// values, what the design invalidated at each punch and what it should have,
// and what goes wrong at the end. Printed as a short readable trace, and
// turned into a slotcheck sequence by to_sequence.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace slotcheck::smt {

struct TraceSlot {
    uint32_t id = 0;  // KVM slot id within its address space
    uint64_t as = 0;
    uint64_t base = 0;    // gfn
    uint64_t npages = 0;
    bool gmem = true;
    uint64_t file = 0;    // file id (f0, f1, ...)
    uint64_t pgoff = 0;   // first file page
};

// gfns [lo, hi) of address space `as`.
struct GfnRange {
    uint64_t as = 0;
    uint64_t lo = 0;
    uint64_t hi = 0;
    std::string who;  // what produced it ("notifier of slot 1")
    friend bool operator==(const GfnRange& a, const GfnRange& b) {
        return a.as == b.as && a.lo == b.lo && a.hi == b.hi;
    }
};

struct TraceStep {
    enum class Kind : uint8_t { Register, Delete, Close, Access, Punch };
    Kind kind = Kind::Register;
    TraceSlot slot;      // Register and Delete: the slot; Access: the slot it goes through
    uint64_t gfn = 0;    // Access
    uint64_t off = 0;    // Access: the file page behind gfn
    uint64_t file = 0;   // Punch, Close (Access: the slot's file)
    uint64_t start = 0;  // Punch: file pages [start, end)
    uint64_t end = 0;
    std::vector<GfnRange> zapped;    // Punch, Delete, Close: what was invalidated
    std::vector<GfnRange> expected;  // Punch: the gfns backed by the punched pages
};

struct GfnRef {
    uint64_t as = 0;
    uint64_t gfn = 0;
    friend bool operator==(const GfnRef&, const GfnRef&) = default;
};

struct Counterexample {
    std::string design;
    std::string property;
    std::vector<TraceStep> steps;
    std::vector<std::string> violation;  // what goes wrong, with numbers
    // Smallest size (in pages) each file needs for the trace's registrations.
    std::map<uint64_t, uint64_t> file_pages;
    // Where a sequence should look to make the flaw visible: guest writes of
    // a marker just before the last step, guest writes after it, and guest
    // reads after it. Access steps are themselves marker writes.
    std::vector<GfnRef> write_before_last;
    std::vector<GfnRef> write_after_last;
    std::vector<GfnRef> read_after_last;
};

// "register slot 0: as 0, gfns [0x0, 0x1) -> f0 pages [0x0, 0x1)"
std::string describe(const TraceStep& s);
// The whole trace, one step a line, then the violation, indented by `indent`.
std::string format_counterexample(const Counterexample& c, const std::string& indent = "  ");

std::string hex(uint64_t v);

}  // namespace slotcheck::smt
