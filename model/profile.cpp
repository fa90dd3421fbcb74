#include "model/profile.h"

#include "seq/variant_names.h"

namespace slotcheck {

const std::vector<VariantInfo>& variant_table() {
    static const std::vector<VariantInfo> table = {
        {known_variant("guest-memfd-ioctl"),
         "KVM_CREATE_GUEST_MEMFD exists (6.8+ with CONFIG_KVM_PRIVATE_MEM, 6.18+ always on x86-64); "
         "ENOTTY without (kvm_vm_ioctl)",
         &Profile::guest_memfd_ioctl},
        {known_variant("gmem-on-default-vm"),
         "a default VM may bind guest_memfd: check_memory_region_flags() accepts KVM_MEM_GUEST_MEMFD without "
         "private memory (6.18+); before, EINVAL",
         &Profile::gmem_on_default_vm},
        {known_variant("gmem-mmap"),
         "GUEST_MEMFD_FLAG_MMAP and _INIT_SHARED exist and MMAP files serve guest faults (KVM_MEMSLOT_GMEM_ONLY, "
         "6.18+); before, guest_memfd flags must be 0",
         &Profile::gmem_mmap},
        {known_variant("binding-overlap-eexist"),
         "an overlapping guest_memfd binding fails with EEXIST (kvm_gmem_bind, 7.2+, as api.rst documents); "
         "before, EINVAL",
         &Profile::binding_overlap_eexist},
        {known_variant("gmem-offset-unsigned"),
         "kvm_gmem_bind() reads guest_memfd_offset as unsigned (uoff_t, 7.2+): a bit-63 offset fails the size "
         "bound check; before, the signed 'offset < 0' check (both EINVAL)",
         &Profile::gmem_offset_unsigned},
        {known_variant("binding-checked-after-arch"),
         "the binding overlap check runs in kvm_gmem_commit_memory_region(), after the arch prepare step "
         "(7.3+): an x86 max-gfn EINVAL wins over a binding-overlap EEXIST",
         &Profile::binding_checked_after_arch},
        {known_variant("gmf-toggle-rejected"),
         "a flags-only change that drops KVM_MEM_GUEST_MEMFD is rejected (\"Disallow toggling "
         "KVM_MEM_GUEST_MEMFD on an existing memslot\", 6.19, backported; seen in 6.12.117 and 6.18.44)",
         &Profile::gmf_toggle_rejected},
        {known_variant("gmem-noexec-mount"),
         "the guest_memfd file's mount is noexec (anon_inode raises SB_I_NOEXEC from 6.15, guest_memfd's own "
         "mount keeps it), so do_mmap() refuses PROT_EXEC with EPERM before the file's mmap; before, a "
         "PROT_EXEC mmap of a file without mmap support reaches the ENODEV check",
         &Profile::gmem_noexec_mount},
        {known_variant("memory-attributes-ioctl"),
         "KVM_SET_MEMORY_ATTRIBUTES is compiled in (CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES); ENOTTY without",
         &Profile::memory_attributes_ioctl},
        {known_variant("sw-protected-vm"),
         "VM type 1 (KVM_X86_SW_PROTECTED_VM: private memory decided by KVM_SET_MEMORY_ATTRIBUTES) exists: "
         "CONFIG_KVM_SW_PROTECTED_VM with the TDP MMU (kvm_arch_hardware_setup); off in Debian's kernels",
         &Profile::sw_protected_vm},
        {known_variant("mmio-cache-ignores-attributes"),
         "a gfn without a memslot that gave an MMIO exit keeps its cached MMIO SPTE when made private, and the "
         "next access exits as MMIO instead of a private memory fault, until a memslot change (mmu.c "
         "kvm_mmu_page_fault: reserved faults are shared; kvm_vm_set_mem_attributes zaps memslot gfns only); "
         "off with kvm.mmio_caching=N",
         &Profile::mmio_cache_ignores_attributes},
    };
    return table;
}

const VariantInfo* find_variant(const std::string& name) {
    for (const auto& v : variant_table())
        if (name == v.name) return &v;
    return nullptr;
}

Profile upstream_profile() {
    Profile p;
    p.name = "upstream";
    p.memory_attributes_ioctl = true;
    p.description = "api.rst and the current kernel source (7.3)";
    return p;
}

namespace {

Profile linux_6_18() {
    Profile p = upstream_profile();
    p.name = "linux-6.18";
    p.description = "Linux 6.18 as observed on the paravirtual (kvm_pvm) host";
    p.binding_overlap_eexist = false;
    p.gmem_offset_unsigned = false;
    p.binding_checked_after_arch = false;
    p.memory_attributes_ioctl = false;
    return p;
}

Profile linux_6_12() {
    Profile p = linux_6_18();
    p.name = "linux-6.12";
    p.description = "Linux 6.12 (CONFIG_KVM_AMD_SEV=y, no KVM_SW_PROTECTED_VM, as Debian builds it)";
    // The 6.12 binding code: EINVAL for an overlap, a signed offset, the
    // overlap checked before the arch step (from linux_6_18). Debian's
    // 6.12.118 ships 7.3's binding code instead (docs/findings.md F5): a
    // deviation of that build, accepted by its entry in model/baselines.txt,
    // not a behaviour of the release.
    p.gmem_on_default_vm = false;
    p.gmem_mmap = false;
    p.gmem_noexec_mount = false;
    p.memory_attributes_ioctl = true;
    return p;
}

// The kernel scripts/build-kernel makes from Debian's linux-source-6.12:
// Debian's 6.12 plus KVM_SW_PROTECTED_VM, under nested SVM with NPT.
Profile linux_6_12_sw_protected() {
    Profile p = linux_6_12();
    p.name = "linux-6.12-sw-protected";
    p.description = "Linux 6.12 built by scripts/build-kernel (KVM_SW_PROTECTED_VM: VM type 1, private memory)";
    p.sw_protected_vm = true;
    return p;
}

Profile linux_7_2() {
    Profile p = upstream_profile();
    p.name = "linux-7.2";
    p.description = "Linux 7.2";
    p.binding_checked_after_arch = false;
    return p;
}

Profile linux_7_3() {
    Profile p = upstream_profile();
    p.name = "linux-7.3";
    p.description = "Linux 7.3";
    return p;
}

bool at_least(const KernelFacts& f, int major, int minor) {
    return f.major > major || (f.major == major && f.minor >= minor);
}

}  // namespace

std::vector<std::string> profile_names() {
    return {"upstream", "linux-6.12", "linux-6.12-sw-protected", "linux-6.18", "linux-7.2", "linux-7.3"};
}

std::optional<Profile> named_profile(const std::string& name) {
    if (name == "upstream") return upstream_profile();
    if (name == "linux-6.12") return linux_6_12();
    if (name == "linux-6.12-sw-protected") return linux_6_12_sw_protected();
    if (name == "linux-6.18") return linux_6_18();
    if (name == "linux-7.2") return linux_7_2();
    if (name == "linux-7.3") return linux_7_3();
    return std::nullopt;
}

MmuKind mmu_kind_of(const KernelFacts& f) {
    if (!f.tdp_enabled) return MmuKind::Shadow;
    return f.tdp_mmu ? MmuKind::TdpMmu : MmuKind::LegacyTdp;
}

void apply_machine_facts(Profile& p, const KernelFacts& f) {
    // kvm_mmu_max_gfn(): MAXPHYADDR with TDP, 52 bits under shadow paging.
    const int gpa_bits = f.tdp_enabled ? f.phys_addr_bits : 52;
    p.max_gfn = (1ull << (gpa_bits - 12)) - 1;
    p.guest_access_limit = f.guest_phys_addr_bits < 47 ? 1ull << f.guest_phys_addr_bits : 1ull << 47;
    p.task_size_max = f.five_level_paging ? (1ull << 56) - 4096 : (1ull << 47) - 4096;
    // Two address spaces where SMM is compiled in and the vendor module
    // supports it (kvm_pvm does not); the capability says exactly that.
    p.nr_address_spaces = f.cap_multi_address_space > 1 ? static_cast<uint32_t>(f.cap_multi_address_space) : 1;
    if (f.cap_nr_memslots > 0) p.nr_memslots = static_cast<uint32_t>(f.cap_nr_memslots);
    // The release decides whether a cached MMIO SPTE outlives an attribute
    // change; without MMIO caching there is none to outlive it.
    p.mmio_cache_ignores_attributes = p.mmio_cache_ignores_attributes && f.mmio_caching;
    // What a memslot costs the kernel depends on the MMU (model/kernel_memory.h).
    if (!f.kvm_module.empty()) p.mmu = mmu_kind_of(f);
}

Profile profile_for_kernel(const KernelFacts& f) {
    Profile p = upstream_profile();
    p.name = "kernel-" + f.release;
    p.description = "the running kernel's release and KVM_CHECK_EXTENSION results";
    // Capabilities decide what they can.
    p.vm_types = f.cap_vm_types > 0 ? static_cast<uint64_t>(f.cap_vm_types) : 1;
    p.sw_protected_vm = (p.vm_types >> 1) & 1;
    p.readonly_mem = f.cap_readonly_mem > 0;
    p.guest_memfd_ioctl = f.has_create_guest_memfd_ioctl;
    p.gmem_on_default_vm = f.cap_guest_memfd_vm > 0;
    p.gmem_mmap = (f.cap_guest_memfd_flags & 1) != 0;
    p.memory_attributes_ioctl = f.has_set_memory_attributes_ioctl;
    // No capability tells these; the release does (kernel-semantics.md §7).
    // A build that ships other code than its release (Debian's 6.12.118 has
    // 7.3's binding code, F5) says so in model/baselines.txt.
    p.binding_overlap_eexist = at_least(f, 7, 2);
    p.gmem_offset_unsigned = at_least(f, 7, 2);
    p.binding_checked_after_arch = at_least(f, 7, 3);
    p.gmem_noexec_mount = at_least(f, 6, 15);
    p.gmf_toggle_rejected = true;  // every kernel slotcheck targets has the fix; --variant overrides
    apply_machine_facts(p, f);
    p.mmu = mmu_kind_of(f);  // no module seen: shadow paging, the costliest assumption
    return p;
}

std::string variant_evidence(const std::string& variant, const KernelFacts& f) {
    const std::string release = "release " + std::to_string(f.major) + "." + std::to_string(f.minor);
    if (variant == "guest-memfd-ioctl")
        return std::string("KVM_CREATE_GUEST_MEMFD ") + (f.has_create_guest_memfd_ioctl ? "exists" : "is ENOTTY");
    if (variant == "gmem-on-default-vm")
        return "KVM_CAP_GUEST_MEMFD on a default VM: " + std::to_string(f.cap_guest_memfd_vm);
    if (variant == "gmem-mmap") return "KVM_CAP_GUEST_MEMFD_FLAGS on a default VM: " + std::to_string(f.cap_guest_memfd_flags);
    if (variant == "binding-overlap-eexist" || variant == "gmem-offset-unsigned") return release + " (on from 7.2)";
    if (variant == "binding-checked-after-arch") return release + " (on from 7.3)";
    if (variant == "gmem-noexec-mount") return release + " (on from 6.15)";
    if (variant == "gmf-toggle-rejected") return "every release slotcheck targets has the fix";
    if (variant == "memory-attributes-ioctl")
        return std::string("KVM_SET_MEMORY_ATTRIBUTES ") + (f.has_set_memory_attributes_ioctl ? "exists" : "is ENOTTY");
    if (variant == "sw-protected-vm") return "KVM_CAP_VM_TYPES: " + std::to_string(f.cap_vm_types);
    if (variant == "mmio-cache-ignores-attributes")
        return std::string("kvm.mmio_caching=") + (f.mmio_caching ? "Y" : "N");
    return "";
}

std::vector<std::string> Profile::differences_from_upstream() const {
    Profile up = upstream_profile();
    std::vector<std::string> out;
    for (const auto& v : variant_table())
        if (this->*(v.field) != up.*(v.field))
            out.push_back(std::string(v.name) + (this->*(v.field) ? "=on" : "=off"));
    return out;
}

bool Profile::variant_on(const std::string& variant) const {
    const VariantInfo* v = find_variant(variant);
    return v != nullptr && this->*(v->field);
}

}  // namespace slotcheck
