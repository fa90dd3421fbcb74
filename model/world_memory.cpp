// The World's running total of kernel memory (model/kernel_memory.h): each
// step compares the state it changed before and after, so the decision
// logic (world_region.cpp, world.cpp) stays as the kernel's checks are, and
// the accounting follows what the model did, mutants included. O(log n) per
// step: one slot lookup, one range count; nothing is rescanned.
#include <algorithm>

#include "model/kernel_memory.h"
#include "model/world.h"

namespace slotcheck {

namespace {

std::optional<Slot> named_slot(const std::map<uint32_t, VmState>& vms, const SetRegion& op) {
    auto vit = vms.find(op.vm.index);
    if (vit == vms.end()) return std::nullopt;
    const uint32_t id = op.slot & 0xffff, as_id = op.slot >> 16;
    if (as_id >= vit->second.address_spaces.size()) return std::nullopt;
    const auto& by_id = vit->second.address_spaces[as_id].by_id;
    auto sit = by_id.find(id);
    if (sit == by_id.end()) return std::nullopt;
    return sit->second;
}

uint64_t attribute_bytes(const VmState& v) {
    return attribute_memory(v.private_gfns.size(), v.private_gfns.range_count());
}

}  // namespace

World::MemoryBefore World::memory_before(const Op& op) const {
    MemoryBefore b;
    if (const auto* r = std::get_if<SetRegion>(&op)) {
        b.slot = named_slot(vms_, *r);
    } else if (const auto* a = std::get_if<SetAttributes>(&op)) {
        auto vit = vms_.find(a->vm.index);
        if (vit != vms_.end()) {
            const uint64_t first = a->address >> kPageShift, end = (a->address + a->size) >> kPageShift;
            b.private_in_range = vit->second.private_gfns.count_in(first, end);
            b.attribute_bytes = attribute_bytes(vit->second);
        }
    }
    return b;
}

void World::charge(VmState& v, int64_t bytes) {
    v.kernel_memory = static_cast<uint64_t>(static_cast<int64_t>(v.kernel_memory) + bytes);
    kernel_memory_ = static_cast<uint64_t>(static_cast<int64_t>(kernel_memory_) + bytes);
}

// kvm_destroy_vm() runs when the last reference goes: the VM fd, and each
// guest_memfd file (kvm_gmem_release() drops the file's reference). It frees
// every memslot with its metadata and the attribute xarray.
void World::destroy_if_unreferenced(uint32_t vm_index) {
    auto vit = vms_.find(vm_index);
    if (vit == vms_.end()) return;
    VmState& v = vit->second;
    if (v.destroyed || v.fd_open || v.live_gmem_files > 0) return;
    v.destroyed = true;
    charge(v, -static_cast<int64_t>(v.kernel_memory));
}

void World::account_memory(const Op& op, const MemoryBefore& before, const Decision& d) {
    const MmuKind mmu = profile_.mmu;
    if (std::holds_alternative<CreateVm>(op) && d.rule == RuleId::VmCreate) {
        // The harness's own slot, created with the VM (seq/layout.h).
        VmState& v = vms_.at(std::get<CreateVm>(op).vm.index);
        charge(v, static_cast<int64_t>(slot_memory(mmu, kHarnessGpa >> kPageShift, kHarnessSize >> kPageShift, 0).total()));
    } else if (const auto* c = std::get_if<Close>(&op); c && c->handle.kind == HandleKind::Vm) {
        destroy_if_unreferenced(c->handle.index);
    } else if (const auto* r = std::get_if<SetRegion>(&op)) {
        auto vit = vms_.find(r->vm.index);
        if (vit == vms_.end()) return;
        VmState& v = vit->second;
        const std::optional<Slot> after = named_slot(vms_, *r);
        const auto& old_slot = before.slot;
        auto cost = [&](const Slot& s) { return slot_memory(mmu, s.base_gfn, s.npages, s.flags); };
        if (old_slot && !after) {
            charge(v, -static_cast<int64_t>(cost(*old_slot).total()));
        } else if (!old_slot && after) {
            charge(v, static_cast<int64_t>(cost(*after).total()));
        } else if (old_slot && after && (old_slot->base_gfn != after->base_gfn || old_slot->flags != after->flags)) {
            // kvm_set_memslot(): the new slot is prepared while the old one
            // still holds its memory. A MOVE allocates new arch metadata; a
            // bitmap is allocated only when logging starts (an existing one
            // is reused), and the old one freed when it stops.
            const SlotMemory o = cost(*old_slot), n = cost(*after);
            const bool moved = old_slot->base_gfn != after->base_gfn;
            const uint64_t extra =
                n.slot_struct + (moved ? n.arch() : 0) + (o.dirty_bitmap == 0 ? n.dirty_bitmap : 0);
            step_peak_ = std::max(step_peak_, kernel_memory_ + extra);
            charge(v, static_cast<int64_t>(n.total()) - static_cast<int64_t>(o.total()));
        } else {
            // A failed request may still have allocated on its way
            // (kvm_prepare_memory_region(): the dirty bitmap before the arch
            // check; 7.3: the arch metadata before the binding overlap check).
            const SlotMemory request = slot_memory(mmu, r->gpa >> kPageShift, r->size >> kPageShift, r->flags);
            const bool had_bitmap = old_slot && (old_slot->flags & kMemLogDirtyPages);
            uint64_t transient = 0;
            if (d.rule == RuleId::RegionMaxGfn && !had_bitmap) transient = request.dirty_bitmap;
            if (d.rule == RuleId::BindOverlap && profile_.binding_checked_after_arch)
                transient = request.slot_struct + request.arch();
            step_peak_ = std::max(step_peak_, kernel_memory_ + transient);
        }
    } else if (const auto* a = std::get_if<SetAttributes>(&op); a && d.rule == RuleId::AttrsSet) {
        VmState& v = vms_.at(a->vm.index);
        // kvm_vm_set_mem_attributes(): nothing when the range already has
        // the attributes; otherwise every gfn of it is reserved first.
        const uint64_t first = a->address >> kPageShift, end = (a->address + a->size) >> kPageShift;
        const uint64_t pages = end - first;
        const bool make_private = a->attributes & kAttributePrivate;
        const bool uniform = make_private ? before.private_in_range == pages : before.private_in_range == 0;
        if (!uniform) step_peak_ = std::max(step_peak_, kernel_memory_ + attribute_memory(pages - before.private_in_range, 1));
        charge(v, static_cast<int64_t>(attribute_bytes(v)) - static_cast<int64_t>(before.attribute_bytes));
    }
    step_peak_ = std::max(step_peak_, kernel_memory_);
}

}  // namespace slotcheck
