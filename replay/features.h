// What a sequence file needs of a kernel. A *feature* is something a kernel
// has or lacks (an ioctl, a VM type, a flag it accepts), as opposed to a
// behaviour variant where a kernel answers the same call differently. A file
// whose written expectations need a feature the kernel lacks cannot test
// anything there: replay reports it as a skip, an emitted C program as a
// kselftest skip (docs/sequence-format.md "What a file needs").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/profile.h"
#include "seq/sequence.h"
#include "seq/step_source.h"

namespace slotcheck {

struct Feature {
    enum class Kind : uint8_t {
        GuestMemfd,        // KVM_CREATE_GUEST_MEMFD (variant guest-memfd-ioctl)
        GmemOnDefaultVm,   // KVM_MEM_GUEST_MEMFD on a default VM (variant gmem-on-default-vm)
        GmemMmap,          // GUEST_MEMFD_FLAG_MMAP and _INIT_SHARED (variant gmem-mmap)
        MemoryAttributes,  // KVM_SET_MEMORY_ATTRIBUTES (variant memory-attributes-ioctl)
        VmType,            // KVM_CREATE_VM(vm_type) (KVM_CAP_VM_TYPES; type 1 is variant sw-protected-vm)
        ReadonlyMem,       // KVM_MEM_READONLY (KVM_CAP_READONLY_MEM)
        SmmAddressSpace,   // address space 1 (KVM_CAP_MULTI_ADDRESS_SPACE >= 2)
        // Machine facts (model/profile.h apply_machine_facts): limits the
        // hardware and the boot set, which a file at such a limit is written
        // for. A machine without them cannot test that file's point.
        Paging4Level,      // TASK_SIZE_MAX of 4-level paging, 2^47 - 4096 (5-level: 2^56 - 4096)
        Maxphyaddr52,      // kvm_mmu_max_gfn() of a 52-bit MAXPHYADDR (or shadow paging), 2^40 - 1
    };
    Kind kind = Kind::GuestMemfd;
    uint64_t vm_type = 0;  // Kind::VmType only
    friend bool operator==(const Feature&, const Feature&) = default;
};

// "guest-memfd-ioctl", "vm-type-1", ...: the variant's name where the
// feature is a profile variant, so `--variant NAME=on` names the same thing.
std::string feature_name(const Feature& f);
// What the feature is and how a kernel tells it (for reports and comments).
std::string feature_description(const Feature& f);
// "a, b and c" of the names.
std::string feature_list(const std::vector<Feature>& features);

bool has_feature(const Profile& profile, const Feature& f);
void set_feature(Profile& profile, const Feature& f, bool on);

// The features a file needs that `profile` lacks. The rule: a file needs
// feature F when, replayed on the model under the profile, a step's written
// expectation (read under the profile, alternatives included) is contradicted
// because F is absent: switching F on (with the other features found so far,
// and at most two more for the same step) makes the model agree with the file
// past that step. A file that uses F
// only to show that it is refused (`=> ENOTTY | guest-memfd-ioctl: ok`)
// agrees without it and needs nothing. A contradiction no feature explains
// ends the search: it is a divergence, not a skip.
std::vector<Feature> missing_features(const Sequence& seq, const Profile& profile);

// The features whose profile fields the model consults for a sequence's
// operations (model/world*.cpp), gathered a step at a time: only these can
// change its outcomes, so only these are searched.
class FeatureUse {
public:
    void add(const Op& op);
    // In table order.
    std::vector<Feature> features() const;

private:
    std::vector<Feature> touched_;
};

// missing_features() over steps read one at a time (a long file), given the
// features its steps touch (FeatureUse over the same steps). Each search
// step is a pass over them; a file that touches nothing the profile lacks
// needs no pass at all.
std::vector<Feature> missing_features(const StepSource& steps, const std::vector<Feature>& touched,
                                      const Profile& profile);

// Every feature the file's expectations, read under `profile`, need of a
// kernel: what missing_features() finds with every feature the file touches
// switched off, including those `profile` lacks (a file written for VM type
// 1, emitted under a profile without it, still needs it). What an emitted C
// program checks before it runs.
std::vector<Feature> required_features(const Sequence& seq, const Profile& profile);

}  // namespace slotcheck
