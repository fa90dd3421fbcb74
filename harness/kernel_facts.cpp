#include "harness/kernel_facts.h"

#include "harness/guest_probe.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "harness/c_core.h"
#include "harness/kvm_uapi.h"
#include "model/unmodelled.h"
#include "seq/kvm_flags.h"
#include "sys/unique_fd.h"

namespace slotcheck {
namespace {

// "6.18.44-fc-v669" or "7.3.4+deb13-amd64" -> 6,18,44 / 7,3,4.
void parse_release(KernelFacts& f) {
    std::sscanf(f.release.c_str(), "%d.%d.%d", &f.major, &f.minor, &f.patch);
}

// The backend module decides the MMU: npt/ept "Y" (or "1") means TDP.
void module_and_tdp(KernelFacts& f) {
    int tdp = 0;
    if (const char* module = sc_kvm_module(&tdp)) {
        f.kvm_module = module;
        f.tdp_enabled = tdp != 0;
    }
}

// A boolean KVM module parameter, left at its default when unreadable.
void read_flag(const char* path, bool& flag) {
    if (int v = sc_module_flag(path); v >= 0) flag = v == 1;
}

}  // namespace

bool kvm_available(std::string& why) {
    char reason[256];
    UniqueFd kvm(sc_open_kvm(reason, sizeof(reason)));
    if (!kvm) {
        why = reason;
        return false;
    }
    UniqueFd vm(ioctl(kvm.get(), KVM_CREATE_VM, kVmTypeDefault));
    if (!vm) {
        why = std::string("/dev/kvm: KVM_CREATE_VM(0): ") + std::strerror(errno);
        return false;
    }
    why.clear();
    return true;
}

KernelFacts gather_kernel_facts() {
    KernelFacts f;
    struct utsname u {};
    if (uname(&u) == 0) f.release = u.release;
    parse_release(f);
    f.phys_addr_bits = sc_physical_address_bits();
    f.five_level_paging = sc_five_level_paging() != 0;
    module_and_tdp(f);
    read_flag("/sys/module/kvm/parameters/mmio_caching", f.mmio_caching);
    // kvm_memslots_have_rmaps(): reverse maps up front unless the TDP MMU.
    read_flag("/sys/module/kvm/parameters/tdp_mmu", f.tdp_mmu);

    UniqueFd kvm(open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm) return f;
    auto check_extension = [](int fd, long cap) -> int64_t { return sc_check_extension(fd, cap); };
    // VM types is a property of the system; the rest is asked of a default
    // VM, because that is where the answers can differ (KVM_CAP_GUEST_MEMFD is
    // 1 on /dev/kvm but 0 on a default VM of 6.12).
    f.cap_vm_types = check_extension(kvm.get(), uapi::kScCapVmTypes);
    f.guest_phys_addr_bits = static_cast<int>(supported_guest_phys_bits(kvm.get()));
    UniqueFd vm(ioctl(kvm.get(), KVM_CREATE_VM, kVmTypeDefault));
    int q = vm ? vm.get() : kvm.get();
    f.cap_user_memory2 = check_extension(q, uapi::kScCapUserMemory2);
    f.cap_guest_memfd_vm = check_extension(q, uapi::kScCapGuestMemfd);
    f.cap_guest_memfd_flags = check_extension(q, uapi::kScCapGuestMemfdFlags);
    f.cap_memory_attributes = check_extension(q, uapi::kScCapMemoryAttributes);
    f.cap_nr_memslots = check_extension(q, uapi::kScCapNrMemslots);
    f.cap_multi_address_space = check_extension(q, uapi::kScCapMultiAddressSpace);
    f.cap_readonly_mem = check_extension(q, uapi::kScCapReadonlyMem);
    f.cap_memory_fault_info = check_extension(q, uapi::kScCapMemoryFaultInfo);
    f.cap_guest_memfd_flags_kvm = check_extension(kvm.get(), uapi::kScCapGuestMemfdFlags);
    f.cap_memory_attributes_kvm = check_extension(kvm.get(), uapi::kScCapMemoryAttributes);
    for (long cap : capabilities_to_scan())
        if (int64_t v = check_extension(q, cap)) f.unmodelled_caps.push_back({cap, v});
    if (vm) {
        f.has_set_memory_attributes_ioctl = sc_has_set_memory_attributes_ioctl(vm.get()) != 0;
        f.has_create_guest_memfd_ioctl = sc_has_create_guest_memfd_ioctl(vm.get()) != 0;
    }
    return f;
}

}  // namespace slotcheck
