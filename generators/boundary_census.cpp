#include "generators/boundary_census.h"

#include <optional>
#include <set>
#include <vector>

#include "model/layout.h"
#include "model/world.h"

namespace slotcheck::gen {

const char* situation_name(Situation s) {
    static const char* const names[] = {
#define SLOTCHECK_SITUATION_NAME(id, text) #id,
        SLOTCHECK_SITUATIONS(SLOTCHECK_SITUATION_NAME)
#undef SLOTCHECK_SITUATION_NAME
    };
    return names[static_cast<size_t>(s)];
}

const char* situation_description(Situation s) {
    static const char* const texts[] = {
#define SLOTCHECK_SITUATION_TEXT(id, text) text,
        SLOTCHECK_SITUATIONS(SLOTCHECK_SITUATION_TEXT)
#undef SLOTCHECK_SITUATION_TEXT
    };
    return texts[static_cast<size_t>(s)];
}

void Census::add(const Census& other) {
    for (size_t i = 0; i < kSituationCount; ++i) counts[i] += other.counts[i];
    gmem_modes |= other.gmem_modes;
    memfd_modes |= other.memfd_modes;
}

namespace {

struct Span {
    uint64_t first = 0, end = 0;  // [first, end) in pages
};

enum class Shape { Exact, Nested, Covering, Partial, Adjacent, Apart };

Shape shape_of(Span a, Span b) {
    if (a.first == b.first && a.end == b.end) return Shape::Exact;
    if (a.end == b.first || b.end == a.first) return Shape::Adjacent;
    if (a.end <= b.first || b.end <= a.first) return Shape::Apart;
    if (a.first >= b.first && a.end <= b.end) return Shape::Nested;
    if (b.first >= a.first && b.end <= a.end) return Shape::Covering;
    return Shape::Partial;
}

bool near_2_63(uint64_t x) { return x >= (1ull << 63) - kPageSize && x <= (1ull << 63) + kPageSize; }
bool near_2_64(uint64_t x) { return x >= 0 - 2 * kPageSize; }

struct GuestGfn {
    uint32_t vm;
    uint64_t gfn;
    friend auto operator<=>(const GuestGfn&, const GuestGfn&) = default;
};

struct GuestSpan {
    uint32_t vm;
    Span gfns;
};

// Walks the sequence with a model, looking at the state before each step.
class Counter {
public:
    explicit Counter(const Profile& profile) : world_(profile) {}

    void step(const Op& op, bool near_end) {
        std::visit([&](const auto& x) { before(x, near_end); }, op);
        const Decision d = world_.step(op);
        std::visit([&](const auto& x) { after(x, d); }, op);
    }
    Census census;

private:
    void hit(Situation s) { ++census.counts[static_cast<size_t>(s)]; }
    void hit_if(bool c, Situation s) {
        if (c) hit(s);
    }
    bool file_closed(const Handle& h) const {
        auto obj = world_.object_of(h);
        return !obj || !world_.objects()[*obj].fd_open;
    }
    const VmState* vm_state(uint32_t index) const {
        auto it = world_.vms().find(index);
        return it == world_.vms().end() ? nullptr : &it->second;
    }

    // Every shape between `mine` and the others, each counted once.
    void shapes(Span mine, const std::vector<Span>& others, Situation exact, Situation nested, Situation covering,
                Situation partial, Situation adjacent) {
        std::set<Situation> seen;
        for (const Span& o : others) {
            switch (shape_of(mine, o)) {
            case Shape::Exact: seen.insert(exact); break;
            case Shape::Nested: seen.insert(nested); break;
            case Shape::Covering: seen.insert(covering); break;
            case Shape::Partial: seen.insert(partial); break;
            case Shape::Adjacent: seen.insert(adjacent); break;
            case Shape::Apart: break;
            }
        }
        for (Situation s : seen) hit(s);
    }

