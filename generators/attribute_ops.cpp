// KVM_SET_MEMORY_ATTRIBUTES over the gpa ranges of slots. Kernels without
// the ioctl answer ENOTTY: a few are generated under every profile anyway.
#include <algorithm>

#include "generators/draw.h"
#include "generators/guest_pages.h"
#include "generators/op_families.h"
#include "generators/values.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

constexpr uint64_t kAttributePageLimit = 512;

}  // namespace

Ops attribute_ops(GenerationState& s, Intent intent) {
    const auto open = s.open_vms();
    const auto all = s.vms();
    if (all.empty()) return {};
    SetAttributes a;
    a.vm = open.empty() || (intent == Intent::Implausible && chance(15)) ? one_of(all) : one_of(open);
    const auto slots = s.slots(a.vm, false);
    const auto vit = s.world().vms().find(a.vm.index);
    const bool has_private = vit != s.world().vms().end() && vit->second.traits.private_mem;
    const GfnRangeSet* cached = nullptr;
    if (has_private && chance(40)) {
        const VmState& v = vit->second;
        if (!v.mmio_current.empty() || !v.mmio_stale.empty())
            cached = v.mmio_stale.empty() || (!v.mmio_current.empty() && chance(50)) ? &v.mmio_current : &v.mmio_stale;
    }
    if (cached) {
        // A gfn whose MMIO SPTE the model says is cached: the private
        // attribute meets it (docs/findings.md F6).
        a.address = gfn_in(*cached) << kPageShift;
        a.size = kPageSize;
    } else if (!slots.empty() && has_private && chance(25)) {
        // The page just before or after a slot, where the guest's accesses
        // took MMIO exits (cached MMIO SPTEs meet the private attribute).
        const Slot& slot = one_of(slots).slot;
        const uint64_t gfn = chance(50) && slot.base_gfn > 0 ? slot.base_gfn - 1 : slot.end_gfn();
        a.address = gfn << kPageShift;
        a.size = kPageSize;
    } else if (!slots.empty()) {
        const Slot& slot = one_of(slots).slot;
        const uint64_t skip = below(slot.npages);
        a.address = (slot.base_gfn + skip) << kPageShift;
        // A kernel that supports an attribute stores it page by page: the
        // range stays small so that a VM type with PRIVATE cannot make the
        // kernel fill gigabytes of xarray.
        a.size = between(1, std::min<uint64_t>(slot.npages - skip, kAttributePageLimit)) * kPageSize;
    } else {
        a.address = between(0, 1024) * kPageSize;
        a.size = between(1, 16) * kPageSize;
    }
    if (intent == Intent::Plausible) {
        // The default VM supports no attribute; PRIVATE is what a VMM asks
        // for, and mostly gets on a VM with private memory.
        a.attributes = has_private ? one_of<uint64_t>({0, kAttributePrivate, kAttributePrivate})
                                   : one_of<uint64_t>({0, 0, kAttributePrivate});
        return {a};
    }
    // Attributes 0 and flags 0 pass; then exactly one field is wrong.
    switch (below(5)) {
    case 0: a.flags = one_of<uint64_t>({1, 1ull << 63}); break;
    case 1: a.size = 0; break;
    case 2: a.address = 0 - a.size + one_of<uint64_t>({0, kPageSize}); break;  // address + size reaches 2^64
    case 3: (chance(50) ? a.address : a.size) += *misalignment(); break;
    default: a.attributes = one_of<uint64_t>({1, kAttributePrivate, 1ull << 63, UINT64_MAX}); break;
    }
    return {a};
}

}  // namespace slotcheck::gen
