// Handle discipline and the harness's own limits, checked once for parsed and
// generated sequences alike so that no later layer has to.
#include <set>

#include "model/layout.h"
#include "model/profile.h"
#include "model/sequence.h"
#include "model/text_scan.h"

namespace slotcheck {

namespace {

struct Validator {
    std::set<Handle> created;
    std::string problem;

    bool create(const Handle& h) {
        if (created.count(h)) {
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
        if (!created.count(h)) {
            problem = "handle " + print_handle(h) + " is used before it is created";
            return false;
        }
        return true;
    }
    bool use(const HostAddr& a) { return !a.symbolic || use(a.mapping); }
    bool use(const FdRef& f) { return f.kind != FdRef::Kind::Handle || use(f.handle); }

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
        return use(a);
    }
    bool guest_access(const Handle& vm, uint64_t gpa) {
        if (gpa % 8 != 0 || gpa >= kGuestAccessLimit) {
            problem = "guest access gpa " + hex(gpa) + " must be 8-byte aligned and below " + hex(kGuestAccessLimit);
            return false;
        }
        if (gpa >= kHarnessGpa && gpa < kHarnessGpa + kHarnessSize) {
            problem = "guest access gpa " + hex(gpa) + " is inside the probe's own memory [" + hex(kHarnessGpa) +
                      ", " + hex(kHarnessGpa + kHarnessSize) + ")";
            return false;
        }
        return use(vm);
    }

    bool operator()(const CreateVm& x) { return create(x.vm); }
    bool operator()(const CreateGmem& x) { return use(x.vm) && create(x.gmem); }
    bool operator()(const CreateMemfd& x) { return create(x.memfd); }
    bool operator()(const Mmap& x) {
        if (x.size > kMaxMappingSize) {
            problem = "mapping size " + hex(x.size) + " exceeds the " + hex(kMaxMappingSize) + "-byte mapping window";
            return false;
        }
        return (x.source == Mmap::Source::Anonymous || use(x.file)) && create(x.mapping);
    }
    bool operator()(const Munmap& x) { return use(x.mapping); }
    bool operator()(const SetRegion& x) { return use(x.vm) && use(x.uaddr) && (x.version == 1 || use(x.gmem)); }
    bool operator()(const Fallocate& x) { return use(x.file); }
    bool operator()(const Close& x) { return use(x.handle); }
    bool operator()(const HostWrite& x) { return host_access(x.addr, x.width); }
    bool operator()(const HostRead& x) { return host_access(x.addr, x.width); }
    bool operator()(const GuestRead& x) { return guest_access(x.vm, x.gpa); }
    bool operator()(const GuestWrite& x) { return guest_access(x.vm, x.gpa); }
    bool operator()(const SetAttributes& x) { return use(x.vm); }
    bool operator()(const Check&) { return true; }
};

}  // namespace

std::optional<SourceError> validate_handles(const Sequence& seq, const std::string& file_name) {
    Validator v;
    for (size_t i = 0; i < seq.steps.size(); ++i) {
        const Step& s = seq.steps[i];
        if (!std::visit(v, s.op)) {
            int line = s.line ? s.line : static_cast<int>(i) + 1;
            return SourceError{file_name, line, 0, v.problem};
        }
        if (s.expect) {
            for (const auto& alt : s.expect->alternatives) {
                bool known = false;
                for (const auto& info : variant_table()) known = known || alt.variant == info.name;
                if (!known) {
                    int line = s.line ? s.line : static_cast<int>(i) + 1;
                    return SourceError{file_name, line, 0,
                                       "unknown profile variant '" + alt.variant +
                                           "' in an expected outcome (slotcheck probe --variants lists them)"};
                }
            }
        }
    }
    return std::nullopt;
}

}  // namespace slotcheck
