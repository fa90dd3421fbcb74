// guest_memfd and memfd creation, and closing files: sizes from one page to
// sparse giants, every flag, and the close of a file whose pages a guest is
// using (framed by guest reads of such a page).
#include <algorithm>
#include <iterator>

#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/op_families.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

// A file size: small mostly; large sizes cost nothing (files are sparse).
uint64_t file_size() {
    return weighted<uint64_t>({{12, between(1, 16) * kPageSize},
                               {3, between(17, 512) * kPageSize},
                               {1, one_of<uint64_t>({1ull << 30, 1ull << 40, (1ull << 63) - kPageSize})}});
}

uint64_t gmem_flags(const Profile& p, Intent intent) {
    if (intent == Intent::Implausible)
        return one_of<uint64_t>({4, 8, kGmemFlagMmap | 4, 1ull << 63, UINT64_MAX});
    if (!p.gmem_mmap && chance(90)) return 0;
    return weighted<uint64_t>({{2, 0}, {3, kGmemFlagMmap}, {3, kGmemFlagMmap | kGmemFlagInitShared},
                               {1, kGmemFlagInitShared}});
}

Ops create_gmem(GenerationState& s, Intent intent) {
    const auto open = s.open_vms();
    const auto all = s.vms();
    if (all.empty()) return {};
    CreateGmem c;
    c.vm = one_of(open.empty() ? all : open);
    c.size = file_size();
    c.flags = gmem_flags(s.profile(), Intent::Plausible);
    if (intent == Intent::Implausible) {
        switch (below(4)) {
        case 0: c.size = one_of<uint64_t>({0, 1ull << 63, UINT64_MAX - kPageSize + 1}); break;
        case 1: c.size += *misalignment(); break;
        case 2: c.flags = gmem_flags(s.profile(), intent); break;
        default:
            if (all.size() > open.size()) {
                for (const Handle& vm : all)
                    if (std::find(open.begin(), open.end(), vm) == open.end()) c.vm = vm;
            } else {
                c.size = 0;
            }
        }
    }
    c.gmem = s.fresh(HandleKind::Gmem);
    return {c};
}

Ops create_memfd(GenerationState& s, Intent intent) {
    CreateMemfd c;
    c.size = file_size();
    // shmem takes any size; a partial last page is plausible.
    if (chance(15)) c.size += *misalignment();
    if (intent == Intent::Implausible) c.size = *near_top_u64() | (1ull << 63);
    c.memfd = s.fresh(HandleKind::Memfd);
    return {c};
}

// A guest_memfd bound to a gmem-only slot: the guest reads the file itself,
// so its release is what a guest access notices.
bool backs_gmem_only_slot(const FileObject& o) { return !o.bindings.empty() && (o.gmem_flags & kGmemFlagMmap); }

// Closing a file; a guest_memfd bound to a gmem-only slot is framed by
// guest accesses of one of its pages, which then fault with EFAULT.
Ops close_file(GenerationState& s, Intent intent) {
    std::vector<FileRef> candidates;
    for (HandleKind kind : {HandleKind::Gmem, HandleKind::Memfd})
        for (const auto& f : s.files(kind, intent == Intent::Plausible)) candidates.push_back(f);
    if (intent == Intent::Implausible) {
        // A second close, or the close of a handle whose creation failed.
        std::vector<Handle> closed;
        for (HandleKind kind : {HandleKind::Gmem, HandleKind::Memfd})
            for (uint32_t i = 0; i < s.created(kind); ++i) {
                auto obj = s.world().object_of(Handle{kind, i});
                if (!obj || !s.object(*obj).fd_open) closed.push_back(Handle{kind, i});
            }
        if (!closed.empty()) return {Close{one_of(closed)}};
    }
    if (candidates.empty()) return {};
    // Files a slot is bound to first: their close is what the guest notices.
    std::vector<std::pair<size_t, FileRef>> weighted_candidates;
    for (const auto& c : candidates) {
        const FileObject& o = s.object(c.object);
        weighted_candidates.push_back({backs_gmem_only_slot(o) ? 8u : o.bindings.empty() ? 1u : 4u, c});
    }
    const FileRef f = weighted(weighted_candidates);
    const FileObject& o = s.object(f.object);
    if (!o.bindings.empty() && chance(70)) {
        auto it = o.bindings.begin();
        std::advance(it, below(o.bindings.size()));
        const auto pages = guest_pages_of(s, f.object, it->first + below(it->second.npages));
        if (!pages.empty()) {
            // A live mapping holds the file: unmapped first half the time,
            // the close releases it and the second access faults.
            Ops ops;
            if (chance(50))
                for (const auto& m : s.live_mappings())
                    if (m.state.object == f.object) ops.push_back(Munmap{m.handle});
            for (Op& op : read_around(one_of(pages), Close{f.handle}, chance(50))) ops.push_back(std::move(op));
            return ops;
        }
    }
    return {Close{f.handle}};
}

}  // namespace

Ops file_ops(GenerationState& s, Intent intent) {
    enum class What { Gmem, Memfd, Close };
    const bool any_file = s.created(HandleKind::Gmem) + s.created(HandleKind::Memfd) > 0;
    const bool no_gmem = s.files(HandleKind::Gmem, true).empty();
    const bool no_memfd = s.files(HandleKind::Memfd, true).empty();
    bool gmem_only_backing = false;
    for (const auto& f : s.files(HandleKind::Gmem, true))
        gmem_only_backing = gmem_only_backing || backs_gmem_only_slot(s.object(f.object));
    switch (weighted<What>({{no_gmem ? 10u : 5u, What::Gmem},
                            {no_memfd ? 6u : 2u, What::Memfd},
                            {any_file ? (gmem_only_backing ? 4u : 2u) : 0u, What::Close}})) {
    case What::Gmem: return create_gmem(s, intent);
    case What::Memfd: return create_memfd(s, intent);
    case What::Close: return close_file(s, intent);
    }
    return {};
}

}  // namespace slotcheck::gen
