// fallocate(2) on guest_memfd and memfd: punches placed against the file's
// bindings (exact, nested, partial, adjacent) and framed by guest accesses
// of a punched page (the stale-page oracle), allocations at the end of the
// file, and every mode combination. Allocations stay within the sequence's
// memory budget (generators/generation_state.h).
#include <iterator>

#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/op_families.h"
#include "generators/range_choice.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

constexpr uint32_t kPunch = kFallocPunchHole | kFallocKeepSize;

uint64_t pages_of(uint64_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }

// A page range of the file worth punching: against one of its bindings,
// at its end, or the whole file.
PageRange punch_range(const FileObject& f) {
    if (!f.bindings.empty() && chance(75)) {
        auto it = f.bindings.begin();
        std::advance(it, below(f.bindings.size()));
        return related_range(PageRange{it->first, it->second.npages}, draw_relation(75), between(1, 4));
    }
    if (chance(50)) return range_at_end(pages_of(f.size), between(1, 4));
    return {0, std::max<uint64_t>(pages_of(f.size), 1)};
}

// The length of a plausible allocation: a few pages, or the one large one.
uint64_t allocation_len(const GenerationState& s) {
    if (s.large_allocation_left() && chance(3)) return between(256, kLargeAllocationLimit / kPageSize) * kPageSize;
    return between(1, 4) * kPageSize;
}

// A punch framed by guest accesses of a punched page that some slot shows.
Ops framed_punch(const GenerationState& s, const FileRef& f, const Fallocate& punch) {
    const uint64_t first = punch.offset / kPageSize, end = pages_of(punch.offset + punch.len);
    if (end > first && chance(80)) {
        const uint64_t page = first + below(std::min<uint64_t>(end - first, 64));
        const auto pages = guest_pages_of(s, f.object, page);
        if (!pages.empty()) {
            const GuestPage at = one_of(pages);
            Ops ops = read_around(at, punch, chance(80));
            // The second half of the oracle: the guest writes the page again
            // and the host reads it through its own mapping of the file,
            // where it has one: both must see the same page after the punch.
            if (chance(40)) {
                for (const auto& [index, m] : s.world().mappings()) {
                    const uint64_t byte = page * kPageSize;
                    if (!m.alive || m.object != f.object || byte < m.file_offset || byte - m.file_offset >= m.size)
                        continue;
                    ops.push_back(GuestWrite{at.vm, at.gpa, *written_value()});
                    ops.push_back(HostRead{HostAddr{true, Handle{HandleKind::Mapping, index},
                                                    byte - m.file_offset + at.gpa % kPageSize},
                                           8});
                    break;
                }
            }
            return ops;
        }
    }
    return {punch};
}

void fit_budget(const GenerationState& s, Fallocate& op);

Ops plausible(GenerationState& s) {
    // The kind first (a sequence has more guest_memfds than memfds), then a
    // file of it, guest_memfds with bindings first.
    std::vector<std::pair<size_t, FileRef>> gmems, memfds;
    for (const auto& f : s.files(HandleKind::Gmem, true))
        gmems.push_back({s.object(f.object).bindings.empty() ? 2u : 5u, f});
    for (const auto& f : s.files(HandleKind::Memfd, true)) memfds.push_back({1, f});
    if (gmems.empty() && memfds.empty()) return {};
    const bool memfd = gmems.empty() || (!memfds.empty() && chance(40));
    const FileRef f = weighted(memfd ? memfds : gmems);
    const FileObject& o = s.object(f.object);
    const bool gmem = o.kind == FileObject::Kind::Gmem;
    Fallocate op;
    op.file = f.handle;
    if (chance(60) || s.allocation_room() < kPageSize) {
        const PageRange r = punch_range(o);
        op.mode = kPunch;
        op.offset = r.first * kPageSize;
        op.len = r.count * kPageSize;
        // shmem zeroes partial pages at both ends of a punch.
        if (!gmem && chance(25)) op.offset += *misalignment();
        return framed_punch(s, f, op);
    }
    op.mode = gmem || chance(50) ? kFallocKeepSize : 0;
    op.len = allocation_len(s);
    const PageRange r = chance(50) ? range_at_end(pages_of(o.size), op.len / kPageSize)
                                   : PageRange{below(std::max<uint64_t>(pages_of(o.size), 1)), op.len / kPageSize};
    op.offset = r.first * kPageSize;
    op.len = r.count * kPageSize;
    fit_budget(s, op);
    return {op};
}

// A file handle whose fd is not open: closed, or never created.
std::optional<Handle> closed_file(const GenerationState& s) {
    std::vector<Handle> out;
    for (HandleKind kind : {HandleKind::Gmem, HandleKind::Memfd})
        for (uint32_t i = 0; i < s.created(kind); ++i) {
            auto obj = s.world().object_of(Handle{kind, i});
            if (!obj || !s.object(*obj).fd_open) out.push_back(Handle{kind, i});
        }
    if (out.empty()) return std::nullopt;
    return one_of(out);
}

// Keeps a fallocate that could allocate within the budget, whatever the
// kernel makes of its other fields.
void fit_budget(const GenerationState& s, Fallocate& op) {
    if (!may_allocate(op) || op.len <= s.allocation_room()) return;
    if (s.large_allocation_left() && op.len <= kLargeAllocationLimit) return;
    op.len = s.allocation_room() >= kPageSize ? kPageSize : 0;  // len 0: refused before allocating
}

// One field of a plausible fallocate broken.
Ops implausible(GenerationState& s) {
    std::optional<Fallocate> shape;
    for (const Op& op : plausible(s))
        if (const auto* f = std::get_if<Fallocate>(&op)) shape = *f;
    const auto closed = closed_file(s);
    if (!shape && !closed) return {};
    Fallocate broken = shape ? *shape : Fallocate{*closed, kPunch, 0, kPageSize};
    switch (below(7)) {
    case 0:
    case 1:
    case 2:
        // Any mode combination, including those vfs_fallocate() refuses;
        // or one mode bit alone and with KEEP_SIZE, which vfs_fallocate()
        // may pass on and guest_memfd or shmem then refuse.
        broken.mode = chance(50) ? static_cast<uint32_t>(below(256))
                                 : one_of<uint32_t>({0x0, 0x2, 0x4, 0x5, 0x8, 0x9, 0x10, 0x11, 0x20, 0x21, 0x40, 0x41,
                                                     0x80, 0x81, 0x100});
        // Modes on both kinds alike: shmem and guest_memfd refuse different ones.
        if (const auto memfds = s.files(HandleKind::Memfd, true); !memfds.empty() && chance(50))
            broken.file = one_of(memfds).handle;
        break;
    case 3:  // negative, empty, wrapping, or past s_maxbytes
        switch (below(4)) {
        case 0: broken.offset = *near_top_u64(); break;
        case 1: broken.len = one_of<uint64_t>({0, 1ull << 63, UINT64_MAX}); break;
        case 2: broken.offset = (1ull << 63) - kPageSize, broken.len = 2 * kPageSize; break;
        default: broken.len = *near_top_u64(); break;
        }
        break;
    case 4: (chance(50) ? broken.offset : broken.len) += *misalignment(); break;
    default:
        if (closed) broken.file = *closed;
    }
    fit_budget(s, broken);
    return {broken};
}

}  // namespace

Ops fallocate_ops(GenerationState& s, Intent intent) {
    return intent == Intent::Plausible ? plausible(s) : implausible(s);
}

}  // namespace slotcheck::gen
