// fallocate(2) on a guest_memfd or a memfd: vfs_fallocate()'s checks, then
// kvm_gmem_fallocate() or shmem_fallocate() (kernel-semantics.md §2.4).
#include <cerrno>

#include "model/world.h"

namespace slotcheck {

namespace {

// vfs_fallocate() since the fallocate modes became exclusive (6.13+; 6.18
// adds WRITE_ZEROES): one mode, optionally with KEEP_SIZE.
bool vfs_mode_ok(uint32_t mode) {
    constexpr uint32_t kModeMask = 0x02 | 0x08 | 0x10 | 0x20 | 0x40 | 0x80;
    if (mode & ~(kModeMask | kFallocKeepSize)) return false;
    switch (mode & kModeMask) {
    case 0x00:  // ALLOCATE_RANGE
    case 0x40:  // UNSHARE_RANGE
    case 0x10:  // ZERO_RANGE
        return true;
    case 0x02:  // PUNCH_HOLE needs KEEP_SIZE
        return mode & kFallocKeepSize;
    case 0x08:  // COLLAPSE_RANGE
    case 0x20:  // INSERT_RANGE
    case 0x80:  // WRITE_ZEROES
        return !(mode & kFallocKeepSize);
    default:
        return false;
    }
}

}  // namespace

Decision World::fallocate(const Fallocate& op) {
    auto obj = object_of(op.file);
    if (fires(RuleId::FdClosed, !obj || !objects_[*obj].fd_open) || !obj) return decide(RuleId::FdClosed);
    const auto offset = static_cast<int64_t>(op.offset), len = static_cast<int64_t>(op.len);
    if (fires(RuleId::FallocRange, (offset < 0 || len <= 0))) return decide(RuleId::FallocRange);
    if (fires(RuleId::FallocMode, !vfs_mode_ok(op.mode))) return decide(RuleId::FallocMode);
    // offset + len > s_maxbytes (LLONG_MAX for both file kinds) or wraps.
    if (fires(RuleId::FallocEfbig, op.offset + op.len > static_cast<uint64_t>(INT64_MAX)))
        return decide(RuleId::FallocEfbig);
    FileObject& f = objects_[*obj];
    const bool punch = op.mode & kFallocPunchHole;
    const uint64_t end = op.offset + op.len;
    if (f.kind == FileObject::Kind::Gmem) {
        if (fires(RuleId::GmemFallocKeepSize, !(op.mode & kFallocKeepSize))) return decide(RuleId::GmemFallocKeepSize);
        if (fires(RuleId::GmemFallocMode, (op.mode & ~(kFallocKeepSize | kFallocPunchHole))))
            return decide(RuleId::GmemFallocMode);
        if (fires(RuleId::GmemFallocUnaligned, (op.offset % kPageSize != 0 || op.len % kPageSize != 0)))
            return decide(RuleId::GmemFallocUnaligned);
        if (!punch) {
            if (fires(RuleId::GmemAllocRange, end > f.size)) return decide(RuleId::GmemAllocRange);
            return decide(RuleId::GmemAlloc);  // allocation keeps contents: nothing visible changes
        }
        // kvm_gmem_invalidate_begin(): for every binding that intersects
        // [start, end), the gfns [base + max(pgoff, start) - pgoff,
        //                         base + min(pgoff + npages, end) - pgoff).
        last_invalidation_.clear();
        const uint64_t start_pg = op.offset >> kPageShift, end_pg = end >> kPageShift;
        // Bindings are disjoint and keyed by first page: start at the one
        // that may straddle start_pg and stop at end_pg.
        auto first = f.bindings.upper_bound(start_pg);
        if (first != f.bindings.begin()) --first;
        for (auto it = first; it != f.bindings.end() && it->first < end_pg; ++it) {
            const auto& [pgoff, b] = *it;
            if (pgoff + b.npages <= start_pg) continue;
            const auto& slots = vms_.at(f.vm).address_spaces[b.as_id].by_id;
            auto sit = slots.find(b.slot_id);
            if (sit == slots.end()) continue;  // a binding left behind (RegionDelete mutant)
            const Slot& s = sit->second;
            last_invalidation_.push_back({b.as_id, s.base_gfn + std::max(pgoff, start_pg) - pgoff,
                                          s.base_gfn + std::min(pgoff + b.npages, end_pg) - pgoff});
        }
        if (on(RuleId::GmemPunch)) f.pages.zero_bytes(op.offset, std::min(end, f.size));
        return decide(RuleId::GmemPunch);
    }
    if (fires(RuleId::MemfdFallocMode, (op.mode & ~(kFallocKeepSize | kFallocPunchHole))))
        return decide(RuleId::MemfdFallocMode);
    if (punch) {
        // shmem_truncate_range() zeroes partial pages at both ends.
        if (on(RuleId::MemfdPunch)) f.pages.zero_bytes(op.offset, end);
        return decide(RuleId::MemfdPunch);
    }
    if (!(op.mode & kFallocKeepSize) && end > f.size) f.size = end;
    return decide(RuleId::MemfdAlloc);
}

}  // namespace slotcheck