    void region_fields(const SetRegion& r) {
        const uint32_t id = r.slot & 0xffff, as_id = r.slot >> 16;
        const uint32_t nr = world_.profile().nr_memslots;
        hit_if(as_id == 1, Situation::AddressSpace1);
        hit_if(as_id >= 2, Situation::AddressSpace2);
        hit_if(id == nr, Situation::SlotIdAtLimit);
        hit_if(id > nr, Situation::SlotIdPastLimit);
        hit_if(id == nr - 1 && as_id == 0, Situation::HarnessSlotId);
        hit_if(id == nr - 2, Situation::HarnessNeighbourId);
        hit_if(r.version == 1, Situation::RegionV1);
        const bool gmf = r.version == 2 && (r.flags & kMemGuestMemfd);
        const uint64_t uaddr = World::address_value(r.uaddr);
        hit_if(r.gpa % kPageSize || r.size % kPageSize || uaddr % kPageSize || (gmf && r.gmem_offset % kPageSize),
               Situation::Unaligned);
        hit_if(near_2_63(r.size) || (gmf && near_2_63(r.gmem_offset)), Situation::Near2To63);
        hit_if(near_2_64(r.size) || near_2_64(r.gpa) || (gmf && near_2_64(r.gmem_offset)), Situation::Near2To64);
        hit_if(r.size > 0 && r.gpa + r.size <= r.gpa, Situation::GpaWrap);
        if (r.size >= kPageSize) {
            const uint64_t last = (r.gpa >> kPageShift) + r.size / kPageSize - 1;
            const uint64_t max_gfn = world_.profile().max_gfn;
            hit_if(last == max_gfn || last == max_gfn + 1, Situation::MaxGfnEdge);
        }
    }

    void before(const SetRegion& r, bool) {
        region_fields(r);
        const VmState* v = vm_state(r.vm.index);
        const uint32_t id = r.slot & 0xffff, as_id = r.slot >> 16;
        if (!v || as_id >= v->address_spaces.size()) return;
        const AddressSpace& space = v->address_spaces[as_id];
        auto old_it = space.by_id.find(id);
        const Slot* old = old_it == space.by_id.end() ? nullptr : &old_it->second;
        if (r.size == 0) {
            // Remembered for after(): the model forgets a slot it deletes.
            hit_if(old != nullptr, Situation::SlotDelete);
            if (old && as_id == 0) deleting_ = {old->base_gfn, old->end_gfn()};
            return;
        }
        const bool gmf = r.flags & kMemGuestMemfd;
        if (old) {
            hit_if(!old->gmem && gmf, Situation::GmemFlagOn);
            hit_if(old->gmem && !gmf, Situation::GmemFlagOff);
            hit_if((r.flags ^ old->flags) & (kMemLogDirtyPages | kMemReadonly), Situation::FlagToggle);
            hit_if((r.gpa >> kPageShift) != old->base_gfn, Situation::SlotMove);
        }
        const Span gfns{r.gpa >> kPageShift, (r.gpa >> kPageShift) + r.size / kPageSize};
        std::vector<Span> others;
        for (const auto& [other_id, s] : space.by_id) {
            if (other_id == id) continue;
            others.push_back({s.base_gfn, s.end_gfn()});
            hit_if(s.harness && shape_of(gfns, {s.base_gfn, s.end_gfn()}) == Shape::Adjacent,
                   Situation::HarnessNeighbour);
        }
        shapes(gfns, others, Situation::GfnExact, Situation::GfnNested, Situation::GfnCovering, Situation::GfnPartial,
               Situation::GfnAdjacent);
        const uint64_t uaddr = World::address_value(r.uaddr);
        bool aliasing = false;
        for (const auto& [vm_index, vm] : world_.vms())
            for (const auto& sp : vm.address_spaces)
                for (const auto& [other_id, s] : sp.by_id)
                    aliasing = aliasing || (!s.harness && s.uaddr == uaddr && !(vm_index == r.vm.index && s.id == id));
        hit_if(aliasing && r.uaddr.symbolic, Situation::AliasingSlots);
        if (!old && r.version == 2 && gmf) binding(r, *v);
    }

