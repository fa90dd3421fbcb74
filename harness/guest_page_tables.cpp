#include "harness/guest_page_tables.h"

#include <cstring>

#include "harness/guest_program.h"
#include "seq/layout.h"

namespace slotcheck {
namespace {

constexpr uint64_t kPresent = 1, kWritable = 2, kUser = 4, kPageSize2M1G = 0x80;
constexpr uint64_t kTableFlags = kPresent | kWritable | kUser;
constexpr uint64_t kLeafFlags = kPresent | kWritable | kUser | kPageSize2M1G;
constexpr uint64_t kGiB = 1ull << 30, kTwoMiB = 1ull << 21;
constexpr uint64_t kPml4Entries = kGuestAccessLimit >> 39;  // 256

}  // namespace

GuestPageTables::GuestPageTables(uint8_t* harness, bool one_gib_pages, uint64_t limit,
                                 uint64_t pool_limit)
    : mem_(harness),
      one_gib_(one_gib_pages),
      pool_pages_(pool_limit == 0 || pool_limit > probe_layout::kTablePoolPages
                      ? probe_layout::kTablePoolPages
                      : (pool_limit < 6 ? 6 : pool_limit)),  // harness region + one entry
      limit_(limit > kGuestAccessLimit ? kGuestAccessLimit : limit) {
    using namespace probe_layout;
    static_assert(kTablePoolPages >= kPml4Entries + 1, "pool must hold the 1 GiB tables");
    if (one_gib_) {
        uint64_t* pml4 = table(kPml4Offset[0]);
        for (uint64_t i = 0; i < kPml4Entries; ++i) {
            uint64_t pdpt_off = kTablePoolOffset + i * kPageSize;
            pml4[i] = (kHarnessGpa + pdpt_off) | kTableFlags;
            uint64_t* pdpt = table(pdpt_off);
            for (uint64_t j = 0; j < 512; ++j) {
                uint64_t base = (i * 512 + j) * kGiB;
                pdpt[j] = base < limit_ ? (base | kLeafFlags) : 0;
            }
        }
        return;
    }
    root_ = 1;  // reset() flips to root 0
    reset();
}

uint64_t GuestPageTables::cr3() const {
    return kHarnessGpa + probe_layout::kPml4Offset[root_];
}

uint64_t* GuestPageTables::table(uint64_t offset) const {
    return reinterpret_cast<uint64_t*>(mem_ + offset);
}

uint64_t GuestPageTables::alloc_table() {
    if (pool_used_ >= pool_pages_) return 0;
    uint64_t off = probe_layout::kTablePoolOffset + pool_used_++ * kPageSize;
    std::memset(mem_ + off, 0, kPageSize);
    return off;
}

bool GuestPageTables::map_gib_region(uint64_t gib) {
    uint64_t* pml4 = table(probe_layout::kPml4Offset[root_]);
    uint64_t i = gib / 512, j = gib % 512;
    if (!(pml4[i] & kPresent)) {
        uint64_t off = alloc_table();
        if (off == 0) return false;
        pml4[i] = (kHarnessGpa + off) | kTableFlags;
    }
    uint64_t* pdpt = table((pml4[i] & ~0xfffull) - kHarnessGpa);
    if (pdpt[j] & kPresent) return true;
    uint64_t off = alloc_table();
    if (off == 0) return false;
    uint64_t* pd = table(off);
    for (uint64_t k = 0; k < 512; ++k) pd[k] = (gib * kGiB + k * kTwoMiB) | kLeafFlags;
    pdpt[j] = (kHarnessGpa + off) | kTableFlags;
    return true;
}

void GuestPageTables::reset() {
    if (one_gib_) return;
    root_ ^= 1;
    pool_used_ = 0;
    std::memset(table(probe_layout::kPml4Offset[root_]), 0, kPageSize);
    // The probe's own code, stack and control page must always translate.
    map_gib_region(kHarnessGpa / kGiB);
}

bool GuestPageTables::try_map(uint64_t va, uint64_t len) {
    if (one_gib_ || len == 0 || va >= limit_) return true;
    uint64_t last = va + len - 1;
    if (last < va || last >= limit_) last = limit_ - 1;
    for (uint64_t gib = va / kGiB; gib <= last / kGiB; ++gib) {
        if (!map_gib_region(gib)) return false;
    }
    return true;
}

}  // namespace slotcheck
