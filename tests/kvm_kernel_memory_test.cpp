// The model's kernel memory facts (model/kernel_memory.h) against what the
// running kernel really allocates for one large slot, read from VmallocUsed.
// Needs /dev/kvm; skips with the reason where there is none. In CI it runs
// in a 7.x VM twice: with the TDP MMU (vm.kvm-7.KernelMemory.*) and with the
// guest's KVM on shadow paging (vm.kvm-memory-shadow-7), where a slot's
// reverse maps and write-tracking arrays are allocated when it is made and
// the memory budget binds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "harness/kernel_facts.h"
#include "harness/kvm_backend.h"
#include "harness/kvm_uapi.h"
#include "model/deviation.h"
#include "model/kernel_memory.h"

namespace slotcheck {
namespace {

std::optional<uint64_t> vmalloc_used_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        if (line.rfind("VmallocUsed:", 0) != 0) continue;
        std::istringstream fields(line.substr(12));
        uint64_t kib = 0;
        if (fields >> kib) return kib * 1024;
    }
    return std::nullopt;
}

// kvmalloc() serves an array from the slab when it can and from vmalloc
// otherwise; an array over KMALLOC_MAX_SIZE (4 MiB with x86's largest page
// order) always comes from vmalloc. Only those show in VmallocUsed for sure,
// so the slot is made large enough that they carry the estimate.
constexpr uint64_t kKmallocMax = 4ull << 20;
uint64_t vmalloc_share(uint64_t array_bytes) { return array_bytes > kKmallocMax ? array_bytes : 0; }

// Noise: other vmalloc users in the guest while the slot is made, and the
// guard page of each area.
constexpr uint64_t kSlack = 1ull << 20;

TEST(KernelMemory, ALargeSlotHoldsWhatTheModelEstimatesForTheMmu) {
    std::string why;
    if (!kvm_available(why)) GTEST_SKIP() << why;
    const Profile profile = profile_with_baseline(gather_kernel_facts());
    // The in-VM run on shadow paging says which MMU it booted with: there a
    // skip or another MMU would leave the estimate untested.
    if (const char* want = std::getenv("SLOTCHECK_REQUIRE_MMU")) {
        ASSERT_STREQ(mmu_kind_name(profile.mmu), want) << "the VM was booted for this MMU";
    }

    // 16 GiB at 64 GiB: 4 Mi pages, so the 4 KiB-level reverse map (32 MiB)
    // and the write-tracking array (8 MiB) are over KMALLOC_MAX_SIZE. No
    // memory backs it: KVM only checks that uaddr lies in user space.
    constexpr uint64_t kGpa = 64ull << 30, kSize = 16ull << 30, kUaddr = 1ull << 40;
    const SlotMemory estimate = slot_memory(profile.mmu, kGpa >> 12, kSize >> 12, 0);
    const uint64_t pages = kSize >> 12;
    // What of the estimate lives in arrays vmalloc must serve: the 4 KiB
    // level of the reverse map (8 bytes a page) and the write tracking (2).
    const uint64_t rmap_4k = estimate.rmap > 0 ? 8 * pages : 0;
    const uint64_t write_track = estimate.write_track;
    ASSERT_TRUE(write_track == 0 || write_track == 2 * pages) << "the estimate's write tracking changed shape";
    const uint64_t expected = vmalloc_share(rmap_4k) + vmalloc_share(write_track);

    KvmBackend kernel;
    ASSERT_TRUE(kernel.open_error().empty()) << kernel.open_error();
    CreateVm vm;
    vm.vm = {HandleKind::Vm, 0};
    const Outcome vm_made = kernel.run(vm);
    ASSERT_EQ(vm_made, Outcome::ok()) << to_string(vm_made);
    const auto before = vmalloc_used_bytes();
    ASSERT_TRUE(before) << "no VmallocUsed in /proc/meminfo";

    SetRegion slot;
    slot.version = 2;
    slot.vm = vm.vm;
    slot.slot = 1;
    slot.gpa = kGpa;
    slot.size = kSize;
    slot.uaddr = {false, {HandleKind::Mapping, 0}, kUaddr};
    const Outcome made = kernel.run(slot);
    ASSERT_EQ(made, Outcome::ok()) << to_string(made);
    const auto after = vmalloc_used_bytes();
    ASSERT_TRUE(after);
    const uint64_t growth = *after > *before ? *after - *before : 0;

    RecordProperty("mmu", mmu_kind_name(profile.mmu));
    RecordProperty("vmalloc_growth", std::to_string(growth));
    RecordProperty("estimate_total", std::to_string(estimate.total()));
    const std::string measured = std::string("MMU ") + mmu_kind_name(profile.mmu) + ": VmallocUsed grew " +
                                 describe_bytes(growth) + ", the model's vmalloc share " + describe_bytes(expected) +
                                 ", its whole estimate " + describe_bytes(estimate.total());
    std::cout << measured << "\n";
    SCOPED_TRACE(measured);
    // Never more than the model says the kernel holds: the budget is an
    // upper bound users trust.
    EXPECT_LE(growth, estimate.total() + kSlack);
    // And the large arrays are really there where the model says so (shadow
    // paging, the legacy TDP MMU), and absent under the TDP MMU.
    EXPECT_GE(growth + kSlack, expected);
    EXPECT_LE(growth, expected + expected / 10 + kSlack);
}

}  // namespace
}  // namespace slotcheck
