// Host reads and writes through mappings: page edges, the last page, past
// the mapping and past the end of the file, read-only mappings, aliasing
// pairs (write through one mapping, read the same file page through
// another) and host writes read back by the guest.
#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/op_families.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

// An offset inside (mostly) or just past a mapping of `size` bytes, aligned
// to `width`.
uint64_t offset_in(uint64_t size, uint8_t width) {
    const uint64_t pages = std::max<uint64_t>(size / kPageSize, 1);
    const uint64_t page = weighted<uint64_t>({{3, 0}, {3, pages - 1}, {2, below(pages)}, {1, pages}});
    const uint64_t byte = one_of<uint64_t>({0, 8, kPageSize - width});
    return page * kPageSize + byte;
}

HostAddr at(const Handle& mapping, uint64_t offset) {
    HostAddr a;
    a.symbolic = true;
    a.mapping = mapping;
    a.value = offset;
    return a;
}

// Another live mapping of the same object whose file range holds `file_byte`.
std::optional<HostAddr> alias_of(const GenerationState& s, const MappingRef& m, uint64_t file_byte) {
    std::vector<HostAddr> out;
    for (const auto& other : s.live_mappings())
        if (other.handle != m.handle && other.state.object == m.state.object && file_byte >= other.state.file_offset &&
            file_byte - other.state.file_offset < other.state.size)
            out.push_back(at(other.handle, file_byte - other.state.file_offset));
    if (out.empty()) return std::nullopt;
    return one_of(out);
}

Ops plausible(GenerationState& s) {
    const auto live = s.live_mappings();
    if (live.empty()) return {};
    const MappingRef& m = one_of(live);
    const uint8_t width = chance(75) ? 8 : 1;
    const uint64_t offset = offset_in(m.state.size, width);
    const HostAddr addr = at(m.handle, offset);
    if (!chance(60)) return {HostRead{addr, width}};
    const uint64_t value = width == 1 ? between(1, 0xff) : *written_value();
    Ops ops{HostWrite{addr, width, value}};
    // Read the written bytes back another way: through an alias, or from
    // a guest page that shows the same file page.
    const uint64_t file_byte = m.state.file_offset + offset;
    if (auto alias = alias_of(s, m, file_byte); alias && chance(70)) {
        ops.push_back(HostRead{*alias, width});
    } else if (chance(50)) {
        const auto pages = guest_pages_of(s, m.state.object, file_byte / kPageSize);
        if (!pages.empty()) {
            const GuestPage p = one_of(pages);
            ops.push_back(GuestRead{p.vm, p.gpa - p.gpa % kPageSize + (offset % kPageSize) / 8 * 8});
        }
    }
    return ops;
}

Ops implausible(GenerationState& s) {
    const uint32_t created = s.created(HandleKind::Mapping);
    if (created == 0) return {};
    const uint8_t width = chance(50) ? 8 : 1;
    // Any mapping handle, live or not, anywhere in its window.
    const Handle h{HandleKind::Mapping, static_cast<uint32_t>(below(created))};
    const uint64_t offset =
        chance(50) ? offset_in(kPageSize * between(1, 16), width) : between(0, kMaxMappingSize / kPageSize - 1) * kPageSize;
    if (chance(50)) return {HostRead{at(h, offset), width}};
    return {HostWrite{at(h, offset), width, width == 1 ? between(1, 0xff) : *written_value()}};
}

}  // namespace

Ops host_access_ops(GenerationState& s, Intent intent) {
    return intent == Intent::Plausible ? plausible(s) : implausible(s);
}

}  // namespace slotcheck::gen
