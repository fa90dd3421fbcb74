// What the kernel allocates for the objects a sequence creates: the named
// facts of the kernel memory budget (docs/model.md, "Kernel memory"). Each
// fact has a name, the kernel function that allocates it and what it costs,
// in the style of the rule table (seq/rules.h). The World keeps a running
// total of these costs (World::kernel_memory()); the generators keep it
// under a budget and replay refuses a sequence that would exceed one.
//
// The sizes are read from the x86 source (arch/x86/kvm/x86.c,
// arch/x86/kvm/mmu/page_track.c, virt/kvm/kvm_main.c): estimates of what
// vmalloc and the slab hand out, not measurements. Allocator rounding to
// pages is left out (it matters only for tiny slots).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"
#include "seq/sequence.h"
#include "seq/step_source.h"

namespace slotcheck {

// X(id, name, source, cost, mmu): the MMUs a fact applies under.
#define SLOTCHECK_MEMORY_FACTS(X)                                                                                  \
    X(SlotStruct, "memslot.struct", "kvm_set_memory_region(): kzalloc(sizeof(struct kvm_memory_slot))",            \
      "one ~264-byte struct per slot, a kmalloc-512 object (counted as 512 bytes)", "every MMU")                   \
    X(Rmap, "memslot.rmap",                                                                                        \
      "kvm_alloc_memslot_metadata() -> memslot_rmap_alloc() (arch/x86/kvm/x86.c), when kvm_memslots_have_rmaps()", \
      "8 bytes (struct kvm_rmap_head) per 4 KiB, per 2 MiB and per 1 GiB frame the slot touches "                  \
      "(KVM_NR_PAGE_SIZES = 3 arrays of __kvm_mmu_slot_lpages() entries)",                                         \
      "shadow paging and the legacy TDP MMU (tdp_mmu=N); with the TDP MMU only once a shadow root exists "         \
      "(nested guests), which the harness never creates")                                                          \
    X(LpageInfo, "memslot.lpage-info", "kvm_alloc_memslot_metadata() (arch/x86/kvm/x86.c)",                       \
      "4 bytes (struct kvm_lpage_info) per 2 MiB and per 1 GiB frame the slot touches", "every MMU")               \
    X(WriteTrack, "memslot.write-track",                                                                           \
      "kvm_page_track_create_memslot() (arch/x86/kvm/mmu/page_track.c), when "                                     \
      "kvm_page_track_write_tracking_enabled(): !tdp_enabled",                                                     \
      "2 bytes (unsigned short gfn_write_track) per 4 KiB page", "shadow paging")                                  \
    X(DirtyBitmap, "memslot.dirty-bitmap",                                                                         \
      "kvm_prepare_memory_region() -> kvm_alloc_dirty_bitmap() (virt/kvm/kvm_main.c)",                             \
      "two bitmaps of kvm_dirty_bitmap_bytes() = ALIGN(npages, 64) / 8 bytes, for a LOG_DIRTY_PAGES slot; "        \
      "allocated before the arch check, so also (briefly) for a create or move that then fails max-gfn",          \
      "every MMU")                                                                                                 \
    X(AttributeXarray, "vm.attribute-xarray",                                                                      \
      "kvm_vm_set_mem_attributes(): xa_reserve() then xa_store() per gfn in kvm->mem_attr_array "                  \
      "(virt/kvm/kvm_main.c)",                                                                                     \
      "576-byte xa_node per 64 gfns holding an attribute (~9 bytes per private page, 2 partial nodes per range, "  \
      "1/64 more for inner nodes); a change reserves every gfn of its range first, unless the range already has "  \
      "the attributes; a range set to 0 (shared) is erased",                                                       \
      "every MMU (kernels with KVM_SET_MEMORY_ATTRIBUTES)")

enum class MemoryFactId : uint8_t {
#define SLOTCHECK_MEMORY_FACT_ENUM(id, name, source, cost, mmu) id,
    SLOTCHECK_MEMORY_FACTS(SLOTCHECK_MEMORY_FACT_ENUM)
#undef SLOTCHECK_MEMORY_FACT_ENUM
        Count
};

struct MemoryFact {
    MemoryFactId id;
    const char* name;
    const char* source;  // the kernel function that allocates it
    const char* cost;    // what it costs, derived from the source
    const char* mmu;     // under which MMU it is allocated
};

const std::vector<MemoryFact>& memory_fact_table();
const MemoryFact& memory_fact(MemoryFactId id);

// The MMU a profile's kernel runs its guests with.
const char* mmu_kind_name(MmuKind kind);

// The kernel memory one slot holds, by fact.
struct SlotMemory {
    uint64_t slot_struct = 0, rmap = 0, lpage_info = 0, write_track = 0, dirty_bitmap = 0;
    // What kvm_arch_prepare_memory_region() allocates (a MOVE allocates it
    // anew while the old slot's is still held).
    uint64_t arch() const { return rmap + lpage_info + write_track; }
    uint64_t total() const { return slot_struct + arch() + dirty_bitmap; }
};
SlotMemory slot_memory(MmuKind mmu, uint64_t base_gfn, uint64_t npages, uint32_t flags);

// The attribute xarray holding `pages` gfns with an attribute in `ranges`
// disjoint ranges.
uint64_t attribute_memory(uint64_t pages, uint64_t ranges);

// The kernel memory budget when none is given: generators keep their
// sequences under it (the CLI's default is the smaller of this and an
// eighth of MemAvailable, tools/memory_budget.h).
inline constexpr uint64_t kDefaultKernelMemoryBudget = 1ull << 30;

// The model's own run over a sequence (the unmutated World under
// `profile`): the first step during which the kernel would hold more than
// `limit` bytes, and that estimate. The model decides which operations
// succeed, so a request it expects to fail before allocating costs nothing.
struct MemoryOverrun {
    size_t step = 0;     // index into seq.steps
    uint64_t bytes = 0;  // the estimated peak during that step
    int line = 0;        // the step's source line (0 for generated steps)
    Op op;               // the step's operation
};
std::optional<MemoryOverrun> first_step_over(const Sequence& seq, const Profile& profile, uint64_t limit);
// The same over steps read one at a time (a long file).
std::optional<MemoryOverrun> first_step_over(const StepSource& steps, const Profile& profile, uint64_t limit);
// The largest amount any step of `seq` holds at once.
uint64_t peak_kernel_memory(const Sequence& seq, const Profile& profile);

// "512M", "1G", "0x40000000", "1073741824": K/M/G/T are binary multiples;
// nothing for text that is not a size or overflows 64 bits.
std::optional<uint64_t> parse_memory_size(const std::string& text);
// 1073741824 -> "1.0 GiB (1073741824 bytes)".
std::string describe_bytes(uint64_t bytes);

}  // namespace slotcheck
