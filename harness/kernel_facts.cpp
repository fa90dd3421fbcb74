#include "harness/kernel_facts.h"

#include "harness/guest_probe.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "harness/kvm_uapi.h"
#include "model/unmodelled.h"
#include "seq/kvm_flags.h"
#include "sys/unique_fd.h"

namespace slotcheck {
namespace {

std::string read_first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

bool path_exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// "6.18.44-fc-v669" or "7.3.4+deb13-amd64" -> 6,18,44 / 7,3,4.
void parse_release(KernelFacts& f) {
    std::sscanf(f.release.c_str(), "%d.%d.%d", &f.major, &f.minor, &f.patch);
}

// MAXPHYADDR from "address sizes : 48 bits physical, 48 bits virtual".
int physical_address_bits() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("address sizes", 0) != 0) continue;
        auto colon = line.find(':');
        int bits = 0;
        if (colon != std::string::npos && std::sscanf(line.c_str() + colon + 1, "%d", &bits) == 1)
            return bits;
    }
    return 52;  // the architectural maximum: the safe guess when unknown
}

// With 5-level paging a process may map above 2^47 when it asks for it with
// an explicit hint; with 4 levels the hint cannot be honoured.
bool five_level_paging() {
    void* hint = reinterpret_cast<void*>(1ull << 50);
    void* p = mmap(hint, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return false;
    munmap(p, 4096);
    return p == hint;
}

// The backend module decides the MMU: npt/ept "Y" (or "1") means TDP.
void module_and_tdp(KernelFacts& f) {
    struct Candidate { const char* module; const char* tdp_param; };
    const Candidate candidates[] = {
        {"kvm_amd", "/sys/module/kvm_amd/parameters/npt"},
        {"kvm_intel", "/sys/module/kvm_intel/parameters/ept"},
        {"kvm_pvm", nullptr},  // paravirtual: shadow paging only
    };
    for (const auto& c : candidates) {
        if (!path_exists(std::string("/sys/module/") + c.module)) continue;
        f.kvm_module = c.module;
        if (c.tdp_param != nullptr) {
            std::string v = read_first_line(c.tdp_param);
            f.tdp_enabled = v == "Y" || v == "1";
        }
        return;
    }
}

int64_t check_extension(int fd, long cap) {
    int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

}  // namespace

bool kvm_available(std::string& why) {
    UniqueFd kvm(open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm) {
        why = std::string("/dev/kvm: ") + std::strerror(errno);
        return false;
    }
    int api = ioctl(kvm.get(), KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        why = "/dev/kvm: KVM_GET_API_VERSION returned " + std::to_string(api) + ", expected 12";
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
    f.phys_addr_bits = physical_address_bits();
    f.five_level_paging = five_level_paging();
    module_and_tdp(f);
    {
        std::ifstream param("/sys/module/kvm/parameters/mmio_caching");
        std::string value;
        if (param >> value) f.mmio_caching = value == "Y" || value == "1";
    }
    {
        // kvm_memslots_have_rmaps(): reverse maps up front unless the TDP MMU.
        std::ifstream param("/sys/module/kvm/parameters/tdp_mmu");
        std::string value;
        if (param >> value) f.tdp_mmu = value == "Y" || value == "1";
    }

    UniqueFd kvm(open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm) return f;
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
        // size 0 fails the ioctl's own checks with EINVAL when it exists, so
        // this asks "is it compiled in?" without changing anything.
        uapi::ScMemoryAttributes attrs{};
        errno = 0;
        int r = ioctl(vm.get(), uapi::kScSetMemoryAttributes, &attrs);
        f.has_set_memory_attributes_ioctl = !(r < 0 && errno == ENOTTY);
        // The same for KVM_CREATE_GUEST_MEMFD: size 0 is EINVAL where it
        // exists. USER_MEMORY2 does not imply it (a kvm_pvm 6.18 build has
        // USER_MEMORY2 and no guest_memfd).
        uapi::ScCreateGuestMemfd gmem{};
        errno = 0;
        r = ioctl(vm.get(), uapi::kScCreateGuestMemfd, &gmem);
        if (r >= 0) close(r);
        f.has_create_guest_memfd_ioctl = !(r < 0 && errno == ENOTTY);
    }
    return f;
}

}  // namespace slotcheck
