#include "model/kernel_memory.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "model/world.h"
#include "seq/text_scan.h"

namespace slotcheck {

namespace {

constexpr uint64_t kSlotStructBytes = 512;  // kzalloc of ~264 bytes: the kmalloc-512 cache
constexpr uint64_t kRmapEntryBytes = 8;     // struct kvm_rmap_head { atomic_long_t val; }
constexpr uint64_t kLpageInfoBytes = 4;     // struct kvm_lpage_info { int disallow_lpage; }
constexpr uint64_t kWriteTrackBytes = 2;    // unsigned short per gfn
constexpr int kPageSizes = 3;               // KVM_NR_PAGE_SIZES: 4 KiB, 2 MiB, 1 GiB
constexpr uint64_t kXaNodeBytes = 576;      // struct xa_node on 64-bit (radix_tree_node_cachep)
constexpr uint64_t kXaSlots = 64;           // XA_CHUNK_SIZE

// __kvm_mmu_slot_lpages(): the frames of `level` (1 = 4 KiB) the slot
// touches, gfn_to_index(base + npages - 1, base, level) + 1.
uint64_t frames(uint64_t base_gfn, uint64_t npages, int level) {
    const int shift = (level - 1) * 9;  // KVM_HPAGE_GFN_SHIFT
    return ((base_gfn + npages - 1) >> shift) - (base_gfn >> shift) + 1;
}

}  // namespace

const std::vector<MemoryFact>& memory_fact_table() {
    static const std::vector<MemoryFact> table = {
#define SLOTCHECK_MEMORY_FACT_ROW(id, name, source, cost, mmu) {MemoryFactId::id, name, source, cost, mmu},
        SLOTCHECK_MEMORY_FACTS(SLOTCHECK_MEMORY_FACT_ROW)
#undef SLOTCHECK_MEMORY_FACT_ROW
    };
    return table;
}

const MemoryFact& memory_fact(MemoryFactId id) { return memory_fact_table()[static_cast<size_t>(id)]; }

const char* mmu_kind_name(MmuKind kind) {
    switch (kind) {
    case MmuKind::TdpMmu: return "tdp-mmu";
    case MmuKind::LegacyTdp: return "tdp-legacy";
    case MmuKind::Shadow: return "shadow";
    }
    return "?";
}

SlotMemory slot_memory(MmuKind mmu, uint64_t base_gfn, uint64_t npages, uint32_t flags) {
    SlotMemory m;
    if (npages == 0) return m;
    m.slot_struct = kSlotStructBytes;
    // kvm_memslots_have_rmaps(): !tdp_mmu_enabled (|| a shadow root, never
    // allocated by the harness's guests).
    if (mmu != MmuKind::TdpMmu)
        for (int level = 1; level <= kPageSizes; ++level) m.rmap += frames(base_gfn, npages, level) * kRmapEntryBytes;
    for (int level = 2; level <= kPageSizes; ++level) m.lpage_info += frames(base_gfn, npages, level) * kLpageInfoBytes;
    // kvm_page_track_write_tracking_enabled(): !tdp_enabled.
    if (mmu == MmuKind::Shadow) m.write_track = npages * kWriteTrackBytes;
    // kvm_dirty_bitmap_bytes() = ALIGN(npages, BITS_PER_LONG) / 8, twice.
    if (flags & kMemLogDirtyPages) m.dirty_bitmap = 2 * ((npages + 63) / 64 * 8);
    return m;
}

uint64_t attribute_memory(uint64_t pages, uint64_t ranges) {
    if (pages == 0) return 0;
    // Leaves: one node per 64 gfns, plus a partial node at each end of a
    // range; inner nodes add one per 64 nodes below.
    const uint64_t leaves = pages / kXaSlots + 2 * ranges;
    return (leaves + leaves / kXaSlots + 1) * kXaNodeBytes;
}

std::optional<MemoryOverrun> first_step_over(const Sequence& seq, const Profile& profile, uint64_t limit) {
    return first_step_over(SequenceSteps(seq), profile, limit);
}

std::optional<MemoryOverrun> first_step_over(const StepSource& steps, const Profile& profile, uint64_t limit) {
    World world(profile);
    std::optional<MemoryOverrun> over;
    each_step(steps, [&](size_t i, const Step& step) {
        world.step(step.op);
        if (world.last_step_peak() > limit) over = MemoryOverrun{i, world.last_step_peak(), step.line, step.op};
        return !over;
    });
    return over;
}

uint64_t peak_kernel_memory(const Sequence& seq, const Profile& profile) {
    World world(profile);
    uint64_t peak = 0;
    for (const auto& step : seq.steps) {
        world.step(step.op);
        peak = std::max(peak, world.last_step_peak());
    }
    return peak;
}

std::optional<uint64_t> parse_memory_size(const std::string& text) {
    if (text.empty()) return std::nullopt;
    uint64_t multiplier = 1;
    std::string digits = text;
    const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (!hex && (last == 'K' || last == 'M' || last == 'G' || last == 'T')) {
        const int shift = last == 'K' ? 10 : last == 'M' ? 20 : last == 'G' ? 30 : 40;
        multiplier = 1ull << shift;
        digits.pop_back();
    }
    auto value = parse_u64(digits);
    if (!value || *value > UINT64_MAX / multiplier) return std::nullopt;
    return *value * multiplier;
}

std::string describe_bytes(uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char text[64];
    if (u == 0) std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
    else std::snprintf(text, sizeof text, "%.1f %s (%llu bytes)", v, units[u], static_cast<unsigned long long>(bytes));
    return text;
}

}  // namespace slotcheck
