#include "generators/guest_pages.h"

#include <algorithm>
#include <iterator>

#include "generators/draw.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

bool guest_accessible(uint64_t gpa) {
    return gpa % 8 == 0 && gpa < kGuestAccessLimit && !(gpa >= kHarnessGpa && gpa < kHarnessGpa + kHarnessSize);
}

std::optional<uint64_t> gpa_in_slot(const Slot& s) {
    if (s.npages == 0) return std::nullopt;
    const uint64_t page = weighted<uint64_t>({{3, 0}, {3, s.npages - 1}, {1, below(std::min<uint64_t>(s.npages, 64))}});
    const uint64_t byte = one_of<uint64_t>({0, 0, 8, kPageSize - 8});
    const uint64_t gpa = ((s.base_gfn + page) << kPageShift) + byte;
    if (!guest_accessible(gpa)) return std::nullopt;
    return gpa;
}

namespace {

// The page of the slot whose userspace_addr lies at file page `file_page`
// of mapping `m`, if the slot's range covers it.
std::optional<uint64_t> hva_page_in_slot(const Slot& slot, uint32_t mapping, const MappingState& m,
                                         uint64_t file_page) {
    const uint64_t file_byte = file_page * kPageSize;
    if (file_byte < m.file_offset || file_byte - m.file_offset >= m.size) return std::nullopt;
    const uint64_t hva = mapping_address(mapping) + (file_byte - m.file_offset);
    if (hva < slot.uaddr || (hva - slot.uaddr) / kPageSize >= slot.npages) return std::nullopt;
    return (hva - slot.uaddr) / kPageSize;
}

}  // namespace

std::vector<GuestPage> guest_pages_of(const GenerationState& s, uint32_t object, uint64_t file_page) {
    std::vector<GuestPage> out;
    auto add = [&](const Handle& vm, const Slot& slot, uint64_t page) {
        const uint64_t gpa = ((slot.base_gfn + page) << kPageShift) + one_of<uint64_t>({0, kPageSize - 8});
        if (guest_accessible(gpa)) out.push_back({vm, gpa});
    };
    for (const Handle& vm : s.probed_vms()) {
        const VmState& v = s.world().vms().at(vm.index);
        for (const auto& [id, slot] : v.address_spaces[0].by_id) {
            if (slot.harness) continue;
            // Through the binding: a gmem-only slot, or a private gfn.
            const bool binds_page = slot.gmem && slot.file_bound && slot.gmem_object == object &&
                                    file_page >= slot.pgoff && file_page < slot.pgoff + slot.npages;
            if (binds_page && (slot.gmem_only || v.private_access(slot.base_gfn + file_page - slot.pgoff)))
                add(vm, slot, file_page - slot.pgoff);
            if (slot.gmem && slot.gmem_only) continue;
            for (const auto& [index, m] : s.world().mappings())
                if (m.alive && m.object == object)
                    if (auto page = hva_page_in_slot(slot, index, m, file_page)) add(vm, slot, *page);
        }
    }
    return out;
}

uint64_t gfn_in(const GfnRangeSet& set, uint64_t span) {
    const auto& ranges = set.ranges();
    auto it = std::next(ranges.begin(), static_cast<long>(below(ranges.size())));
    return between(it->first, it->first + std::min(it->second - it->first, span) - 1);
}

std::optional<FilePage> file_page_behind(const GenerationState& s, const Handle& vm, const Slot& slot, uint64_t gfn) {
    if (gfn < slot.base_gfn || gfn >= slot.end_gfn()) return std::nullopt;
    auto v = s.world().vms().find(vm.index);
    const bool private_gfn = v != s.world().vms().end() && v->second.private_access(gfn);
    if (private_gfn || (slot.gmem && slot.gmem_only)) {
        if (!slot.gmem || !slot.file_bound) return std::nullopt;
        return FilePage{slot.gmem_object, slot.pgoff + (gfn - slot.base_gfn)};
    }
    const uint64_t hva = slot.uaddr + (gfn - slot.base_gfn) * kPageSize;
    if (hva < kMappingArenaBase) return std::nullopt;
    const uint64_t index = (hva - kMappingArenaBase) / kMappingStride, offset = (hva - kMappingArenaBase) % kMappingStride;
    auto it = s.world().mappings().find(static_cast<uint32_t>(index));
    if (index >= kMaxMappings || it == s.world().mappings().end() || !it->second.alive || offset >= it->second.size)
        return std::nullopt;
    return FilePage{it->second.object, (it->second.file_offset + offset) / kPageSize};
}

std::vector<GuestPage> guest_pages_through(const GenerationState& s, const Handle& mapping) {
    std::vector<GuestPage> out;
    const uint64_t window = mapping_address(mapping.index);
    for (const Handle& vm : s.probed_vms()) {
        for (const auto& [id, slot] : s.world().vms().at(vm.index).address_spaces[0].by_id) {
            if (slot.harness || (slot.gmem && slot.gmem_only)) continue;
            // The first slot page at or after the window's start, if the
            // slot reaches into the window.
            const uint64_t skip = slot.uaddr >= window ? 0 : (window - slot.uaddr + kPageSize - 1) / kPageSize;
            if (skip >= slot.npages) continue;
            const uint64_t hva = slot.uaddr + skip * kPageSize;
            if (hva < window || hva >= window + kMappingStride) continue;
            const uint64_t gpa = ((slot.base_gfn + skip) << kPageShift) + one_of<uint64_t>({0, kPageSize - 8});
            if (guest_accessible(gpa)) out.push_back({vm, gpa});
        }
    }
    return out;
}

Ops read_around(const GuestPage& page, const Op& middle, bool write_first) {
    Ops ops;
    if (write_first) ops.push_back(GuestWrite{page.vm, page.gpa, *written_value()});
    ops.push_back(GuestRead{page.vm, page.gpa});
    ops.push_back(middle);
    ops.push_back(GuestRead{page.vm, page.gpa});
    return ops;
}

}  // namespace slotcheck::gen
