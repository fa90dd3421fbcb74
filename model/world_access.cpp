// What a native guest access and a host access reach (kernel-semantics.md
// §4.2 and §2.3), and the observations of a `check`. The model has no
// caches: a read is the current content of the backing page.
#include <algorithm>
#include <cerrno>
#include <set>

#include "model/world.h"

namespace slotcheck {

World::HostTarget World::resolve_host(uint64_t address, bool is_write) const {
    HostTarget t;
    t.failure = decide(RuleId::HostUnmapped, Outcome::sigsegv());
    if (address < kMappingArenaBase) return t;
    const uint64_t rel = address - kMappingArenaBase;
    const uint64_t index = rel / kMappingStride, offset = rel % kMappingStride;
    if (index >= kMaxMappings) return t;
    auto it = mappings_.find(static_cast<uint32_t>(index));
    if (it == mappings_.end() || !it->second.alive || offset >= it->second.size) return t;
    const MappingState& m = it->second;
    if (is_write && !m.writable && on(RuleId::HostReadonly)) {
        t.failure = decide(RuleId::HostReadonly, Outcome::sigsegv());
        return t;
    }
    const FileObject& f = objects_[m.object];
    const uint64_t file_byte = m.file_offset + offset;
    const uint64_t file_page = file_byte / kPageSize;
    if (f.kind == FileObject::Kind::Gmem) {
        // kvm_gmem_fault_user_mapping(): size first, then INIT_SHARED.
        if (file_page >= f.size / kPageSize && on(RuleId::HostBeyondEof)) {
            t.failure = decide(RuleId::HostBeyondEof, Outcome::sigbus());
            return t;
        }
        if (!(f.gmem_flags & kGmemFlagInitShared) && on(RuleId::HostGmemPrivate)) {
            t.failure = decide(RuleId::HostGmemPrivate, Outcome::sigbus());
            return t;
        }
    } else if (f.kind == FileObject::Kind::Memfd && file_page >= (f.size + kPageSize - 1) / kPageSize &&
               on(RuleId::HostBeyondEof)) {
        t.failure = decide(RuleId::HostBeyondEof, Outcome::sigbus());
        return t;
    }
    t.ok = true;
    t.object = m.object;
    t.byte_offset = file_page * kPageSize;
    t.mapping = static_cast<uint32_t>(index);
    t.mapping_page = offset / kPageSize;
    return t;
}

const PageStore& World::host_pages(const HostTarget& t, uint64_t& byte_offset) const {
    byte_offset = t.byte_offset;
    auto copy = private_copies_.find(t.mapping);
    if (copy != private_copies_.end() && copy->second.has_page(t.mapping_page)) {
        byte_offset = t.mapping_page * kPageSize;
        return copy->second;
    }
    return objects_[t.object].pages;
}

World::GuestTarget World::resolve_guest(uint32_t vm_index, uint64_t gpa, bool is_write) const {
    GuestTarget t;
    auto vit = vms_.find(vm_index);
    if (vit == vms_.end() || !vit->second.probe || gpa >= profile_.guest_access_limit) {
        t.failure = decide(RuleId::GuestNoProbe, Outcome::no_probe());
        return t;
    }
    const uint64_t gfn = gpa >> kPageShift;
    const VmState& v = vit->second;
    const Slot* s = v.address_spaces[0].find_gfn(gfn);
    if (v.private_access(gfn)) {
        // The mmio-cache-ignores-attributes variant (docs/findings.md F6):
        // a cached MMIO SPTE faults with reserved bits, and such faults are
        // emulated as shared MMIO without looking at the attribute.
        if (profile_.mmio_cache_ignores_attributes && v.mmio_current.contains(gfn)) {
            t.failure = decide(RuleId::GuestPrivateCachedMmio, Outcome::mmio(gpa, is_write));
            return t;
        }
        // A stale one: the reserved-bit fault is retried as a *shared*
        // fault, which kvm_faultin_pfn refuses for a private gfn with a
        // memory-fault exit without the PRIVATE flag; nothing replaces the
        // stale SPTE, so the gfn stays unreachable while private.
        if (profile_.mmio_cache_ignores_attributes && v.mmio_stale.contains(gfn)) {
            t.failure = decide(RuleId::GuestPrivateStaleMmio,
                               Outcome::memory_fault(EFAULT, 0, gfn << kPageShift, kPageSize));
            return t;
        }
        return resolve_private(s, gfn);
    }
    if (!s) {
        t.failure = decide(RuleId::GuestNoSlot, Outcome::mmio(gpa, is_write));
        return t;
    }
    if (s->gmem && s->gmem_only) {
        // kvm_mmu_faultin_pfn_gmem(): the file page, or a memory-fault exit
        // when the file is gone. userspace_addr plays no part.
        if (!s->file_bound && on(RuleId::GuestGmemReleased)) {
            t.failure = decide(RuleId::GuestGmemReleased,
                               Outcome::memory_fault(EFAULT, 0, gfn << kPageShift, kPageSize));
            return t;
        }
        t.ok = true;
        t.gmem_file = true;
        t.object = s->gmem_object;
        t.byte_offset = (gfn - s->base_gfn + s->pgoff) * kPageSize;
        return t;
    }
    if (is_write && (s->flags & kMemReadonly) && on(RuleId::GuestReadonlyWrite)) {
        t.failure = decide(RuleId::GuestReadonlyWrite, Outcome::mmio(gpa, true));
        return t;
    }
    // The hva path: hva_to_pfn() faults the host page in like a user access;
    // any failure (no mapping, beyond EOF, SIGBUS, not writable) is EFAULT
    // with exit reason 0.
    HostTarget h = resolve_host(s->uaddr + (gfn - s->base_gfn) * kPageSize, is_write);
    if (!h.ok) {
        t.failure = decide(RuleId::GuestHvaFault, Outcome::run_error(EFAULT, 0));
        return t;
    }
    t.ok = true;
    t.object = h.object;
    t.byte_offset = h.byte_offset;
    return t;
}

World::GuestTarget World::resolve_private(const Slot* s, uint64_t gfn) const {
    // A private access (kvm_mmu_page_fault set PFERR_PRIVATE_ACCESS from the
    // gfn's attribute): kvm_handle_noslot_fault() and
    // kvm_faultin_pfn_private() refuse it with a memory-fault exit flagged
    // PRIVATE, or kvm_gmem_get_pfn() serves the file page.
    // userspace_addr plays no part, and no MMIO exit is possible.
    GuestTarget t;
    const Outcome fault = Outcome::memory_fault(EFAULT, kMemoryExitFlagPrivate, gfn << kPageShift, kPageSize);
    if (!s) {
        t.failure = decide(RuleId::GuestPrivateNoSlot, fault);
        return t;
    }
    if (!s->gmem) {
        t.failure = decide(RuleId::GuestPrivateNotGmem, fault);
        return t;
    }
    if (!s->file_bound && on(RuleId::GuestGmemReleased)) {
        t.failure = decide(RuleId::GuestGmemReleased, fault);
        return t;
    }
    t.ok = true;
    t.gmem_file = true;
    t.private_access = true;
    t.object = s->gmem_object;
    t.byte_offset = (gfn - s->base_gfn + s->pgoff) * kPageSize;
    return t;
}

void World::note_guest_access(uint32_t vm_index, uint64_t gpa, const GuestTarget& t) {
    // The SPTE a shared access leaves behind (only private accesses care):
    // an MMIO exit installs a current MMIO SPTE, a mapped page replaces a
    // stale one.
    auto it = vms_.find(vm_index);
    if (it == vms_.end() || !it->second.traits.attributes_decide_private) return;
    VmState& v = it->second;
    const uint64_t gfn = gpa >> kPageShift;
    if (!t.ok && t.failure.rule == RuleId::GuestNoSlot) {
        v.mmio_current.assign(gfn, gfn + 1, true);
        v.mmio_stale.assign(gfn, gfn + 1, false);
    } else if (t.ok && !t.private_access) {
        v.mmio_stale.assign(gfn, gfn + 1, false);
    }
}

Decision World::guest_access(const Handle& vm, uint64_t gpa, std::optional<uint64_t> write_value) {
    GuestTarget t = resolve_guest(vm.index, gpa, write_value.has_value());
    note_guest_access(vm.index, gpa, t);
    if (!t.ok) return t.failure;
    const RuleId r = t.private_access ? RuleId::GuestPrivateFile
                     : t.gmem_file    ? RuleId::GuestGmemFile
                                      : RuleId::GuestHva;
    PageStore& pages = objects_[t.object].pages;
    const uint64_t byte = t.byte_offset + gpa % kPageSize;
    if (write_value) {
        if (on(r)) pages.write(byte, 8, *write_value);
        return decide(r);
    }
    return decide(r, Outcome::read_value(pages.read(byte, 8)));
}

Decision World::host_access(const HostAddr& addr, uint8_t width, std::optional<uint64_t> write_value) {
    const uint64_t address = address_value(addr);
    HostTarget t = resolve_host(address, write_value.has_value());
    if (!t.ok) return t.failure;
    if (write_value) {
        if (on(RuleId::HostAccess)) {
            objects_[t.object].pages.write(t.byte_offset + address % kPageSize, width, *write_value);
        } else {
            // The mutant: the write goes to a copy only this mapping sees.
            PageStore& copy = private_copies_[t.mapping];
            if (!copy.has_page(t.mapping_page)) copy.copy_page(objects_[t.object].pages, t.byte_offset / kPageSize, t.mapping_page);
            copy.write(t.mapping_page * kPageSize + address % kPageSize, width, *write_value);
        }
        return decide(RuleId::HostAccess);
    }
    uint64_t page_start = 0;
    const PageStore& pages = host_pages(t, page_start);
    return decide(RuleId::HostAccess, Outcome::read_value(pages.read(page_start + address % kPageSize, width)));
}

std::vector<Observation> World::observe(const std::vector<ObservationRequest>& requests) {
    std::vector<Observation> out;
    out.reserve(requests.size());
    for (const auto& r : requests) {
        Observation o{r.where, r.handle, r.address, {}};
        if (r.where == Observation::Where::Guest) {
            GuestTarget t = resolve_guest(r.handle.index, r.address, false);
            note_guest_access(r.handle.index, r.address, t);
            o.outcome = t.ok ? Outcome::read_value(objects_[t.object].pages.digest(t.byte_offset / kPageSize))
                             : t.failure.outcome;
        } else {
            HostTarget t = resolve_host(mapping_address(r.handle.index) + r.address, false);
            uint64_t page_start = 0;
            o.outcome = t.ok ? Outcome::read_value(host_pages(t, page_start).digest(page_start / kPageSize))
                             : t.failure.outcome;
        }
        out.push_back(o);
    }
    return out;
}

std::vector<ObservationRequest> World::observation_plan() const {
    constexpr uint64_t kPagesPerRange = 8;
    std::vector<ObservationRequest> plan;
    for (const auto& [index, v] : vms_) {
        if (!v.probe) continue;
        std::set<uint64_t> gfns;
        auto add = [&](uint64_t gfn) {
            uint64_t gpa = gfn << kPageShift;
            if (gfn >= (profile_.guest_access_limit >> kPageShift)) return;
            if (gpa >= kHarnessGpa && gpa < kHarnessGpa + kHarnessSize) return;
            gfns.insert(gfn);
        };
        for (const auto& [id, s] : v.address_spaces[0].by_id) {
            if (s.harness) continue;
            for (uint64_t i = 0; i < std::min(s.npages, kPagesPerRange); ++i) add(s.base_gfn + i);
            add(s.end_gfn() - 1);
            if (s.base_gfn > 0) add(s.base_gfn - 1);
            add(s.end_gfn());
        }
        for (uint64_t gfn : gfns)
            plan.push_back({Observation::Where::Guest, Handle{HandleKind::Vm, index}, gfn << kPageShift});
    }
    for (const auto& [index, m] : mappings_) {
        if (!m.alive) continue;
        const uint64_t pages = m.size / kPageSize;
        std::set<uint64_t> offsets;
        for (uint64_t i = 0; i < std::min(pages, kPagesPerRange); ++i) offsets.insert(i * kPageSize);
        offsets.insert((pages - 1) * kPageSize);
        for (uint64_t off : offsets)
            plan.push_back({Observation::Where::Host, Handle{HandleKind::Mapping, index}, off});
    }
    return plan;
}

}  // namespace slotcheck
