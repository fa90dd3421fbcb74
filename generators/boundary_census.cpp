#include "generators/boundary_census.h"

#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "model/vm_type.h"
#include "model/world.h"
#include "seq/layout.h"
#include "seq/rules.h"

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

bool Census::empty() const {
    for (uint64_t c : counts)
        if (c) return false;
    return gmem_modes.none() && memfd_modes.none();
}

std::string Census::serialize() const {
    std::ostringstream o;
    o << kSituationCount;
    for (uint64_t c : counts) o << " " << c;
    o << " " << gmem_modes.to_string() << " " << memfd_modes.to_string();
    return o.str();
}

bool Census::deserialize(const std::string& line, Census& out) {
    std::istringstream in(line);
    size_t n = 0;
    if (!(in >> n) || n != kSituationCount) return false;
    Census c;
    for (uint64_t& count : c.counts)
        if (!(in >> count)) return false;
    std::string gmem, memfd;
    if (!(in >> gmem >> memfd) || gmem.size() != 256 || memfd.size() != 256) return false;
    if (!(in >> std::ws).eof()) return false;  // nothing after the two sets
    if (gmem.find_first_not_of("01") != std::string::npos || memfd.find_first_not_of("01") != std::string::npos)
        return false;
    c.gmem_modes = std::bitset<256>(gmem);
    c.memfd_modes = std::bitset<256>(memfd);
    out = c;
    return true;
}

namespace {

// Some VM type the profile's kernel creates can bind guest_memfd: every VM
// from 6.18, before only VMs with private memory (a type-1 VM where
// KVM_SW_PROTECTED_VM is built in).
bool some_vm_binds(const Profile& p) {
    if (!p.guest_memfd_ioctl) return false;
    if (p.gmem_on_default_vm) return true;
    for (uint64_t t = 0; t < 64; ++t)
        if (p.vm_type_supported(t) && vm_type_traits(t).private_mem) return true;
    return false;
}

}  // namespace

std::optional<std::string> situation_ruled_out(Situation s, const Profile& p) {
    switch (s) {
    case Situation::BindingExact:
    case Situation::BindingNested:
    case Situation::BindingCovering:
    case Situation::BindingPartial:
    case Situation::BindingAdjacent:
    case Situation::BindingAtFileEnd:
    case Situation::BindingPastFileEnd:
    case Situation::TwoFilesSameOffsets:
    case Situation::OtherVmGmem:
    case Situation::BindNear2To63Live:
    case Situation::GmemFlagOn:
    case Situation::GmemFlagOff:
    case Situation::PunchThenRead:
    case Situation::StalePageOracle:
        if (!some_vm_binds(p)) return "no VM type of the profile binds guest_memfd";
        return std::nullopt;
    case Situation::ReadAfterRelease:
        if (!some_vm_binds(p)) return "no VM type of the profile binds guest_memfd";
        if (!p.gmem_mmap) return "no gmem-only slots (gmem-mmap off)";
        return std::nullopt;
    case Situation::GmemHostAccess:
        if (!p.gmem_mmap) return "guest_memfd cannot be mapped (gmem-mmap off)";
        return std::nullopt;
    default: return std::nullopt;
    }
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
        passes_before_ = world_.rule_passes();
        aimed_.clear();
        std::visit([&](const auto& x) { before(x, near_end); }, op);
        const Decision d = world_.step(op);
        for (const Aimed& a : aimed_) hit_if(live(a.check, d), a.situation);
        std::visit([&](const auto& x) { after(x, d); }, op);
    }
    Census census;

