// Profiles: which rules and semantic variants a given kernel has.
//
// Kernels differ from upstream in a few named ways (kernel-semantics.md §7).
// Each difference is a *variant*: a name, a one-line description, and the
// field it sets. A profile is a release's behaviours (the variants, from the
// release and the capabilities, or a named profile) plus the running
// machine's facts (apply_machine_facts). What a kernel answers never changes
// a profile by itself: a probed behaviour that differs from the release's is
// a deviation (model/deviation.h), adopted only when accepted explicitly.
// `slotcheck probe` prints every variant that differs from upstream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace slotcheck {

// What the harness measures about the running kernel (harness/kernel_facts.cpp);
// profile_for_kernel() turns it into a Profile without any syscall.
struct KernelFacts {
    std::string release;      // uname -r
    int major = 0, minor = 0, patch = 0;
    int64_t cap_user_memory2 = 0;
    int64_t cap_guest_memfd_vm = 0;      // KVM_CAP_GUEST_MEMFD on a default VM fd
    int64_t cap_guest_memfd_flags = 0;   // cap 244 on a default VM fd
    int64_t cap_memory_attributes = 0;   // on a default VM fd
    int64_t cap_vm_types = 0;
    int64_t cap_nr_memslots = 0;
    int64_t cap_multi_address_space = 0;
    int64_t cap_readonly_mem = 0;
    int64_t cap_memory_fault_info = 0;
    bool has_set_memory_attributes_ioctl = false;  // ENOTTY or not
    bool has_create_guest_memfd_ioctl = false;     // ENOTTY or not
    // The same two capabilities asked of /dev/kvm, where they answer
    // everything the kernel supports (a default VM hides what only private
    // memory VMs have): for listing what the model has no rules for.
    int64_t cap_guest_memfd_flags_kvm = 0;
    int64_t cap_memory_attributes_kvm = 0;
    // Non-zero answers to the capabilities the model has no rules for
    // (model/unmodelled.h): {KVM_CAP number, value}.
    std::vector<std::pair<long, int64_t>> unmodelled_caps;
    bool mmio_caching = true;        // kvm.mmio_caching (/sys/module/kvm/parameters)
    bool tdp_enabled = false;        // npt/ept in use: the max gfn follows MAXPHYADDR
    int phys_addr_bits = 52;         // host MAXPHYADDR
    int guest_phys_addr_bits = 52;   // guest MAXPHYADDR from KVM_GET_SUPPORTED_CPUID
    bool five_level_paging = false;  // TASK_SIZE_MAX is 2^56 - 4096 instead of 2^47 - 4096
    std::string kvm_module;          // kvm_amd, kvm_intel, kvm_pvm
    bool tdp_mmu = true;             // kvm.tdp_mmu (/sys/module/kvm/parameters); only matters with TDP
};

// The MMU KVM runs guests with: it decides what a memslot costs up front
// (model/kernel_memory.h). TdpMmu: TDP with the TDP MMU (reverse maps only
// once a shadow root exists); LegacyTdp: TDP with kvm.tdp_mmu=N (reverse
// maps up front); Shadow: no TDP (tdp off, kvm_pvm): reverse maps and write
// tracking for every page up front.
enum class MmuKind : uint8_t { TdpMmu, LegacyTdp, Shadow };
MmuKind mmu_kind_of(const KernelFacts& facts);

struct Profile {
    std::string name = "upstream";
    std::string description;

    // --- capabilities and limits
    uint32_t nr_memslots = 32764;          // KVM_CAP_NR_MEMSLOTS
    uint32_t nr_address_spaces = 1;        // KVM_CAP_MULTI_ADDRESS_SPACE (0 means 1)
    uint64_t vm_types = 1;                 // KVM_CAP_VM_TYPES bit mask (type 1 follows sw_protected_vm)
    uint64_t max_gfn = (1ull << 40) - 1;   // kvm_mmu_max_gfn()
    uint64_t task_size_max = (1ull << 47) - 4096;
    bool readonly_mem = true;
    // The probe accesses gpas below this only: 2^47 (its identity map), or
    // less where the guest MAXPHYADDR is smaller (an access above it wedges
    // the vCPU). Above it, guest accesses answer noprobe.
    uint64_t guest_access_limit = 1ull << 47;
    // The MMU, for the kernel memory a slot holds. Named profiles assume the
    // TDP MMU (the kernels in qemu VMs); the running machine's facts say
    // otherwise where they know (profile_for_kernel, resolve_profile).
    MmuKind mmu = MmuKind::TdpMmu;

