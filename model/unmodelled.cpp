#include "model/unmodelled.h"

#include "model/vm_type.h"
#include "model/world.h"
#include "seq/text_scan.h"

namespace slotcheck {

const std::vector<UnmodelledCapability>& unmodelled_capabilities() {
    static const std::vector<UnmodelledCapability> caps = {
        {168, "MANUAL_DIRTY_LOG_PROTECT2"},
        {192, "DIRTY_LOG_RING"},
        {201, "EXIT_HYPERCALL"},
        {223, "DIRTY_LOG_RING_ACQ_REL"},
        {225, "DIRTY_LOG_RING_WITH_BITMAP"},
        {236, "PRE_FAULT_MEMORY"},
    };
    return caps;
}

std::vector<long> capabilities_to_scan() {
    std::vector<long> out;
    for (const auto& c : unmodelled_capabilities()) out.push_back(c.number);
    for (long n = kNewestKnownCapability + 1; n <= kLastScannedCapability; ++n) out.push_back(n);
    return out;
}

namespace {

std::string capability_name(long number) {
    for (const auto& c : unmodelled_capabilities())
        if (c.number == number) return c.name;
    return "cap " + std::to_string(number) + " (newer than the model)";
}

std::string bits_beyond(int64_t reported, uint64_t known) {
    const uint64_t extra = static_cast<uint64_t>(reported) & ~known;
    return extra == 0 ? "" : hex(extra) + " (reported " + hex(static_cast<uint64_t>(reported)) + ")";
}

}  // namespace

std::vector<UnmodelledKind> unmodelled_features(const KernelFacts& f) {
    std::string caps;
    for (const auto& [number, value] : f.unmodelled_caps) {
        if (value == 0) continue;
        caps += (caps.empty() ? "" : ", ") + capability_name(number) + " " + std::to_string(value);
    }
    // The model knows the VM types of model/vm_type.h (0 to 5).
    const uint64_t known_types = (1ull << (kVmTypeTdx + 1)) - 1;
    const uint64_t known_gmem_flags = kGmemFlagMmap | kGmemFlagInitShared;
    return {
        {"capabilities", caps},
        {"guest_memfd flags", bits_beyond(f.cap_guest_memfd_flags | f.cap_guest_memfd_flags_kvm, known_gmem_flags)},
        {"VM types", bits_beyond(f.cap_vm_types, known_types)},
        {"memory attributes", bits_beyond(f.cap_memory_attributes | f.cap_memory_attributes_kvm, kAttributePrivate)},
    };
}

}  // namespace slotcheck