private:
    void hit(Situation s) { ++census.counts[static_cast<size_t>(s)]; }
    void hit_if(bool c, Situation s) {
        if (c) hit(s);
    }

    // A situation of the step that counts only if it is live: the step
    // reaches `check` (every check before it passed) and the check decides,
    // or passes and the step succeeds. RuleId::Count: the step succeeds.
    struct Aimed {
        Situation situation;
        RuleId check;
    };
    void aim(Situation s, RuleId check) { aimed_.push_back({s, check}); }
    void aim_if(bool c, Situation s, RuleId check) {
        if (c) aim(s, check);
    }
    static bool succeeded(const Decision& d) { return d.rule != RuleId::Count && rule(d.rule).err == 0; }
    bool live(RuleId check, const Decision& d) const {
        if (check == RuleId::Count) return succeeded(d);
        const size_t i = static_cast<size_t>(check);
        const bool reached = d.rule == check || world_.rule_passes()[i] > passes_before_[i];
        return reached && (d.rule == check || succeeded(d));
    }
    bool file_closed(const Handle& h) const {
        auto obj = world_.object_of(h);
        return !obj || !world_.objects()[*obj].fd_open;
    }
    const VmState* vm_state(uint32_t index) const {
        auto it = world_.vms().find(index);
        return it == world_.vms().end() ? nullptr : &it->second;
    }

    // Every shape between `mine` and the others, each counted once, live
    // when `overlap_check` decides an overlap and an adjacent range is made.
    void shapes(Span mine, const std::vector<Span>& others, Situation exact, Situation nested, Situation covering,
                Situation partial, Situation adjacent, RuleId overlap_check) {
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
        for (Situation s : seen) aim(s, s == adjacent ? RuleId::Count : overlap_check);
    }

    void region_fields(const SetRegion& r) {
        const uint32_t id = r.slot & 0xffff, as_id = r.slot >> 16;
        const uint32_t nr = world_.profile().nr_memslots;
        hit_if(as_id == 1, Situation::AddressSpace1);
        hit_if(as_id >= 2, Situation::AddressSpace2);
        aim_if(id == nr, Situation::SlotIdAtLimit, RuleId::RegionSlotLimit);
        aim_if(id > nr, Situation::SlotIdPastLimit, RuleId::RegionSlotLimit);
        hit_if(id == nr - 1 && as_id == 0, Situation::HarnessSlotId);
        hit_if(id == nr - 2, Situation::HarnessNeighbourId);
        hit_if(r.version == 1, Situation::RegionV1);
        const bool gmf = r.version == 2 && (r.flags & kMemGuestMemfd);
        const uint64_t uaddr = World::address_value(r.uaddr);
        hit_if(r.gpa % kPageSize || r.size % kPageSize || uaddr % kPageSize || (gmf && r.gmem_offset % kPageSize),
               Situation::Unaligned);
        hit_if(near_2_63(r.size) || (gmf && near_2_63(r.gmem_offset)), Situation::Near2To63);
        hit_if(near_2_64(r.size) || near_2_64(r.gpa) || (gmf && near_2_64(r.gmem_offset)), Situation::Near2To64);
        aim_if(r.size > 0 && r.gpa + r.size <= r.gpa, Situation::GpaWrap, RuleId::RegionGpaWrap);
        if (r.size >= kPageSize) {
            const uint64_t last = (r.gpa >> kPageShift) + r.size / kPageSize - 1;
            const uint64_t max_gfn = world_.profile().max_gfn;
            aim_if(last == max_gfn || last == max_gfn + 1, Situation::MaxGfnEdge, RuleId::RegionMaxGfn);
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
            aim_if(old != nullptr, Situation::SlotDelete, RuleId::Count);
            if (old && as_id == 0) deleting_ = {old->base_gfn, old->end_gfn()};
            return;
        }
        const bool gmf = r.flags & kMemGuestMemfd;
        if (old) {
            aim_if(!old->gmem && gmf, Situation::GmemFlagOn, RuleId::RegionGmemImmutable);
            aim_if(old->gmem && !gmf, Situation::GmemFlagOff, RuleId::RegionModifyImmutable);
            aim_if((r.flags ^ old->flags) & (kMemLogDirtyPages | kMemReadonly), Situation::FlagToggle,
                   RuleId::RegionModifyImmutable);
            aim_if((r.gpa >> kPageShift) != old->base_gfn, Situation::SlotMove, RuleId::RegionGpaOverlap);
        }
        const Span gfns{r.gpa >> kPageShift, (r.gpa >> kPageShift) + r.size / kPageSize};
        std::vector<Span> others;
        for (const auto& [other_id, s] : space.by_id) {
            if (other_id == id) continue;
            others.push_back({s.base_gfn, s.end_gfn()});
            aim_if(s.harness && shape_of(gfns, {s.base_gfn, s.end_gfn()}) == Shape::Adjacent,
                   Situation::HarnessNeighbour, RuleId::Count);
        }
        shapes(gfns, others, Situation::GfnExact, Situation::GfnNested, Situation::GfnCovering, Situation::GfnPartial,
               Situation::GfnAdjacent, RuleId::RegionGpaOverlap);
        const uint64_t uaddr = World::address_value(r.uaddr);
        bool aliasing = false;
        for (const auto& [vm_index, vm] : world_.vms())
            for (const auto& sp : vm.address_spaces)
                for (const auto& [other_id, s] : sp.by_id)
                    aliasing = aliasing || (!s.harness && s.uaddr == uaddr && !(vm_index == r.vm.index && s.id == id));
        aim_if(aliasing && r.uaddr.symbolic, Situation::AliasingSlots, RuleId::Count);
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
            aim(Situation::OtherVmGmem, RuleId::BindOtherVm);
            return;
        }
        const Span offsets{r.gmem_offset >> kPageShift, (r.gmem_offset >> kPageShift) + r.size / kPageSize};
        std::vector<Span> others;
        for (const auto& [first, b] : f.bindings) others.push_back({first, first + b.npages});
        shapes(offsets, others, Situation::BindingExact, Situation::BindingNested, Situation::BindingCovering,
               Situation::BindingPartial, Situation::BindingAdjacent, RuleId::BindOverlap);
        aim_if(r.gmem_offset + r.size == f.size, Situation::BindingAtFileEnd, RuleId::Count);
        aim_if(r.gmem_offset + r.size == f.size + kPageSize, Situation::BindingPastFileEnd, RuleId::BindRange);
        // F1 (docs/findings.md): before 7.2 the loff_t sum wraps negative
        // and the binding is made; from 7.2 the range check refuses it.
        aim_if(near_2_63(r.gmem_offset) && r.size >= 2 * kPageSize, Situation::BindNear2To63Live, RuleId::BindRange);
        bool same = false;
        for (size_t i = 0; i < world_.objects().size(); ++i) {
            const FileObject& o = world_.objects()[i];
            if (i == object || o.kind != FileObject::Kind::Gmem || o.vm != r.vm.index) continue;
            auto it = o.bindings.find(offsets.first);
            same = same || (it != o.bindings.end() && it->second.npages == offsets.end - offsets.first);
        }
        aim_if(same, Situation::TwoFilesSameOffsets, RuleId::Count);
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
        // A private gfn's page is the guest_memfd's too (6.12's private memory).
        if (d.rule == RuleId::GuestGmemFile || d.rule == RuleId::GuestPrivateFile || d.rule == RuleId::GuestHva) {
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
    std::array<uint64_t, kRuleCount> passes_before_{};
    std::vector<Aimed> aimed_;
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
