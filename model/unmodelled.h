// What a kernel reports that the model has no rules for: capabilities that
// touch memslots or guest_memfd, guest_memfd flag bits, VM types and memory
// attributes beyond the ones model/world.h and model/vm_type.h know. A
// kernel run says these, so a user knows which part of a newer kernel's API
// went untested (`slotcheck probe`, replay and fuzz headers).
#pragma once

#include <string>
#include <vector>

#include "model/profile.h"

namespace slotcheck {

struct UnmodelledCapability {
    long number;       // KVM_CAP_*
    const char* name;  // without the KVM_CAP_ prefix
};
// Capabilities about memslots and guest_memfd that the model has no rules
// for (dirty logging beyond the flag, pre-faulting, hypercall exits).
const std::vector<UnmodelledCapability>& unmodelled_capabilities();
// The newest capability number the model was written against
// (KVM_CAP_GUEST_MEMFD_FLAGS); numbers above it up to kLastScannedCapability
// are asked too, since a newer kernel's additions are exactly what the model
// cannot know.
inline constexpr long kNewestKnownCapability = 244;
inline constexpr long kLastScannedCapability = 320;
// Every capability number gather_kernel_facts() asks for this list.
std::vector<long> capabilities_to_scan();

struct UnmodelledKind {
    std::string kind;    // "capabilities", "guest_memfd flags", "VM types", "memory attributes"
    std::string detail;  // what the kernel reports beyond the model, "" for nothing
};
// One entry per kind, in that order.
std::vector<UnmodelledKind> unmodelled_features(const KernelFacts& facts);

}  // namespace slotcheck
