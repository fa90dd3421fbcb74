// KVM_SET_USER_MEMORY_REGION(2): new slots (normal and guest_memfd, v1 and
// v2) placed against existing slots and bindings, changes and deletions of
// existing slots, and implausible requests with one field wrong.
#include <algorithm>
#include <iterator>

#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/region_parts.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

struct Request {
    Ops prefix;  // what the request needs first: a mapping, a guest_memfd
    SetRegion region;
};

uint64_t pages_of(uint64_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }

// Share of new guest_memfd bindings placed across 2^63 (across_2_63()).
constexpr int kAcross2To63Percent = 6;

uint64_t plausible_gmem_flags(const Profile& p) {
    if (!p.gmem_mmap) return 0;
    return one_of<uint64_t>({0, kGmemFlagMmap, kGmemFlagMmap | kGmemFlagInitShared});
}

// The file-offset range of a new binding: against a binding of the same
// file (exact, nested, partial, adjacent), at the offsets another file of
// the VM is bound at, at the end of the file, or from its start.
PageRange binding_range(const GenerationState& s, const Handle& vm, const FileRef& file, uint64_t npages) {
    const FileObject& f = s.object(file.object);
    auto pick_binding = [&](const FileObject& o) {
        auto it = o.bindings.begin();
        std::advance(it, below(o.bindings.size()));
        return PageRange{it->first, it->second.npages};
    };
    if (!f.bindings.empty() && chance(70)) return related_range(pick_binding(f), draw_relation(60), npages);
    for (const auto& other : s.gmems_of(vm))
        if (other.object != file.object && !s.object(other.object).bindings.empty() && chance(40))
            return pick_binding(s.object(other.object));
    if (chance(40)) return range_at_end(pages_of(f.size), npages);
    return {chance(50) ? 0 : below(std::max<uint64_t>(pages_of(f.size), 1)), npages};
}

// The top of the file-offset space a signed loff_t can hold: two or more
// pages from the last page below 2^63, so the binding crosses 2^63 (F1 in
// docs/findings.md: before 7.2 the signed sum wraps negative and the
// binding is made, from 7.2 the range check refuses it), or a range ending
// exactly at 2^63 (the gmem-offset-unsigned deviation probe's shape).
PageRange across_2_63(uint64_t npages) {
    constexpr uint64_t kTopPage = (1ull << 63) >> kPageShift;
    if (chance(75)) return {kTopPage - 1, std::max<uint64_t>(npages, 2)};
    return {kTopPage - npages, npages};
}

void place_gmem(GenerationState& s, Request& q, uint64_t npages) {
    SetRegion& r = q.region;
    const auto files = s.gmems_of(r.vm);
    PageRange offsets{0, npages};
    bool gmem_only = false;
    std::vector<FileRef> foreign;  // open guest_memfds of other VMs
    for (const auto& f : s.files(HandleKind::Gmem, true))
        if (s.object(f.object).vm != r.vm.index) foreign.push_back(f);
    if (!foreign.empty() && chance(12)) {
        // A guest_memfd of another VM: what a VMM sharing files between VMs
        // would try; kvm_gmem_bind() refuses it.
        const FileRef& f = one_of(foreign);
        offsets = binding_range(s, r.vm, f, npages);
        r.gmem = FdRef{FdRef::Kind::Handle, f.handle};
    } else if (files.empty() || chance(10)) {
        CreateGmem c{s.fresh(HandleKind::Gmem), r.vm, (npages + between(0, 8)) * kPageSize,
                     plausible_gmem_flags(s.profile())};
        if (chance(30)) offsets = range_at_end(c.size / kPageSize, npages);
        gmem_only = c.flags & kGmemFlagMmap;
        q.prefix.push_back(c);
        r.gmem = FdRef{FdRef::Kind::Handle, c.gmem};
    } else {
        const FileRef& f = one_of(files);
        offsets = binding_range(s, r.vm, f, npages);
        gmem_only = s.object(f.object).gmem_flags & kGmemFlagMmap;
        r.gmem = FdRef{FdRef::Kind::Handle, f.handle};
    }
    // Every field valid but the offset, at the end of what a loff_t holds:
    // only the range check can decide (BindNear2To63Live in the census).
    if (chance(kAcross2To63Percent)) offsets = across_2_63(npages);
    r.flags = kMemGuestMemfd;
    r.gmem_offset = offsets.first * kPageSize;
    r.size = offsets.count * kPageSize;
    // A gmem-only slot ignores userspace_addr for guest faults; others read it.
    if (!gmem_only || chance(50)) r.uaddr = slot_backing(s, offsets.count, q.prefix);
}

void place_normal(GenerationState& s, Request& q, uint64_t npages) {
    SetRegion& r = q.region;
    r.size = npages * kPageSize;
    const bool small = npages <= kDirtyLogPageLimit;
    r.flags = weighted<uint32_t>({{14, 0}, {small ? 3u : 0u, kMemLogDirtyPages}, {3, kMemReadonly}});
    r.uaddr = slot_backing(s, npages, q.prefix);
    if (chance(15)) {
        r.version = 1;
    } else if (chance(10)) {
        // Without KVM_MEM_GUEST_MEMFD the guest_memfd fields are ignored.
        if (s.created(HandleKind::Gmem)) r.gmem = FdRef{FdRef::Kind::Handle, {HandleKind::Gmem, 0}};
        r.gmem_offset = *near_top_u64();
    }
}

