// World: construction, dispatch, and the operations on VMs and files that
// are not memslots (model/world_region.cpp), fallocate
// (model/world_fallocate.cpp) or memory accesses (model/world_access.cpp).
#include "model/world.h"

#include <cerrno>

#include "model/mutation.h"

namespace slotcheck {

World::World(Profile profile) : profile_(std::move(profile)) {}

Decision World::decide(RuleId r) const {
    const Rule& info = rule(r);
    Decision d;
    d.rule = r;
    d.outcome = info.err ? Outcome::error(info.err) : Outcome::ok();
    if (mutant_ == r && mutation(r).kind == MutationKind::WrongOutcome) d.outcome = wrong_outcome(d.outcome);
    return d;
}

Decision World::decide(RuleId r, Outcome outcome) const {
    Decision d;
    d.rule = r;
    d.outcome = outcome;
    if (mutant_ == r && mutation(r).kind == MutationKind::WrongOutcome) d.outcome = wrong_outcome(d.outcome);
    return d;
}

bool World::mutant_never_fires() const {
    return mutant_ && mutation(*mutant_).kind == MutationKind::NeverFires;
}

uint64_t World::address_value(const HostAddr& a) {
    return a.symbolic ? mapping_address(a.mapping.index) + a.value : a.value;
}

VmState* World::vm(const Handle& h, uint32_t& index) {
    auto it = vms_.find(h.index);
    if (it == vms_.end()) return nullptr;
    index = h.index;
    return &it->second;
}

std::optional<uint32_t> World::object_of(const Handle& h) const {
    auto it = file_handles_.find(h);
    if (it == file_handles_.end()) return std::nullopt;
    return it->second;
}

uint32_t World::new_object(FileObject::Kind kind, uint64_t size) {
    FileObject o;
    o.kind = kind;
    o.size = size;
    objects_.push_back(std::move(o));
    return static_cast<uint32_t>(objects_.size() - 1);
}

Decision World::step(const Op& op) {
    step_peak_ = kernel_memory_;
    const MemoryBefore before = memory_before(op);
    const Decision d = std::visit(
        [&](const auto& x) -> Decision {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, CreateVm>) return create_vm(x);
            else if constexpr (std::is_same_v<T, CreateGmem>) return create_gmem(x);
            else if constexpr (std::is_same_v<T, CreateMemfd>) return create_memfd(x);
            else if constexpr (std::is_same_v<T, Mmap>) return mmap(x);
            else if constexpr (std::is_same_v<T, Munmap>) return munmap(x);
            else if constexpr (std::is_same_v<T, SetRegion>) return set_region(x);
            else if constexpr (std::is_same_v<T, Fallocate>) return fallocate(x);
            else if constexpr (std::is_same_v<T, Close>) return close(x);
            else if constexpr (std::is_same_v<T, HostWrite>) return host_access(x.addr, x.width, x.value);
            else if constexpr (std::is_same_v<T, HostRead>) return host_access(x.addr, x.width, std::nullopt);
            else if constexpr (std::is_same_v<T, GuestRead>) return guest_access(x.vm, x.gpa, std::nullopt);
            else if constexpr (std::is_same_v<T, GuestWrite>) return guest_access(x.vm, x.gpa, x.value);
            else if constexpr (std::is_same_v<T, SetAttributes>) return set_attributes(x);
            else return Decision{Outcome::ok(), RuleId::Count};  // Check: observed by the differ
        },
        op);
    account_memory(op, before, d);
    return d;
}

