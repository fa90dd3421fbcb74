// Implausible memslot requests: a plausible request with exactly one field
// wrong, so the checks before it pass and the one aimed at decides.
#include "generators/draw.h"
#include "generators/region_parts.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

void break_slot_field(const Profile& p, SetRegion& r) {
    const uint32_t id = r.slot & 0xffff, as_id = r.slot >> 16;
    if (chance(50)) {
        // The harness's id, the first id past the limit and the u16 top.
        const uint32_t bad_id = one_of<uint32_t>({p.nr_memslots - 1, p.nr_memslots, p.nr_memslots + 1, 0x7fff, 0xffff});
        r.slot = (as_id << 16) | (bad_id & 0xffff);
    } else {
        const uint32_t bad_as = one_of<uint32_t>({p.nr_address_spaces, p.nr_address_spaces + 1, 2, 0xffff});
        r.slot = (bad_as << 16) | id;
    }
}

void break_flags(SetRegion& r) {
    if (r.version == 1) {
        // GUEST_MEMFD is the one valid flag version 1 cannot carry.
        r.flags |= chance(50) ? kMemGuestMemfd : one_of<uint32_t>({1u << 3, 1u << 31});
        return;
    }
    // Dirty logging only where its bitmap would stay small (the memory
    // budget holds even for a kernel that would accept the request).
    const bool small = r.size / kPageSize <= kDirtyLogPageLimit;
    if (r.flags & kMemGuestMemfd)
        r.flags |= small ? one_of<uint32_t>({kMemLogDirtyPages, kMemReadonly, 1u << 3})
                         : one_of<uint32_t>({kMemReadonly, 1u << 3});
    else r.flags |= one_of<uint32_t>({1u << 3, 1u << 4, 1u << 16, 1u << 31});
}

void break_range(const Profile& p, SetRegion& r) {
    switch (below(5)) {
    case 0: r.size += *misalignment(); break;
    case 1: r.gpa += *misalignment(); break;
    case 2: {  // gpa + size reaches or passes 2^64
        r.size = std::max<uint64_t>(r.size, kPageSize);
        r.gpa = 0 - r.size + one_of<uint64_t>({0, kPageSize});
        break;
    }
    case 3: {  // the last gfn at the MMU's largest, or one past it
        const uint64_t npages = std::max<uint64_t>(r.size / kPageSize, 1);
        r.size = npages * kPageSize;
        r.gpa = (p.max_gfn + 1 - std::min(npages, p.max_gfn) + one_of<uint64_t>({0, 1})) << kPageShift;
        break;
    }
    default:  // KVM_MEM_MAX_NR_PAGES, exactly and one past; uaddr 0 keeps access_ok
        r.size = (kMaxPagesPerSlot + one_of<uint64_t>({0, 1})) * kPageSize;
        r.uaddr = HostAddr{};
        r.flags &= ~kMemLogDirtyPages;  // a dirty bitmap of 2^31 pages would take 512 MiB
        break;
    }
}

void break_uaddr(const Profile& p, SetRegion& r) {
    switch (below(3)) {
    case 0:
        r.uaddr.value += *misalignment();
        break;
    case 1: {  // the range ends at TASK_SIZE_MAX, or a page past it
        HostAddr a;
        a.value = p.task_size_max - std::min(r.size, p.task_size_max) + one_of<uint64_t>({0, kPageSize});
        r.uaddr = a;
        break;
    }
    default: {  // non-canonical or wrapping
        HostAddr a;
        a.value = one_of<uint64_t>({1ull << 63, UINT64_MAX - kPageSize + 1, 1ull << 47});
        r.uaddr = a;
    }
    }
}

// The guest_memfd fields: offset and fd. The request gets
// KVM_MEM_GUEST_MEMFD so that they are read at all.
void break_gmem(GenerationState& s, SetRegion& r) {
    r.flags = (r.flags & ~(kMemLogDirtyPages | kMemReadonly)) | kMemGuestMemfd;
    switch (below(3)) {
    case 0:
        r.gmem_offset += *misalignment();
        return;
    case 1:  // bit 63 set (negative as loff_t), or wrapping past 2^64 with the size
        r.gmem_offset = chance(60) ? (1ull << 63) + one_of<uint64_t>({0, kPageSize})
                                   : 0 - std::max<uint64_t>(r.size, kPageSize) + one_of<uint64_t>({0, kPageSize});
        return;
    default: break;
    }
    // The wrong fd: not open, not a guest_memfd, another VM's, closed.
    std::vector<FdRef> fds{FdRef{FdRef::Kind::Kvm, {}}, FdRef{FdRef::Kind::Minus1, {}},
                           FdRef{FdRef::Kind::NeverOpen, {}}};
    auto handle_ref = [](Handle h) { return FdRef{FdRef::Kind::Handle, h}; };
    fds.push_back(handle_ref(r.vm));
    // A memfd looks most like a guest_memfd: twice, and half the time at
    // offset 0 so that only the file type check can refuse it.
    for (uint32_t i = 0; i < s.created(HandleKind::Memfd); ++i) {
        fds.push_back(handle_ref({HandleKind::Memfd, i}));
        fds.push_back(handle_ref({HandleKind::Memfd, i}));
    }
    for (uint32_t i = 0; i < s.created(HandleKind::Gmem); ++i) {
        const Handle g{HandleKind::Gmem, i};
        auto obj = s.world().object_of(g);
        if (!obj || !s.object(*obj).fd_open || s.object(*obj).vm != r.vm.index) {
            // Twice: the cases that look most like a real file.
            fds.push_back(handle_ref(g));
            fds.push_back(handle_ref(g));
        }
    }
    r.gmem = one_of(fds);
    if (r.gmem.kind == FdRef::Kind::Handle && r.gmem.handle.kind == HandleKind::Memfd && chance(50)) r.gmem_offset = 0;
}

}  // namespace

void break_region(GenerationState& s, SetRegion& r) {
    const Profile& p = s.profile();
    enum class Field { Slot, Flags, Range, Uaddr, Gmem };
    switch (weighted<Field>({{2, Field::Slot}, {2, Field::Flags}, {3, Field::Range}, {2, Field::Uaddr},
                             {r.version == 2 ? 4u : 0u, Field::Gmem}})) {
    case Field::Slot: break_slot_field(p, r); break;
    case Field::Flags: break_flags(r); break;
    case Field::Range: break_range(p, r); break;
    case Field::Uaddr: break_uaddr(p, r); break;
    case Field::Gmem: break_gmem(s, r); break;
    }
}

}  // namespace slotcheck::gen
