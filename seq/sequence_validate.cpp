// Handle discipline and the harness's own limits, checked once for parsed and
// generated sequences alike so that no later layer has to.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "seq/layout.h"
#include "seq/op_handles.h"
#include "seq/sequence.h"
#include "seq/text_scan.h"
#include "seq/variant_names.h"
#include "sys/quoted.h"

namespace slotcheck {

namespace {

// An allocating fallocate larger than this would really allocate memory on
// the machine running the sequence; such a sequence is refused.
constexpr uint64_t kMaxAllocation = 1ull << 30;

// The handles created so far, a bit per handle number of each kind: a file
// names at most 999999 of a kind, so this stays small however long it is.
class HandleSet {
public:
    bool contains(const Handle& h) const {
        const auto& bits = bits_[static_cast<size_t>(h.kind)];
        return h.index < bits.size() && bits[h.index];
    }
    void insert(const Handle& h) {
        auto& bits = bits_[static_cast<size_t>(h.kind)];
        if (h.index >= bits.size()) bits.resize(std::max<size_t>(size_t{h.index} + 1, 2 * bits.size()));
        bits[h.index] = true;
    }

private:
    std::array<std::vector<bool>, 4> bits_;  // one per HandleKind
};

struct Validator {
    HandleSet created;
    std::vector<std::optional<uint64_t>> gmem_size;  // creation size of each guest_memfd, by number
    std::string problem;

    bool create(const Handle& h) {
        if (created.contains(h)) {
            problem = "handle " + print_handle(h) + " is created twice";
            return false;
        }
        if (h.kind == HandleKind::Mapping && h.index >= kMaxMappings) {
            problem = "mapping handle " + print_handle(h) + " is beyond the " + std::to_string(kMaxMappings) +
                      " mappings the host layout has room for";
            return false;
        }
        created.insert(h);
        return true;
    }
    bool use(const Handle& h) {
        if (!created.contains(h)) {
            problem = "handle " + print_handle(h) + " is used before it is created";
            return false;
        }
        return true;
    }

    // The harness's limits on each op's values (handles come after, from the op table).
    bool host_access(const HostAddr& a, uint8_t width) {
        if (!a.symbolic) {
            problem = "host reads and writes need a mapping address (m0+0x10): a raw address would touch the "
                      "harness's own memory";
            return false;
        }
        if (a.value % width != 0 || a.value > kMaxMappingSize - width) {
            problem = "host access offset " + hex(a.value) + " must be aligned to its width and inside the " +
                      hex(kMaxMappingSize) + "-byte mapping window";
            return false;
        }
        return true;
    }
    bool guest_access(uint64_t gpa) {
        if (gpa % 8 != 0 || gpa >= kGuestAccessLimit) {
            problem = "guest access gpa " + hex(gpa) + " must be 8-byte aligned and below " + hex(kGuestAccessLimit);
            return false;
        }
        if (gpa >= kHarnessGpa && gpa < kHarnessGpa + kHarnessSize) {
            problem = "guest access gpa " + hex(gpa) + " is inside the probe's own memory [" + hex(kHarnessGpa) +
                      ", " + hex(kHarnessGpa + kHarnessSize) + ")";
            return false;
        }
        return true;
    }

    bool operator()(const CreateGmem& x) {
        if (x.gmem.index >= gmem_size.size()) gmem_size.resize(std::max<size_t>(size_t{x.gmem.index} + 1, 2 * gmem_size.size()));
        gmem_size[x.gmem.index] = x.size;
        return true;
    }
    bool operator()(const Mmap& x) {
        if (x.size > kMaxMappingSize) {
            problem = "mapping size " + hex(x.size) + " exceeds the " + hex(kMaxMappingSize) + "-byte mapping window";
            return false;
        }
        return true;
    }
    bool operator()(const Fallocate& x) {
        // Modes 0 and KEEP_SIZE allocate; a range past the end of a
        // guest_memfd, or past the largest file size, fails before any
        // allocation and stays allowed.
        const bool allocates = x.mode <= 1 && static_cast<int64_t>(x.offset) >= 0 && static_cast<int64_t>(x.len) > 0 &&
                               x.offset + x.len <= static_cast<uint64_t>(INT64_MAX);
        const bool fails_on_size = x.file.kind == HandleKind::Gmem && x.file.index < gmem_size.size() &&
                                   gmem_size[x.file.index] && x.offset + x.len > *gmem_size[x.file.index];
        if (allocates && x.len > kMaxAllocation && !fails_on_size) {
            problem = "fallocate would allocate " + hex(x.len) + " bytes; the harness refuses more than " +
                      hex(kMaxAllocation);
            return false;
        }
        return true;
    }
    bool operator()(const HostWrite& x) { return host_access(x.addr, x.width); }
    bool operator()(const HostRead& x) { return host_access(x.addr, x.width); }
    bool operator()(const GuestRead& x) { return guest_access(x.gpa); }
    bool operator()(const GuestWrite& x) { return guest_access(x.gpa); }
    bool operator()(const auto&) { return true; }

    // The op's limits, then the handles it names, then the one it creates.
    bool check(const Op& op) {
        if (!std::visit(*this, op)) return false;
        for (const Handle& h : used_handles(op))
            if (!use(h)) return false;
        if (auto h = created_handle(op)) return create(*h);
        return true;
    }
};

}  // namespace

struct HandleValidator::State {
    Validator v;
};

HandleValidator::HandleValidator() : state_(std::make_unique<State>()) {}
HandleValidator::~HandleValidator() = default;
HandleValidator::HandleValidator(HandleValidator&&) noexcept = default;
HandleValidator& HandleValidator::operator=(HandleValidator&&) noexcept = default;

std::optional<std::string> HandleValidator::check(const Step& s) {
    Validator& v = state_->v;
    if (!v.check(s.op)) return v.problem;
    if (s.expect) {
        for (const auto& alt : s.expect->alternatives) {
            if (!is_variant_name(alt.variant))
                return "unknown profile variant " + quote(alt.variant) +
                       " in an expected outcome (slotcheck probe --variants lists them)";
        }
    }
    return std::nullopt;
}

std::optional<SourceError> validate_handles(const Sequence& seq, const std::string& file_name) {
    HandleValidator v;
    for (size_t i = 0; i < seq.steps.size(); ++i) {
        const Step& s = seq.steps[i];
        if (auto problem = v.check(s)) return SourceError{file_name, s.line ? s.line : static_cast<int>(i) + 1, 0, *problem};
    }
    return std::nullopt;
}

}  // namespace slotcheck