Decision World::create_vm(const CreateVm& op) {
    if (fires(RuleId::VmCreateType, !profile_.vm_type_supported(op.type))) return decide(RuleId::VmCreateType);
    VmState v;
    v.type = op.type;
    v.traits = vm_type_traits(op.type);
    // kvm_arch_nr_memslot_as_ids(): the SMM address space only without
    // private memory.
    v.address_spaces.resize(v.traits.private_mem ? 1 : profile_.nr_address_spaces);
    // The harness's own slot (seq/layout.h): present from the start, like
    // in the kernel backend, so collisions with it are real collisions.
    Slot h;
    h.id = profile_.nr_memslots - 1;
    h.base_gfn = kHarnessGpa >> kPageShift;
    h.npages = kHarnessSize >> kPageShift;
    h.uaddr = kHarnessUaddrMarker;
    h.harness = true;
    v.address_spaces[0].insert(h);
    vms_[op.vm.index] = std::move(v);
    return decide(RuleId::VmCreate);
}

Decision World::create_memfd(const CreateMemfd& op) {
    // ftruncate() takes a signed length.
    if (fires(RuleId::MemfdCreateSize, static_cast<int64_t>(op.size) < 0)) return decide(RuleId::MemfdCreateSize);
    file_handles_[op.memfd] = new_object(FileObject::Kind::Memfd, op.size);
    return decide(RuleId::MemfdCreate);
}

Decision World::create_gmem(const CreateGmem& op) {
    uint32_t vm_index;
    VmState* v = vm(op.vm, vm_index);
    if (fires(RuleId::FdClosed, !v || !v->fd_open) || !v) return decide(RuleId::FdClosed);
    if (fires(RuleId::GmemCreateUnsupported, !profile_.guest_memfd_ioctl)) return decide(RuleId::GmemCreateUnsupported);
    // kvm_gmem_get_supported_flags() (6.18+): MMAP always, INIT_SHARED only
    // for VMs without private memory.
    uint64_t supported = 0;
    if (profile_.gmem_mmap) supported = kGmemFlagMmap | (v->traits.private_mem ? 0 : kGmemFlagInitShared);
    if (fires(RuleId::GmemCreateFlags, (op.flags & ~supported))) return decide(RuleId::GmemCreateFlags);
    if (fires(RuleId::GmemCreateSize, (static_cast<int64_t>(op.size) <= 0 || op.size % kPageSize != 0)))
        return decide(RuleId::GmemCreateSize);
    uint32_t obj = new_object(FileObject::Kind::Gmem, op.size);
    objects_[obj].vm = vm_index;
    objects_[obj].gmem_flags = op.flags;
    file_handles_[op.gmem] = obj;
    v->live_gmem_files++;
    return decide(RuleId::GmemCreate);
}

Decision World::mmap(const Mmap& op) {
    // sys_mmap() checks the offset before it looks at the fd.
    if (fires(RuleId::MmapOffset, op.offset % kPageSize != 0)) return decide(RuleId::MmapOffset);
    std::optional<uint32_t> obj;
    if (op.source == Mmap::Source::File) {
        obj = object_of(op.file);
        if (fires(RuleId::FdClosed, !obj || !objects_[*obj].fd_open) || !obj) return decide(RuleId::FdClosed);
    }
    if (fires(RuleId::MmapLength, op.size == 0)) return decide(RuleId::MmapLength);
    uint64_t size = (op.size + kPageSize - 1) / kPageSize * kPageSize;
    if (obj) {
        // do_mmap() -> file_mmap_ok(): memfd and guest_memfd inodes are
        // regular files, so a mapping may reach MAX_LFS_FILESIZE at most
        // (whatever the file's size). Anonymous mappings have no file here.
        constexpr uint64_t kMaxLfsFileSize = INT64_MAX;
        if (fires(RuleId::MmapOverflow,
                  size > kMaxLfsFileSize || (op.offset >> kPageShift) > ((kMaxLfsFileSize - size) >> kPageShift)))
            return decide(RuleId::MmapOverflow);
    }
    if (obj && objects_[*obj].kind == FileObject::Kind::Gmem) {
        if (fires(RuleId::MmapNoexec, op.exec && profile_.gmem_noexec_mount)) return decide(RuleId::MmapNoexec);
        if (fires(RuleId::MmapGmemNoMmap, !(profile_.gmem_mmap && (objects_[*obj].gmem_flags & kGmemFlagMmap))))
            return decide(RuleId::MmapGmemNoMmap);
    }
    if (!obj) obj = new_object(FileObject::Kind::Anonymous, size);
    objects_[*obj].mappings++;
    MappingState m;
    m.object = *obj;
    m.file_offset = op.source == Mmap::Source::File ? op.offset : 0;
    m.size = size;
    m.writable = op.writable;
    mappings_[op.mapping.index] = m;
    return decide(RuleId::Mmap);
}