    // --- variants (each a named difference; see variant_table())
    bool guest_memfd_ioctl = true;           // KVM_CREATE_GUEST_MEMFD exists (6.8+)
    bool gmem_on_default_vm = true;          // default VMs may bind guest_memfd (6.18+)
    bool gmem_mmap = true;                   // MMAP|INIT_SHARED flags, gmem-only slots (6.18+)
    bool binding_overlap_eexist = true;      // EEXIST from 7.2, EINVAL before
    bool gmem_offset_unsigned = true;        // 7.2+: offset is uoff_t
    bool binding_checked_after_arch = true;  // 7.3: overlap checked after the max-gfn check
    bool gmf_toggle_rejected = true;         // "Disallow toggling KVM_MEM_GUEST_MEMFD" fix
    bool gmem_noexec_mount = true;           // the guest_memfd file lives on a noexec mount (6.15+)
    bool memory_attributes_ioctl = false;    // KVM_SET_MEMORY_ATTRIBUTES compiled in
    bool sw_protected_vm = false;            // VM type 1 exists (CONFIG_KVM_SW_PROTECTED_VM + TDP MMU)
    bool mmio_cache_ignores_attributes = true;  // a cached MMIO SPTE outlives a private attribute (F6)

    // The VM types KVM_CREATE_VM accepts: the KVM_CAP_VM_TYPES mask, except
    // that type 1 (software-protected, the one private-memory type a VM in
    // qemu can have) is the sw-protected-vm variant.
    uint64_t vm_type_mask() const { return (vm_types & ~2ull) | (sw_protected_vm ? 2ull : 0); }
    bool vm_type_supported(uint64_t type) const { return type < 64 && ((vm_type_mask() >> type) & 1); }

    // Names of the variants where this profile differs from upstream.
    std::vector<std::string> differences_from_upstream() const;
    // True when the named variant is on (used by expectation alternatives).
    bool variant_on(const std::string& variant) const;
};

struct VariantInfo {
    const char* name;         // e.g. "binding-overlap-eexist"
    const char* description;  // what differs, with the kernel source reference
    bool Profile::*field;
};
const std::vector<VariantInfo>& variant_table();
// The row of `name`, or nullptr for a name that is no variant.
const VariantInfo* find_variant(const std::string& name);

// Built-in profiles: upstream, linux-6.12, linux-6.12-sw-protected,
// linux-6.18, linux-7.2, linux-7.3. Each is a release's behaviours with the
// limits of no machine in particular; on a kernel, apply_machine_facts()
// makes it that machine's.
Profile upstream_profile();
std::optional<Profile> named_profile(const std::string& name);
std::vector<std::string> profile_names();

// The facts of the machine the kernel runs on, the same whatever release a
// profile describes: TASK_SIZE_MAX (4- or 5-level paging), the largest gfn
// (MAXPHYADDR with TDP, 52 bits under shadow paging), the guest MAXPHYADDR
// the probe may touch, the address spaces (SMM: CONFIG_KVM_SMM and the
// vendor module), the memslot count, and kvm.mmio_caching (which can only
// switch off mmio-cache-ignores-attributes). Everything else in a profile is
// the release's behaviour (docs/model.md "Machine facts and release
// behaviours").
void apply_machine_facts(Profile& profile, const KernelFacts& facts);

// The profile of a running kernel, from its release and its capabilities
// only (plus the machine facts): the release decides the version-only
// variants, the capabilities decide the rest. Nothing the kernel answers to
// a probe changes it (model/deviation.h).
Profile profile_for_kernel(const KernelFacts& facts);

// One line saying what decided `variant` in profile_for_kernel(facts): the
// capability and its value, or the release ("KVM_CAP_GUEST_MEMFD on a
// default VM: 0", "release 6.12 (on from 7.2)").
std::string variant_evidence(const std::string& variant, const KernelFacts& facts);

}  // namespace slotcheck
