// Guest reads and writes by the probe: the edges of slots (first and last
// page, first and last 8 bytes), the pages just outside them, aliases (a
// write read back through another gpa that shows the same file page, in
// this VM or another), and accesses the probe cannot make.
#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/op_families.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

std::vector<Slot> address_space0_slots(const GenerationState& s, const Handle& vm) {
    std::vector<Slot> out;
    for (const auto& [id, slot] : s.world().vms().at(vm.index).address_spaces[0].by_id)
        if (!slot.harness) out.push_back(slot);
    return out;
}

// A gpa just outside the slot: the page before or after it.
std::optional<uint64_t> gpa_beside(const Slot& slot) {
    const uint64_t gfn = chance(50) && slot.base_gfn > 0 ? slot.base_gfn - 1 : slot.end_gfn();
    const uint64_t gpa = (gfn << kPageShift) + one_of<uint64_t>({0, kPageSize - 8});
    if (!guest_accessible(gpa)) return std::nullopt;
    return gpa;
}

Ops plausible(GenerationState& s) {
    const auto vms = s.probed_vms();
    if (vms.empty()) return {};
    const Handle vm = one_of(vms);
    const auto slots = address_space0_slots(s, vm);
    std::optional<uint64_t> gpa;
    std::optional<Slot> slot;
    const VmState& v = s.world().vms().at(vm.index);
    if (v.traits.attributes_decide_private && chance(25)) {
        // A private gfn, or one with a cached MMIO SPTE: where the attribute
        // routes the access.
        std::vector<const GfnRangeSet*> sets;
        for (const GfnRangeSet* set : {&v.private_gfns, &v.mmio_current, &v.mmio_stale})
            if (!set->empty()) sets.push_back(set);
        if (!sets.empty()) {
            const uint64_t candidate = (gfn_in(*one_of(sets), 64) << kPageShift) + one_of<uint64_t>({0, kPageSize - 8});
            if (guest_accessible(candidate)) gpa = candidate;
        }
    }
    if (!gpa && !slots.empty() && chance(95)) {
        slot = one_of(slots);
        gpa = chance(85) ? gpa_in_slot(*slot) : gpa_beside(*slot);
    }
    if (!gpa) gpa = (between(0, 0xbffff) << kPageShift) + one_of<uint64_t>({0, kPageSize - 8});
    if (chance(50)) return {GuestRead{vm, *gpa}};
    Ops ops{GuestWrite{vm, *gpa, *written_value()}};
    // Read the value back through an alias of the page, if there is one.
    if (slot && chance(60)) {
        if (auto behind = file_page_behind(s, vm, *slot, *gpa >> kPageShift)) {
            std::vector<GuestPage> aliases;
            for (const auto& p : guest_pages_of(s, behind->object, behind->page))
                if (p.vm != vm || p.gpa >> kPageShift != *gpa >> kPageShift) aliases.push_back(p);
            if (!aliases.empty()) {
                const GuestPage p = one_of(aliases);
                ops.push_back(GuestRead{p.vm, (p.gpa & ~(kPageSize - 1)) + *gpa % kPageSize});
            }
        }
    }
    return ops;
}

Ops implausible(GenerationState& s) {
    const uint32_t created = s.created(HandleKind::Vm);
    if (created == 0) return {};
    // Any VM handle: closed, without probe, or never created.
    const Handle vm{HandleKind::Vm, static_cast<uint32_t>(below(created))};
    uint64_t gpa = one_of<uint64_t>({kGuestAccessLimit - 8, kHarnessGpa - 8, kHarnessGpa + kHarnessSize, 0});
    // Above what the guest can address (when that is below 2^47).
    if (s.profile().guest_access_limit < kGuestAccessLimit && chance(30)) gpa = s.profile().guest_access_limit;
    if (chance(50)) return {GuestRead{vm, gpa}};
    return {GuestWrite{vm, gpa, *written_value()}};
}

}  // namespace

Ops guest_access_ops(GenerationState& s, Intent intent) {
    return intent == Intent::Plausible ? plausible(s) : implausible(s);
}

}  // namespace slotcheck::gen