Decision World::munmap(const Munmap& op) {
    auto it = mappings_.find(op.mapping.index);
    if (it != mappings_.end() && it->second.alive) {
        it->second.alive = false;
        uint32_t obj = it->second.object;
        objects_[obj].mappings--;
        maybe_release(obj);
    }
    return decide(RuleId::Munmap);
}

Decision World::close(const Close& op) {
    if (op.handle.kind == HandleKind::Vm) {
        uint32_t idx;
        VmState* v = vm(op.handle, idx);
        if (fires(RuleId::FdClosed, !v || !v->fd_open) || !v) return decide(RuleId::FdClosed);
        // The harness releases the probe vCPU with the VM fd, so no guest
        // access can follow; guest_memfd files keep the VM object alive.
        v->fd_open = false;
        v->probe = false;
        return decide(RuleId::CloseFd);
    }
    auto obj = object_of(op.handle);
    if (fires(RuleId::FdClosed, !obj || !objects_[*obj].fd_open) || !obj) return decide(RuleId::FdClosed);
    objects_[*obj].fd_open = false;
    maybe_release(*obj);
    return decide(RuleId::CloseFd);
}

void World::maybe_release(uint32_t object) {
    FileObject& o = objects_[object];
    if (o.kind == FileObject::Kind::Gmem && !o.fd_open && o.mappings == 0 && !o.released) release_gmem(object);
}

Decision World::set_attributes(const SetAttributes& op) {
    uint32_t idx;
    VmState* v = vm(op.vm, idx);
    if (fires(RuleId::FdClosed, !v || !v->fd_open) || !v) return decide(RuleId::FdClosed);
    if (fires(RuleId::AttrsUnsupported, !profile_.memory_attributes_ioctl)) return decide(RuleId::AttrsUnsupported);
    if (fires(RuleId::AttrsFlags, op.flags != 0)) return decide(RuleId::AttrsFlags);
    // kvm_supported_mem_attributes(): PRIVATE only for VMs with private
    // memory.
    const uint64_t supported = v->traits.private_mem ? kAttributePrivate : 0;
    if (fires(RuleId::AttrsUnknown, (op.attributes & ~supported))) return decide(RuleId::AttrsUnknown);
    // Ending exactly at 2^64 wraps too.
    if (fires(RuleId::AttrsRange, (op.size == 0 || op.address + op.size < op.address)))
        return decide(RuleId::AttrsRange);
    if (fires(RuleId::AttrsUnaligned, (op.address % kPageSize != 0 || op.size % kPageSize != 0)))
        return decide(RuleId::AttrsUnaligned);
    // kvm_vm_set_mem_attributes(): the attribute array changes whether or
    // not a memslot covers the range; memory contents never do (a later
    // access is routed by the new attribute, kernel-semantics.md §5.6).
    const uint64_t first = op.address >> kPageShift, end = (op.address + op.size) >> kPageShift;
    const bool make_private = op.attributes & kAttributePrivate;
    if (on(RuleId::AttrsSet)) v->private_gfns.assign(first, end, make_private);
    // The probe's code, page tables and command page live in the harness
    // range: made private, they fault before the probe reaches its access,
    // so the harness stops using the probe of this VM (as it does when its
    // slot is deleted), and the backend does the same.
    if (make_private && touches_harness(op.address, op.size)) v->probe = false;
    return decide(RuleId::AttrsSet);
}

}  // namespace slotcheck
