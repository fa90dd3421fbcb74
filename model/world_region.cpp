// KVM_SET_USER_MEMORY_REGION(2): the ordered checks of kvm_vm_ioctl() and
// kvm_set_memory_region() (kernel-semantics.md §3.2), the guest_memfd
// binding (§3.3) and its release (§2.5, §5.3).
#include <cerrno>

#include "model/world.h"

namespace slotcheck {

namespace {

// x86-64 access_ok() with a non-constant size: the end must not wrap and
// must stay at or below TASK_SIZE_MAX (observed: uaddr TASK_SIZE_MAX - 4096
// with size 4096 is accepted, uaddr TASK_SIZE_MAX is not).
bool access_ok(uint64_t uaddr, uint64_t size, uint64_t task_size_max) {
    uint64_t end = uaddr + size;
    return end >= uaddr && end <= task_size_max;
}

}  // namespace

Decision World::set_region(const SetRegion& op) {
    uint32_t vm_index;
    VmState* v = vm(op.vm, vm_index);
    if (fires(RuleId::FdClosed, !v || !v->fd_open) || !v) return decide(RuleId::FdClosed);
    if (fires(RuleId::RegionV1Flags, op.version == 1 && (op.flags & ~(kMemLogDirtyPages | kMemReadonly))))
        return decide(RuleId::RegionV1Flags);

    const uint32_t id = op.slot & 0xffff, as_id = op.slot >> 16;
    if (fires(RuleId::RegionSlotLimit, id >= profile_.nr_memslots)) return decide(RuleId::RegionSlotLimit);

    // Version 1 copies only 32 bytes: the guest_memfd fields read as zero.
    const uint32_t flags = op.flags;
    const bool gmf = flags & kMemGuestMemfd;
    const uint64_t gmem_offset = op.version == 2 ? op.gmem_offset : 0;

    // check_memory_region_flags(): applies to deletions too.
    // GUEST_MEMFD: every VM from 6.18, before only VMs with private memory;
    // READONLY: kvm_arch_has_readonly_mem(), no VM with protected state.
    uint32_t valid = kMemLogDirtyPages;
    if (profile_.gmem_on_default_vm || v->traits.private_mem) valid |= kMemGuestMemfd;
    if (gmf) valid &= ~kMemLogDirtyPages;
    if (profile_.readonly_mem && !v->traits.protected_state && !gmf) valid |= kMemReadonly;
    const uint32_t bad = flags & ~valid;
    const RuleId flag_rule = (bad & ~(kMemLogDirtyPages | kMemReadonly | kMemGuestMemfd)) ? RuleId::RegionFlagsUnknown
                             : (bad & kMemGuestMemfd)                                     ? RuleId::RegionGmemUnsupported
                             : (bad & kMemLogDirtyPages)                                  ? RuleId::RegionGmemDirtyLog
                                                                                          : RuleId::RegionReadonly;
    if (!bad) {
        for (RuleId r : {RuleId::RegionFlagsUnknown, RuleId::RegionGmemUnsupported, RuleId::RegionGmemDirtyLog,
                         RuleId::RegionReadonly})
            fires(r, false);
    } else if (fires(flag_rule, true)) {
        return decide(flag_rule);
    }
    if (fires(RuleId::RegionSizeUnaligned, op.size % kPageSize != 0)) return decide(RuleId::RegionSizeUnaligned);
    if (fires(RuleId::RegionGpaUnaligned, op.gpa % kPageSize != 0)) return decide(RuleId::RegionGpaUnaligned);
    const uint64_t uaddr = address_value(op.uaddr);
    if (fires(RuleId::RegionUaddrUnaligned, uaddr % kPageSize != 0)) return decide(RuleId::RegionUaddrUnaligned);
    if (fires(RuleId::RegionUaddrRange, !access_ok(uaddr, op.size, profile_.task_size_max)))
        return decide(RuleId::RegionUaddrRange);
    if (gmf) {
        if (fires(RuleId::RegionGmemOffsetUnaligned, gmem_offset % kPageSize != 0))
            return decide(RuleId::RegionGmemOffsetUnaligned);
        if (fires(RuleId::RegionGmemOffsetWrap, gmem_offset + op.size < gmem_offset))
            return decide(RuleId::RegionGmemOffsetWrap);
    }
    const uint32_t nr_as = v->traits.private_mem ? 1 : profile_.nr_address_spaces;
    if (fires(RuleId::RegionAsId, as_id >= nr_as)) return decide(RuleId::RegionAsId);
    if (fires(RuleId::RegionGpaWrap, op.gpa + op.size < op.gpa)) return decide(RuleId::RegionGpaWrap);
    const uint64_t npages = op.size >> kPageShift;
    if (fires(RuleId::RegionMaxPages, npages > kMaxPagesPerSlot)) return decide(RuleId::RegionMaxPages);
    if (as_id >= v->address_spaces.size()) return decide(RuleId::RegionAsId);  // only reachable under a mutant

    AddressSpace& space = v->address_spaces[as_id];
    auto old_it = space.by_id.find(id);
    const Slot* old = old_it == space.by_id.end() ? nullptr : &old_it->second;
    const uint64_t base_gfn = op.gpa >> kPageShift;

    if (op.size == 0) {
        if (fires(RuleId::RegionDeleteMissing, !old)) return decide(RuleId::RegionDeleteMissing);
        if (!old) return decide(RuleId::RegionNoop);  // only under the mutant
        Slot gone = *old;
        if (gone.gmem && on(RuleId::RegionDelete)) unbind(gone);
        if (gone.harness) v->probe = false;
        space.erase(id);
        v->memslots_changed();
        return decide(RuleId::RegionDelete);
    }

    enum class Change { Create, Move, FlagsOnly } change = Change::Create;
    if (old) {
        if (fires(RuleId::RegionGmemImmutable, gmf)) return decide(RuleId::RegionGmemImmutable);
        bool fixed_changed = uaddr != old->uaddr || npages != old->npages || ((flags ^ old->flags) & kMemReadonly);
        if (profile_.gmf_toggle_rejected) fixed_changed = fixed_changed || ((flags ^ old->flags) & kMemGuestMemfd);
        if (fires(RuleId::RegionModifyImmutable, fixed_changed)) return decide(RuleId::RegionModifyImmutable);
        if (base_gfn != old->base_gfn) change = Change::Move;
        else if (flags != old->flags) change = Change::FlagsOnly;
        else return decide(RuleId::RegionNoop);
    }

    if (change != Change::FlagsOnly) {
        std::optional<uint32_t> self = old ? std::optional<uint32_t>(id) : std::nullopt;
        if (fires(RuleId::RegionGpaOverlap, space.find_overlap(base_gfn, base_gfn + npages, self)))
            return decide(RuleId::RegionGpaOverlap);
    }

    uint32_t object = 0;
    const bool binds = change == Change::Create && gmf;
    if (binds) {
        if (auto d = bind_checks(op, *v, vm_index, false, object)) return *d;
        if (!profile_.binding_checked_after_arch)
            if (auto d = bind_checks(op, *v, vm_index, true, object)) return *d;
    }
    // kvm_arch_prepare_memory_region() on x86: CREATE and MOVE only.
    if (fires(RuleId::RegionMaxGfn, change != Change::FlagsOnly && base_gfn + npages - 1 > profile_.max_gfn))
        return decide(RuleId::RegionMaxGfn);
    if (binds && profile_.binding_checked_after_arch)
        if (auto d = bind_checks(op, *v, vm_index, true, object)) return *d;

    v->memslots_changed();
    if (change == Change::Create) {
        Slot s;
        s.id = id;
        s.as_id = as_id;
        s.base_gfn = base_gfn;
        s.npages = npages;
        s.uaddr = uaddr;
        s.flags = flags;
        if (binds) {
            FileObject& f = objects_[object];
            s.gmem = true;
            s.gmem_object = object;
            s.pgoff = gmem_offset >> kPageShift;
            s.gmem_only = profile_.gmem_mmap && (f.gmem_flags & kGmemFlagMmap);
            s.file_bound = true;
            f.bindings[s.pgoff] = FileObject::Binding{npages, as_id, id};
        }
        space.insert(s);
        return decide(RuleId::RegionCreate);
    }
    Slot updated = *old;
    updated.base_gfn = base_gfn;
    updated.flags = flags;
    if (updated.gmem && !(flags & kMemGuestMemfd)) {
        // Only reachable on kernels without the toggle fix
        // (gmf-toggle-rejected=off); 6.19 unbinds defensively here.
        unbind(updated);
        updated.gmem = false;
    }
    space.erase(id);
    space.insert(updated);
    return decide(change == Change::Move ? RuleId::RegionMove : RuleId::RegionFlagsOnly);
}

// kvm_gmem_bind(): the fd and offset checks (overlap_part false) or the
// binding overlap check (overlap_part true). 7.3 runs the second part after
// the arch prepare step; older kernels run both at once.
std::optional<Decision> World::bind_checks(const SetRegion& op, VmState&, uint32_t vm_index, bool overlap_part,
                                           uint32_t& object_out) {
    const uint64_t npages = op.size >> kPageShift;
    const uint64_t offset = op.version == 2 ? op.gmem_offset : 0;
    if (!overlap_part) {
        std::optional<uint32_t> obj;
        bool open_fd = false;
        switch (op.gmem.kind) {
        case FdRef::Kind::Minus1:
        case FdRef::Kind::NeverOpen: break;
        case FdRef::Kind::Kvm: open_fd = true; break;
        case FdRef::Kind::Handle:
            if (op.gmem.handle.kind == HandleKind::Vm) {
                auto it = vms_.find(op.gmem.handle.index);
                open_fd = it != vms_.end() && it->second.fd_open;
            } else {
                obj = object_of(op.gmem.handle);
                open_fd = obj && objects_[*obj].fd_open;
            }
            break;
        }
        if (fires(RuleId::BindBadFd, !open_fd)) return decide(RuleId::BindBadFd);
        bool is_gmem = obj && objects_[*obj].kind == FileObject::Kind::Gmem;
        if (fires(RuleId::BindNotGmem, !is_gmem)) return decide(RuleId::BindNotGmem);
        if (!is_gmem) return decide(RuleId::BindNotGmem);  // a mutant cannot bind what is not a file
        const FileObject& f = objects_[*obj];
        if (fires(RuleId::BindOtherVm, f.vm != vm_index)) return decide(RuleId::BindOtherVm);
        if (fires(RuleId::BindOffsetNegative, !profile_.gmem_offset_unsigned && static_cast<int64_t>(offset) < 0))
            return decide(RuleId::BindOffsetNegative);
        // offset + size > i_size_read(): in loff_t arithmetic before 7.2
        // (built with -fno-strict-overflow, so a sum past 2^63 - 1 wraps
        // negative and passes), in unsigned arithmetic from 7.2.
        const bool past_end = profile_.gmem_offset_unsigned
                                  ? offset + op.size > f.size
                                  : static_cast<int64_t>(offset + op.size) > static_cast<int64_t>(f.size);
        if (fires(RuleId::BindRange, past_end)) return decide(RuleId::BindRange);
        object_out = *obj;
        return std::nullopt;
    }
    const FileObject& f = objects_[object_out];
    uint64_t start = offset >> kPageShift, end = start + npages;
    auto it = f.bindings.lower_bound(start);
    bool overlap = (it != f.bindings.end() && it->first < end);
    if (!overlap && it != f.bindings.begin()) {
        --it;
        overlap = it->first + it->second.npages > start;
    }
    if (fires(RuleId::BindOverlap, overlap))
        return decide(RuleId::BindOverlap, Outcome::error(profile_.binding_overlap_eexist ? EEXIST : EINVAL));
    return std::nullopt;
}

void World::unbind(Slot& slot) {
    if (!slot.gmem || !slot.file_bound) return;
    FileObject& f = objects_[slot.gmem_object];
    auto it = f.bindings.find(slot.pgoff);
    if (it != f.bindings.end() && it->second.slot_id == slot.id && it->second.as_id == slot.as_id) f.bindings.erase(it);
    slot.file_bound = false;
}

// kvm_gmem_release(): every bound slot loses its file; the slots stay.
void World::release_gmem(uint32_t object) {
    FileObject& f = objects_[object];
    auto vit = vms_.find(f.vm);
    if (vit != vms_.end()) {
        for (const auto& [pgoff, b] : f.bindings) {
            AddressSpace& space = vit->second.address_spaces[b.as_id];
            auto sit = space.by_id.find(b.slot_id);
            if (sit != space.by_id.end()) sit->second.file_bound = false;
        }
    }
    f.bindings.clear();
    f.pages.clear();
    f.released = true;
    if (vit != vms_.end()) {
        vit->second.live_gmem_files--;
        destroy_if_unreferenced(f.vm);
    }
}

const Slot* AddressSpace::find_gfn(uint64_t gfn) const {
    auto it = by_gfn.upper_bound(gfn);
    if (it == by_gfn.begin()) return nullptr;
    --it;
    return gfn < it->second->end_gfn() ? it->second : nullptr;
}

const Slot* AddressSpace::find_overlap(uint64_t gfn, uint64_t end, std::optional<uint32_t> except_id) const {
    // Ranges are disjoint, so at most the predecessor of `end` and, when it
    // is the excepted slot, its own predecessor can overlap.
    auto it = by_gfn.lower_bound(end);
    while (it != by_gfn.begin()) {
        --it;
        const Slot& s = *it->second;
        if (s.end_gfn() <= gfn) return nullptr;
        if (!except_id || s.id != *except_id) return &s;
    }
    return nullptr;
}

void AddressSpace::insert(const Slot& s) {
    Slot& stored = by_id[s.id] = s;
    by_gfn[s.base_gfn] = &stored;
}

void AddressSpace::erase(uint32_t id) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return;
    auto git = by_gfn.find(it->second.base_gfn);
    if (git != by_gfn.end() && git->second == &it->second) by_gfn.erase(git);
    by_id.erase(it);
}

}  // namespace slotcheck
