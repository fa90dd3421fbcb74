#include "replay/features.h"

#include <algorithm>
#include <optional>

#include "model/vm_type.h"
#include "model/world.h"
#include "replay/differ.h"

namespace slotcheck {

namespace {

// The values of the machine-fact features (apply_machine_facts()): with them
// and without them. Without the 52-bit MAXPHYADDR: the smallest an x86-64
// machine has, 36 bits.
constexpr uint64_t kTaskSize4Level = (1ull << 47) - 4096;
constexpr uint64_t kTaskSize5Level = (1ull << 56) - 4096;
constexpr uint64_t kMaxGfn52 = (1ull << 40) - 1;
constexpr uint64_t kMaxGfn36 = (1ull << 24) - 1;

// True when [start, start + size) reaches past `limit` or wraps.
bool reaches_past(uint64_t start, uint64_t size, uint64_t limit) {
    return start + size < start || start + size > limit;
}

}  // namespace

std::string feature_name(const Feature& f) {
    switch (f.kind) {
    case Feature::Kind::GuestMemfd: return "guest-memfd-ioctl";
    case Feature::Kind::GmemOnDefaultVm: return "gmem-on-default-vm";
    case Feature::Kind::GmemMmap: return "gmem-mmap";
    case Feature::Kind::MemoryAttributes: return "memory-attributes-ioctl";
    case Feature::Kind::VmType: return "vm-type-" + std::to_string(f.vm_type);
    case Feature::Kind::ReadonlyMem: return "readonly-mem";
    case Feature::Kind::SmmAddressSpace: return "smm-address-space";
    case Feature::Kind::Paging4Level: return "paging-4-level";
    case Feature::Kind::Maxphyaddr52: return "maxphyaddr-52";
    }
    return "?";
}

std::string feature_description(const Feature& f) {
    switch (f.kind) {
    case Feature::Kind::GuestMemfd: return "KVM_CREATE_GUEST_MEMFD (ENOTTY without)";
    case Feature::Kind::GmemOnDefaultVm: return "guest_memfd slots on a default VM (KVM_CAP_GUEST_MEMFD on a VM of type 0)";
    case Feature::Kind::GmemMmap: return "guest_memfd flags MMAP and INIT_SHARED (KVM_CAP_GUEST_MEMFD_FLAGS)";
    case Feature::Kind::MemoryAttributes: return "KVM_SET_MEMORY_ATTRIBUTES (ENOTTY without)";
    case Feature::Kind::VmType:
        return "VM type " + std::to_string(f.vm_type) + " (KVM_CAP_VM_TYPES" +
               (f.vm_type == 1 ? "; variant sw-protected-vm)" : ")");
    case Feature::Kind::ReadonlyMem: return "read-only memslots (KVM_CAP_READONLY_MEM)";
    case Feature::Kind::SmmAddressSpace: return "the SMM address space (KVM_CAP_MULTI_ADDRESS_SPACE >= 2)";
    case Feature::Kind::Paging4Level:
        return "TASK_SIZE_MAX of 4-level paging, 0x7ffffffff000 (a machine fact: with 5-level paging access_ok() "
               "takes user addresses up to 2^56)";
    case Feature::Kind::Maxphyaddr52:
        return "the largest gfn of a 52-bit MAXPHYADDR, 2^40 - 1 (a machine fact: kvm_mmu_max_gfn() follows the "
               "host MAXPHYADDR with TDP)";
    }
    return "?";
}

std::string feature_list(const std::vector<Feature>& features) {
    std::string out;
    for (size_t i = 0; i < features.size(); ++i)
        out += (i == 0 ? "" : i + 1 == features.size() ? " and " : ", ") + feature_name(features[i]);
    return out;
}

bool has_feature(const Profile& p, const Feature& f) {
    switch (f.kind) {
    case Feature::Kind::GuestMemfd: return p.guest_memfd_ioctl;
    case Feature::Kind::GmemOnDefaultVm: return p.gmem_on_default_vm;
    case Feature::Kind::GmemMmap: return p.gmem_mmap;
    case Feature::Kind::MemoryAttributes: return p.memory_attributes_ioctl;
    case Feature::Kind::VmType: return p.vm_type_supported(f.vm_type);
    case Feature::Kind::ReadonlyMem: return p.readonly_mem;
    case Feature::Kind::SmmAddressSpace: return p.nr_address_spaces >= 2;
    case Feature::Kind::Paging4Level: return p.task_size_max == kTaskSize4Level;
    case Feature::Kind::Maxphyaddr52: return p.max_gfn >= kMaxGfn52;
    }
    return false;
}

void set_feature(Profile& p, const Feature& f, bool on) {
    switch (f.kind) {
    case Feature::Kind::GuestMemfd: p.guest_memfd_ioctl = on; return;
    case Feature::Kind::GmemOnDefaultVm: p.gmem_on_default_vm = on; return;
    case Feature::Kind::GmemMmap: p.gmem_mmap = on; return;
    case Feature::Kind::MemoryAttributes: p.memory_attributes_ioctl = on; return;
    case Feature::Kind::VmType:
        if (f.vm_type == kVmTypeSwProtected) p.sw_protected_vm = on;
        else if (f.vm_type < 64) p.vm_types = on ? p.vm_types | (1ull << f.vm_type) : p.vm_types & ~(1ull << f.vm_type);
        return;
    case Feature::Kind::ReadonlyMem: p.readonly_mem = on; return;
    case Feature::Kind::SmmAddressSpace: p.nr_address_spaces = on ? std::max(2u, p.nr_address_spaces) : 1; return;
    case Feature::Kind::Paging4Level: p.task_size_max = on ? kTaskSize4Level : kTaskSize5Level; return;
    case Feature::Kind::Maxphyaddr52: p.max_gfn = on ? kMaxGfn52 : kMaxGfn36; return;
    }
}

namespace {

bool in_table_order(const Feature& a, const Feature& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.vm_type < b.vm_type;
}

}  // namespace

void FeatureUse::add(const Op& op) {
    auto use = [&](Feature f) {
        if (std::find(touched_.begin(), touched_.end(), f) == touched_.end()) touched_.push_back(f);
    };
    if (std::holds_alternative<CreateGmem>(op)) {
        use({Feature::Kind::GuestMemfd});
        use({Feature::Kind::GmemMmap});
    } else if (const auto* r = std::get_if<SetRegion>(&op)) {
        if (r->flags & kMemGuestMemfd) use({Feature::Kind::GmemOnDefaultVm});
        if (r->flags & kMemReadonly) use({Feature::Kind::ReadonlyMem});
        if (r->slot >> 16) use({Feature::Kind::SmmAddressSpace});
        // Mapping addresses lie in the arena, below every TASK_SIZE_MAX;
        // a raw one past the 4-level limit, or a gpa past the smallest
        // MAXPHYADDR, can answer differently with another machine's limit.
        if (!r->uaddr.symbolic && reaches_past(r->uaddr.value, r->size, kTaskSize4Level))
            use({Feature::Kind::Paging4Level});
        if (reaches_past(r->gpa, r->size, (kMaxGfn36 + 1) << 12)) use({Feature::Kind::Maxphyaddr52});
    } else if (std::holds_alternative<SetAttributes>(op)) {
        use({Feature::Kind::MemoryAttributes});
    } else if (const auto* v = std::get_if<CreateVm>(&op)) {
        // Type 0 is every kernel's, and types past 63 no kernel's.
        if (v->type != kVmTypeDefault && v->type < 64) use({Feature::Kind::VmType, v->type});
    }
}

std::vector<Feature> FeatureUse::features() const {
    std::vector<Feature> out = touched_;
    std::sort(out.begin(), out.end(), in_table_order);
    return out;
}

namespace {

std::vector<Feature> touched_features(const Sequence& seq) {
    FeatureUse use;
    for (const Step& s : seq.steps) use.add(s.op);
    return use.features();
}

// The first step whose written expectation, read under `expectations`, the
// model under `model_profile` contradicts.
std::optional<size_t> first_contradiction(const StepSource& steps, const Profile& expectations,
                                          const Profile& model_profile) {
    World model(model_profile);
    std::optional<size_t> found;
    each_step(steps, [&](size_t i, const Step& step) {
        if (std::holds_alternative<Check>(step.op)) return true;  // no outcome, no change
        const Outcome got = model.step(step.op).outcome;
        if (step.expect && expected_outcome(*step.expect, expectations) != got) found = i;
        return !found;
    });
    return found;
}

bool later(std::optional<size_t> a, size_t b) { return !a || *a > b; }

Profile with(Profile p, const std::vector<Feature>& features) {
    for (const auto& f : features) set_feature(p, f, true);
    return p;
}

// The smallest set of `candidates` (at most three) that, switched on in
// `base`, moves the first contradiction past step `at`; empty when none does.
std::vector<Feature> smallest_explanation(const StepSource& seq, const Profile& expectations, const Profile& base,
                                          const std::vector<Feature>& candidates, size_t at) {
    const size_t n = candidates.size();
    auto works = [&](const std::vector<Feature>& set) {
        return later(first_contradiction(seq, expectations, with(base, set)), at);
    };
    for (size_t a = 0; a < n; ++a)
        if (works({candidates[a]})) return {candidates[a]};
    for (size_t a = 0; a < n; ++a)
        for (size_t b = a + 1; b < n; ++b)
            if (works({candidates[a], candidates[b]})) return {candidates[a], candidates[b]};
    for (size_t a = 0; a < n; ++a)
        for (size_t b = a + 1; b < n; ++b)
            for (size_t c = b + 1; c < n; ++c)
                if (works({candidates[a], candidates[b], candidates[c]}))
                    return {candidates[a], candidates[b], candidates[c]};
    return {};
}

// The search behind missing_features() and required_features(): from
// `base` (which lacks every candidate), switch on the fewest candidates that
// move the first contradiction past its step, until none is left or no
// candidates explain it. The smallest set, not all of them: a candidate can
// also turn an expected refusal into a success and contradict the file.
std::vector<Feature> needed_features(const StepSource& seq, const Profile& expectations, Profile base,
                                     const std::vector<Feature>& candidates) {
    std::vector<Feature> needs;
    if (candidates.empty()) return needs;
    for (auto at = first_contradiction(seq, expectations, base); at;) {
        std::vector<Feature> left;
        for (const auto& f : candidates)
            if (std::find(needs.begin(), needs.end(), f) == needs.end()) left.push_back(f);
        // A step can need two at once: an MMAP guest_memfd on a kernel with neither.
        const auto chosen = smallest_explanation(seq, expectations, base, left, *at);
        if (chosen.empty()) break;
        base = with(base, chosen);
        needs.insert(needs.end(), chosen.begin(), chosen.end());
        at = first_contradiction(seq, expectations, base);
    }
    std::sort(needs.begin(), needs.end(), in_table_order);
    return needs;
}

}  // namespace

std::vector<Feature> missing_features(const Sequence& seq, const Profile& profile) {
    return missing_features(SequenceSteps(seq), touched_features(seq), profile);
}

std::vector<Feature> missing_features(const StepSource& steps, const std::vector<Feature>& touched,
                                      const Profile& profile) {
    std::vector<Feature> lacking;
    for (const auto& f : touched)
        if (!has_feature(profile, f)) lacking.push_back(f);
    return needed_features(steps, profile, profile, lacking);
}

std::vector<Feature> required_features(const Sequence& seq, const Profile& profile) {
    const auto touched = touched_features(seq);
    Profile bare = profile;
    for (const auto& f : touched) set_feature(bare, f, false);
    return needed_features(SequenceSteps(seq), profile, bare, touched);
}

}  // namespace slotcheck
