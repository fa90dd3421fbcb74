// Where a new slot goes: its id, its gfn range against the slots that exist
// (the harness's own slot at 0xc0000000 included), and its userspace_addr.
#include "generators/draw.h"
#include "generators/region_parts.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

const AddressSpace* space_of(const GenerationState& s, const Handle& vm, uint32_t as_id) {
    auto it = s.world().vms().find(vm.index);
    if (it == s.world().vms().end() || as_id >= it->second.address_spaces.size()) return nullptr;
    return &it->second.address_spaces[as_id];
}

}  // namespace

uint32_t free_slot_id(const GenerationState& s, const Handle& vm, uint32_t as_id) {
    const AddressSpace* space = space_of(s, vm, as_id);
    auto used = [&](uint32_t id) { return space && space->by_id.count(id) > 0; };
    const uint32_t neighbour = s.profile().nr_memslots - 2;
    if (chance(8) && !used(neighbour)) return neighbour;
    for (int tries = 0; tries < 4; ++tries) {
        const auto id = static_cast<uint32_t>(below(8));
        if (!used(id)) return id;
    }
    uint32_t id = 0;
    while (used(id)) ++id;
    return id;
}

uint64_t slot_pages() {
    return weighted<uint64_t>({{12, between(1, 8)}, {3, between(9, 64)}, {2, 512}, {1, 1ull << 18}});
}

PageRange gfn_range(const GenerationState& s, const Handle& vm, uint32_t as_id, uint64_t npages,
                    int overlap_percent) {
    // Against the sequence's own slots mostly, the harness's slot sometimes.
    std::vector<std::pair<size_t, PageRange>> anchors;
    if (const AddressSpace* space = space_of(s, vm, as_id))
        for (const auto& [id, slot] : space->by_id) anchors.push_back({slot.harness ? 1u : 6u, {slot.base_gfn, slot.npages}});
    const bool only_harness = anchors.size() == 1 && anchors.front().first == 1;
    if (!anchors.empty() && chance(only_harness ? 25 : 75))
        return related_range(weighted(anchors), draw_relation(overlap_percent), npages);
    // Free space: 1 MiB and up, below the harness slot.
    return {(1ull << 8) + below(512) * 16, npages};
}

HostAddr slot_backing(GenerationState& s, uint64_t npages, Ops& prefix) {
    // Aliasing: the userspace_addr another slot already uses.
    const auto slots = s.all_slots(false);
    if (!slots.empty() && chance(20)) {
        const HostAddr a = s.host_addr(one_of(slots).slot.uaddr);
        if (a.symbolic) return a;
    }
    const auto live = s.live_mappings();
    if (!live.empty() && chance(80)) {
        const MappingRef& m = one_of(live);
        const uint64_t pages = m.state.size / kPageSize;
        // Mostly the slot fits the mapping; sometimes it runs past its end.
        const uint64_t start = pages > npages && chance(80) ? below(pages - npages + 1) : below(pages);
        HostAddr a;
        a.symbolic = true;
        a.mapping = m.handle;
        a.value = start * kPageSize;
        return a;
    }
    if (s.may_map()) {
        Mmap m;
        m.mapping = s.fresh(HandleKind::Mapping);
        m.size = std::min<uint64_t>(npages, 64) * kPageSize;
        const auto memfds = s.files(HandleKind::Memfd, true);
        if (!memfds.empty() && chance(40)) {
            m.source = Mmap::Source::File;
            m.file = one_of(memfds).handle;
        }
        prefix.push_back(m);
        HostAddr a;
        a.symbolic = true;
        a.mapping = m.mapping;
        return a;
    }
    return HostAddr{};  // raw 0: accepted by KVM, faults on access
}

}  // namespace slotcheck::gen
