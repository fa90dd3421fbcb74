#include "bench/raw_ioctl_loop.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "harness/kvm_uapi.h"
#include "seq/kvm_flags.h"
#include "seq/layout.h"

namespace slotcheck {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Writes one byte in each of `pages` pages: what a program does between
// calls when its data is spread over that many pages.
void touch(std::vector<char>& scratch, int pages, int round) {
    for (int p = 0; p < pages; ++p) scratch[static_cast<size_t>(p) * kPageSize + (round % 64)]++;
}

}  // namespace

double raw_ioctl_loop(int rounds, uint64_t file_size, int touch_pages) {
    std::vector<char> scratch(static_cast<size_t>(touch_pages) * kPageSize);
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    uapi::ScCreateGuestMemfd g{};
    g.size = file_size;
    g.flags = 3;
    int gfd = ioctl(vm, uapi::kScCreateGuestMemfd, &g);
    if (kvm < 0 || vm < 0 || gfd < 0) {
        std::perror("raw loop setup");
        return 0;
    }
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) {
        uapi::ScRegion2 r{};
        r.slot = 1;
        r.flags = kMemGuestMemfd;
        r.guest_phys_addr = 0x100000;
        r.memory_size = kPageSize;
        r.guest_memfd = static_cast<uint32_t>(gfd);
        r.guest_memfd_offset = (i % 64) * kPageSize;
        if (ioctl(vm, uapi::kScSetUserMemoryRegion2, &r)) std::perror("create");
        touch(scratch, touch_pages, i);
        if (fallocate(gfd, kFallocKeepSize | kFallocPunchHole, (i % 64) * kPageSize, kPageSize))
            std::perror("punch");
        r.memory_size = 0;
        if (ioctl(vm, uapi::kScSetUserMemoryRegion2, &r)) std::perror("delete");
        touch(scratch, touch_pages, i);
    }
    double s = seconds_since(t0);
    close(gfd);
    close(vm);
    close(kvm);
    return 3.0 * rounds / s;
}

}  // namespace slotcheck
