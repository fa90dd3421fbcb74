// mmap and munmap: mappings of guest_memfd (with and without the MMAP flag),
// memfd and anonymous memory, aliasing pairs (two mappings of the same file
// range), ranges at and past the end of the file, and the munmap of memory
// a slot's userspace_addr points into (framed by guest reads).
#include <algorithm>

#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/op_families.h"
#include "generators/range_choice.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

uint64_t pages_of(uint64_t bytes) { return (bytes + kPageSize - 1) / kPageSize; }

// The file pages to map: what a binding covers (so host and guest views of
// one page meet), the end of the file, or its start.
PageRange file_range(const FileObject& f) {
    const uint64_t count = between(1, 16);
    if (!f.bindings.empty() && chance(50)) {
        auto it = f.bindings.begin();
        std::advance(it, below(f.bindings.size()));
        return related_range(PageRange{it->first, it->second.npages}, draw_relation(70), count);
    }
    if (chance(40)) return range_at_end(pages_of(f.size), count);
    return {0, std::min<uint64_t>(count, std::max<uint64_t>(pages_of(f.size), 1))};
}

// Mapping sizes stay inside the 4 GiB window of a mapping handle.
Mmap with_range(Mmap m, PageRange r) {
    m.offset = r.first * kPageSize;
    m.size = std::min<uint64_t>(r.count * kPageSize, kMaxMappingSize);
    return m;
}

Ops map(GenerationState& s) {
    Mmap m;
    const auto live = s.live_mappings();
    std::vector<std::pair<size_t, FileRef>> files;
    for (const auto& f : s.files(HandleKind::Gmem, true))
        files.push_back({(s.object(f.object).gmem_flags & kGmemFlagMmap) ? 4u : 1u, f});
    for (const auto& f : s.files(HandleKind::Memfd, true)) files.push_back({3, f});
    // An alias of a live file mapping: the same range, or one overlapping it.
    std::vector<MappingRef> file_mappings;
    for (const auto& l : live)
        if (s.object(l.state.object).kind != FileObject::Kind::Anonymous && s.handle_of_object(l.state.object) &&
            s.object(l.state.object).fd_open)
            file_mappings.push_back(l);
    if (!file_mappings.empty() && chance(35)) {
        const MappingRef& other = one_of(file_mappings);
        m.source = Mmap::Source::File;
        m.file = *s.handle_of_object(other.state.object);
        const PageRange theirs{other.state.file_offset / kPageSize, other.state.size / kPageSize};
        m = with_range(m, chance(50) ? theirs : related_range(theirs, draw_relation(80), between(1, 8)));
    } else if (!files.empty() && chance(80)) {
        const FileRef f = weighted(files);
        m.source = Mmap::Source::File;
        m.file = f.handle;
        m = with_range(m, file_range(s.object(f.object)));
    } else {
        m.size = between(1, 16) * kPageSize;
    }
    m.writable = chance(80);
    m.exec = chance(5);
    m.mapping = s.fresh(HandleKind::Mapping);
    return {m};
}

// munmap of a live mapping; when a slot's userspace_addr points into it,
// guest reads of such a page frame the unmap (the guest then faults).
Ops unmap(GenerationState& s) {
    const auto live = s.live_mappings();
    if (live.empty()) return {};
    const Handle h = one_of(live).handle;
    const auto pages = guest_pages_through(s, h);
    if (!pages.empty() && chance(70)) return read_around(one_of(pages), Munmap{h}, chance(50));
    return {Munmap{h}};
}

Ops implausible(GenerationState& s) {
    const uint32_t created = s.created(HandleKind::Mapping);
    if (!s.may_map() || chance(20)) {
        // Unmapping what is not mapped succeeds; it must not disturb anything.
        if (created == 0) return {};
        return {Munmap{Handle{HandleKind::Mapping, static_cast<uint32_t>(below(created))}}};
    }
    Ops ops = map(s);
    Mmap& m = std::get<Mmap>(ops.front());
    switch (below(5)) {
    case 0: m.size = 0; break;
    case 1: m.offset += *misalignment(); break;
    case 2: m.exec = true; break;
    case 3:
        // A file range ending at or just past MAX_LFS_FILESIZE (2^63 - 1),
        // or wrapping: do_mmap()'s file_mmap_ok() and pgoff checks.
        m.offset = one_of<uint64_t>({(1ull << 63) - 2 * kPageSize, (1ull << 63) - kPageSize, 1ull << 63,
                                     0 - kPageSize}) -
                   (chance(50) ? m.size / kPageSize * kPageSize : 0);
        break;
    default: {
        // A file whose fd is refusing, or a guest_memfd without the MMAP flag.
        std::vector<Handle> refusing;
        for (HandleKind kind : {HandleKind::Gmem, HandleKind::Memfd})
            for (uint32_t i = 0; i < s.created(kind); ++i) {
                auto obj = s.world().object_of(Handle{kind, i});
                if (!obj || !s.object(*obj).fd_open) refusing.push_back(Handle{kind, i});
            }
        for (const auto& f : s.files(HandleKind::Gmem, true))
            if (!(s.object(f.object).gmem_flags & kGmemFlagMmap)) refusing.push_back(f.handle);
        if (!refusing.empty()) {
            m.source = Mmap::Source::File;
            m.file = one_of(refusing);
        } else {
            m.size = 0;
        }
    }
    }
    return ops;
}

}  // namespace

Ops mapping_ops(GenerationState& s, Intent intent) {
    if (intent == Intent::Implausible) return implausible(s);
    const bool live = !s.live_mappings().empty();
    if (s.may_map() && (!live || chance(75))) return map(s);
    return live ? unmap(s) : Ops{};
}

}  // namespace slotcheck::gen
