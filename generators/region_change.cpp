// Requests on existing slots: moves, flag toggles (KVM_MEM_GUEST_MEMFD on a
// normal slot, off a guest_memfd slot), size and uaddr changes, the same
// request again, and deletion, each framed by guest accesses where a page of
// the slot is visible to the probe.
#include <algorithm>

#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/region_parts.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

// A guest page of the slot, when the slot is in address space 0 of a VM
// whose probe runs.
std::optional<GuestPage> page_of(const GenerationState& s, const SlotRef& ref) {
    if (ref.slot.as_id != 0 || ref.slot.harness) return std::nullopt;
    const auto probed = s.probed_vms();
    if (std::find(probed.begin(), probed.end(), ref.vm) == probed.end()) return std::nullopt;
    if (auto gpa = gpa_in_slot(ref.slot)) return GuestPage{ref.vm, *gpa};
    return std::nullopt;
}

Ops framed(const GenerationState& s, const SlotRef& ref, const SetRegion& r) {
    if (auto page = page_of(s, ref); page && chance(70)) return read_around(*page, r, chance(60));
    return {r};
}

}  // namespace

SetRegion request_for(const GenerationState& s, const Handle& vm, const Slot& slot) {
    SetRegion r;
    r.vm = vm;
    r.slot = (slot.as_id << 16) | slot.id;
    r.flags = slot.flags;
    r.gpa = slot.base_gfn << kPageShift;
    r.size = slot.npages * kPageSize;
    r.uaddr = s.host_addr(slot.uaddr);
    if (slot.gmem) {
        if (auto h = s.handle_of_object(slot.gmem_object)) {
            r.gmem.kind = FdRef::Kind::Handle;
            r.gmem.handle = *h;
        }
        r.gmem_offset = slot.pgoff * kPageSize;
    }
    return r;
}

Ops change_slot(GenerationState& s, const SlotRef& ref) {
    const Slot& slot = ref.slot;
    SetRegion r = request_for(s, ref.vm, slot);
    enum class Change { Move, DirtyLog, Readonly, GuestMemfd, Size, Uaddr, Same, Version1 };
    const bool small = slot.npages <= kDirtyLogPageLimit;
    switch (weighted<Change>({{6, Change::Move},
                              {small ? 3u : 0u, Change::DirtyLog},
                              {2, Change::Readonly},
                              {3, Change::GuestMemfd},
                              {1, Change::Size},
                              {1, Change::Uaddr},
                              {2, Change::Same},
                              {slot.gmem ? 0u : 1u, Change::Version1}})) {
    case Change::Move: {
        const PageRange to = gfn_range(s, ref.vm, slot.as_id, slot.npages, 30);
        r.gpa = to.first << kPageShift;  // the size stays: a different size is no move
        return framed(s, ref, r);
    }
    case Change::DirtyLog: r.flags ^= kMemLogDirtyPages; break;
    case Change::Readonly: r.flags ^= kMemReadonly; break;
    case Change::GuestMemfd:
        // On: refused for any existing slot. Off: refused with the 6.19 fix,
        // an unbinding flags-only change without it.
        r.flags ^= kMemGuestMemfd;
        if (slot.gmem) return framed(s, ref, r);
        break;
    case Change::Size: r.size = chance(50) ? r.size + kPageSize : std::max<uint64_t>(r.size - kPageSize, kPageSize); break;
    case Change::Uaddr:
        if (r.uaddr.symbolic) r.uaddr.value += kPageSize;
        else r.uaddr = HostAddr{};
        break;
    case Change::Same: break;
    case Change::Version1:
        r.version = 1;
        r.gmem = FdRef{};
        r.gmem_offset = 0;
        break;
    }
    return {r};
}

Ops delete_slot(GenerationState& s, const SlotRef& ref) {
    SetRegion r;
    r.vm = ref.vm;
    r.slot = (ref.slot.as_id << 16) | ref.slot.id;
    return framed(s, ref, r);
}

}  // namespace slotcheck::gen