bool has_private_mem(const GenerationState& s, const Handle& vm) {
    const auto it = s.world().vms().find(vm.index);
    return it != s.world().vms().end() && it->second.traits.private_mem;
}

// The VM of a new slot: any open one; where only VMs with private memory
// bind guest_memfd (before 6.18), those twice as often, so that the binding
// rules get their share there too.
Handle vm_for_slot(const GenerationState& s, const std::vector<Handle>& open) {
    if (s.profile().gmem_on_default_vm) return one_of(open);
    std::vector<std::pair<size_t, Handle>> weights;
    for (const Handle& vm : open) weights.push_back({has_private_mem(s, vm) ? 2u : 1u, vm});
    return weighted(weights);
}

std::optional<Request> create_request(GenerationState& s, Intent intent) {
    const auto open = s.open_vms();
    const auto all = s.vms();
    if (all.empty()) return std::nullopt;
    Request q;
    SetRegion& r = q.region;
    r.vm = open.empty() || (intent == Intent::Implausible && chance(10)) ? one_of(all) : vm_for_slot(s, open);
    // A VM with private memory has one address space (no SMM).
    const bool private_mem = has_private_mem(s, r.vm);
    const uint32_t address_spaces = private_mem ? 1 : s.profile().nr_address_spaces;
    const uint32_t as_id = address_spaces > 1 && chance(20) ? below(address_spaces) : 0;
    r.slot = (as_id << 16) | free_slot_id(s, r.vm, as_id);
    const uint64_t npages = slot_pages();
    // Where default VMs cannot bind guest_memfd (before 6.18) a VMM would
    // rarely try; the refusal still gets its share. VMs with private memory
    // bind always can.
    const bool gmem =
        s.profile().guest_memfd_ioctl && chance(s.profile().gmem_on_default_vm || private_mem ? 50 : 10);
    if (gmem) place_gmem(s, q, npages);
    else place_normal(s, q, npages);
    // Binding overlaps are checked after gfn overlaps: guest_memfd slots
    // overlap in gfns less often, so that their offsets decide more often.
    const PageRange gfns = gfn_range(s, r.vm, as_id, r.size / kPageSize, gmem ? 10 : 20);
    r.gpa = gfns.first << kPageShift;
    return q;
}

Ops create_slot(GenerationState& s) {
    auto q = create_request(s, Intent::Plausible);
    if (!q) return {};
    Ops ops = std::move(q->prefix);
    ops.push_back(q->region);
    // A first read of the new slot (address space 0 of a probed VM).
    Slot shape;
    shape.base_gfn = q->region.gpa >> kPageShift;
    shape.npages = q->region.size / kPageSize;
    const auto probed = s.probed_vms();
    if ((q->region.slot >> 16) == 0 && std::find(probed.begin(), probed.end(), q->region.vm) != probed.end() &&
        chance(40))
        if (auto gpa = gpa_in_slot(shape)) ops.push_back(GuestRead{q->region.vm, *gpa});
    return ops;
}

// Existing slots, the harness's own slot rarely: changing or deleting it
// retires the probe.
std::vector<SlotRef> slots_to_change(const GenerationState& s) {
    return s.all_slots(chance(4));
}

Ops plausible(GenerationState& s) {
    const auto slots = slots_to_change(s);
    enum class What { Create, Change, Delete };
    const size_t few = slots.size() < 3 ? 6 : 3;
    switch (weighted<What>({{few, What::Create}, {slots.empty() ? 0u : 3u, What::Change},
                            {slots.empty() ? 0u : 2u, What::Delete}})) {
    case What::Create: return create_slot(s);
    case What::Change: return change_slot(s, one_of(slots));
    case What::Delete: return delete_slot(s, one_of(slots));
    }
    return {};
}

Ops implausible(GenerationState& s) {
    const auto vms = s.vms();
    if (vms.empty()) return {};
    if (chance(12)) {
        // Deleting an id that has no slot.
        SetRegion r;
        r.vm = one_of(vms);
        r.slot = free_slot_id(s, r.vm, 0);
        if (chance(20)) r.version = 1;
        return {r};
    }
    const auto slots = s.all_slots(chance(10));
    Request q;
    if (!slots.empty() && chance(25)) {
        const SlotRef& ref = one_of(slots);
        q.region = request_for(s, ref.vm, ref.slot);
    } else if (auto created = create_request(s, Intent::Implausible)) {
        q = std::move(*created);
    } else {
        return {};
    }
    break_region(s, q.region);
    Ops ops = std::move(q.prefix);
    ops.push_back(q.region);
    return ops;
}

}  // namespace

Ops region_ops(GenerationState& s, Intent intent) {
    return intent == Intent::Plausible ? plausible(s) : implausible(s);
}

}  // namespace slotcheck::gen