    void binding(const SetRegion& r, const VmState&) {
        if (r.gmem.kind != FdRef::Kind::Handle) return;
        const Handle& h = r.gmem.handle;
        if (h.kind == HandleKind::Vm) return;
        if (file_closed(h)) {
            hit(Situation::ClosedFileOp);
            return;
        }
        const uint32_t object = *world_.object_of(h);
        const FileObject& f = world_.objects()[object];
        if (f.kind != FileObject::Kind::Gmem) return;
        if (f.vm != r.vm.index) {
            hit(Situation::OtherVmGmem);
            return;
        }
        const Span offsets{r.gmem_offset >> kPageShift, (r.gmem_offset >> kPageShift) + r.size / kPageSize};
        std::vector<Span> others;
        for (const auto& [first, b] : f.bindings) others.push_back({first, first + b.npages});
        shapes(offsets, others, Situation::BindingExact, Situation::BindingNested, Situation::BindingCovering,
               Situation::BindingPartial, Situation::BindingAdjacent);
        hit_if(r.gmem_offset + r.size == f.size, Situation::BindingAtFileEnd);
        hit_if(r.gmem_offset + r.size == f.size + kPageSize, Situation::BindingPastFileEnd);
        bool same = false;
        for (size_t i = 0; i < world_.objects().size(); ++i) {
            const FileObject& o = world_.objects()[i];
            if (i == object || o.kind != FileObject::Kind::Gmem || o.vm != r.vm.index) continue;
            auto it = o.bindings.find(offsets.first);
            same = same || (it != o.bindings.end() && it->second.npages == offsets.end - offsets.first);
        }
        hit_if(same, Situation::TwoFilesSameOffsets);
    }

    void before(const Fallocate& f, bool) {
        if (file_closed(f.file)) {
            hit(Situation::ClosedFileOp);
            return;
        }
        const FileObject& o = world_.objects()[*world_.object_of(f.file)];
        if (f.mode < 256) (o.kind == FileObject::Kind::Gmem ? census.gmem_modes : census.memfd_modes).set(f.mode);
        hit_if(f.offset % kPageSize || f.len % kPageSize, Situation::Unaligned);
        hit_if(near_2_63(f.offset) || near_2_63(f.len), Situation::Near2To63);
        hit_if(near_2_64(f.offset) || near_2_64(f.len), Situation::Near2To64);
        hit_if(f.offset + f.len == o.size || f.offset + f.len == o.size + kPageSize, Situation::FallocAtFileEnd);
    }

    void before(const Mmap& m, bool) {
        hit_if(m.offset % kPageSize, Situation::Unaligned);
        hit_if(near_2_63(m.offset), Situation::Near2To63);
        hit_if(near_2_64(m.offset), Situation::Near2To64);
        if (m.source != Mmap::Source::File) return;
        if (file_closed(m.file)) {
            hit(Situation::ClosedFileOp);
            return;
        }
        const uint32_t object = *world_.object_of(m.file);
        const Span mine{m.offset / kPageSize, (m.offset + m.size + kPageSize - 1) / kPageSize};
        bool alias = false;
        for (const auto& [index, other] : world_.mappings())
            alias = alias || (other.alive && other.object == object &&
                              shape_of(mine, {other.file_offset / kPageSize, (other.file_offset + other.size) / kPageSize}) <
                                  Shape::Adjacent);
        pending_alias_ = alias;
    }

    void before(const Close& c, bool) {
        if (c.handle.kind != HandleKind::Vm) hit_if(file_closed(c.handle), Situation::ClosedFileOp);
    }

    void host(const HostAddr& a) {
        auto it = world_.mappings().find(a.mapping.index);
        if (it == world_.mappings().end() || !it->second.alive) {
            hit(Situation::UnmappedHostAccess);
            return;
        }
        const auto kind = world_.objects()[it->second.object].kind;
        hit_if(kind == FileObject::Kind::Gmem, Situation::GmemHostAccess);
        hit_if(kind == FileObject::Kind::Memfd, Situation::MemfdHostAccess);
    }
    void before(const HostRead& r, bool) { host(r.addr); }
    void before(const HostWrite& w, bool) { host(w.addr); }

    void before(const GuestRead& r, bool) {
        const uint64_t gfn = r.gpa >> kPageShift;
        bool punched = false, deleted = false;
        for (const auto& p : punched_) punched = punched || (p.vm == r.vm.index && gfn >= p.gfns.first && gfn < p.gfns.end);
        hit_if(punched, Situation::PunchThenRead);
        hit_if(armed_.erase({r.vm.index, gfn}) > 0, Situation::StalePageOracle);
        const VmState* v = vm_state(r.vm.index);
        const Slot* slot = v ? v->address_spaces[0].find_gfn(gfn) : nullptr;
        for (const auto& d : deleted_) deleted = deleted || (d.vm == r.vm.index && gfn >= d.gfns.first && gfn < d.gfns.end);
        hit_if(deleted && !slot, Situation::ReadAfterDelete);
        hit_if(slot && slot->gmem && slot->gmem_only && !slot->file_bound, Situation::ReadAfterRelease);
    }

    void before(const SetAttributes&, bool) { hit(Situation::MemoryAttributes); }
    void before(const CreateVm& c, bool) { hit_if(c.type != 0, Situation::NonDefaultVmType); }
    void before(const CreateGmem& c, bool) {
        hit_if(c.size % kPageSize, Situation::Unaligned);
        hit_if(near_2_63(c.size), Situation::Near2To63);
        hit_if(near_2_64(c.size), Situation::Near2To64);
    }
    void before(const Check&, bool near_end) { hit_if(near_end, Situation::CheckNearEnd); }
    template <class T>
    void before(const T&, bool) {}

    void after(const SetRegion& r, const Decision& d) {
        if (d.rule == RuleId::RegionDelete && (r.slot >> 16) == 0) deleted_.push_back({r.vm.index, deleting_});
    }
    void after(const Fallocate& f, const Decision& d) {
        if (d.rule != RuleId::GmemPunch) return;
        const FileObject& o = world_.objects()[*world_.object_of(f.file)];
        for (const auto& inv : world_.last_invalidation()) {
            if (inv.as_id != 0) continue;
            punched_.push_back({o.vm, {inv.first_gfn, inv.end_gfn}});
            for (const auto& w : written_)
                if (w.vm == o.vm && w.gfn >= inv.first_gfn && w.gfn < inv.end_gfn) armed_.insert(w);
        }
    }
    void after(const GuestWrite& w, const Decision& d) {
        if (d.rule == RuleId::GuestGmemFile || d.rule == RuleId::GuestHva) {
            written_.insert({w.vm.index, w.gpa >> kPageShift});
            armed_.erase({w.vm.index, w.gpa >> kPageShift});
        }
    }
    void after(const Mmap&, const Decision& d) {
        hit_if(pending_alias_ && d.rule == RuleId::Mmap, Situation::AliasingMappings);
        pending_alias_ = false;
    }
    template <class T>
    void after(const T&, const Decision&) {}

    World world_;
    std::vector<GuestSpan> punched_, deleted_;
    std::set<GuestGfn> written_, armed_;
    Span deleting_;
    bool pending_alias_ = false;
};

}  // namespace

Census take_census(const Sequence& seq, const Profile& profile) {
    Counter counter(profile);
    for (size_t i = 0; i < seq.steps.size(); ++i) counter.step(seq.steps[i].op, i + 3 >= seq.steps.size());
    return counter.census;
}

}  // namespace slotcheck::gen
