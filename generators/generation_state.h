// What a generator knows while it builds a sequence step by step: the
// reference model (a World under the profile) with every generated
// operation applied, the handles created so far, and the budgets that keep
// a sequence small enough to run inside a 2 GiB VM. The generators choose
// from what exists (live VMs, files and their sizes, slots, bindings,
// mappings) instead of guessing.
#pragma once

#include <optional>
#include <vector>

#include "model/kernel_memory.h"
#include "model/world.h"
#include "seq/ops.h"

namespace slotcheck::gen {

// The memory a sequence may really allocate (docs/fuzzing.md): allocating
// fallocates ask for at most this much in total, plus one rare large one.
inline constexpr uint64_t kSmallAllocationBudget = 4ull << 20;
inline constexpr uint64_t kLargeAllocationLimit = 64ull << 20;
// mmap attempts per sequence.
inline constexpr uint32_t kMappingBudget = 8;
// A slot with dirty logging gets a bitmap of 2 bits per page in the kernel;
// dirty-logged slots stay below this many pages so the bitmap stays small.
inline constexpr uint64_t kDirtyLogPageLimit = 1ull << 16;

struct FileRef {
    Handle handle;
    uint32_t object = 0;
};

struct SlotRef {
    Handle vm;
    Slot slot;
};

struct MappingRef {
    Handle handle;
    MappingState state;
};

class GenerationState {
public:
    GenerationState(const Profile& profile, uint32_t vm_limit,
                    uint64_t kernel_memory_budget = kDefaultKernelMemoryBudget);

    const World& world() const { return world_; }
    const Profile& profile() const { return world_.profile(); }

    // Applies one generated operation to the model and charges the budgets.
    Decision apply(const Op& op);
    // Applies `op` unless the model says the kernel would then hold more
    // than the kernel memory budget at some point during it (a request it
    // expects to fail before allocating holds nothing); a new memslot or an
    // attribute request that would is halved until it fits (a change of an
    // existing slot cannot change its size). Returns what was
    // applied, or nothing (the state unchanged) when no smaller request
    // fits. Only memslot and attribute requests can be refused: they create
    // no handle, so a run of operations stays valid without them.
    std::optional<Op> apply_within_budget(Op op);
    uint64_t kernel_memory_budget() const { return kernel_memory_budget_; }

    // The next unused handle of the kind; it counts as created from now on.
    Handle fresh(HandleKind kind);
    uint32_t created(HandleKind kind) const { return created_[static_cast<size_t>(kind)]; }

    // VMs whose creation succeeded: all of them, those with an open fd,
    // those whose probe can still run guest accesses.
    std::vector<Handle> vms() const;
    std::vector<Handle> open_vms() const;
    std::vector<Handle> probed_vms() const;
    bool may_create_vm() const { return vms_created_ < vm_limit_; }

    // guest_memfd or memfd handles whose creation succeeded.
    std::vector<FileRef> files(HandleKind kind, bool open_only) const;
    // The open guest_memfds owned by `vm`.
    std::vector<FileRef> gmems_of(const Handle& vm) const;
    const FileObject& object(uint32_t index) const { return world_.objects()[index]; }
    std::optional<Handle> handle_of_object(uint32_t object) const;

    // Slots of a VM over every address space, or of every VM.
    std::vector<SlotRef> slots(const Handle& vm, bool with_harness) const;
    std::vector<SlotRef> all_slots(bool with_harness) const;

    std::vector<MappingRef> live_mappings() const;
    bool may_map() const { return created(HandleKind::Mapping) < kMappingBudget; }

    // A host address for a numeric one: symbolic (mN+off) inside the window
    // of a created mapping handle, raw otherwise.
    HostAddr host_addr(uint64_t numeric) const;

    // Bytes an allocating fallocate may still ask for, and whether the one
    // large allocation is still unused.
    uint64_t allocation_room() const;
    bool large_allocation_left() const { return !large_allocation_used_; }

private:
    void charge(const Op& op);

    World world_;
    std::vector<Op> applied_;  // to rebuild world_ without a refused request
    uint64_t kernel_memory_budget_;
    uint32_t vm_limit_;
    uint32_t vms_created_ = 0;
    uint32_t created_[4] = {0, 0, 0, 0};
    uint64_t allocated_ = 0;
    bool large_allocation_used_ = false;
};

// True when a fallocate could make the kernel allocate `len` bytes: an
// allocating mode with a range that vfs_fallocate() accepts. A bound, not a
// prediction: the model says whether it succeeds; the budget must hold
// even when a kernel disagrees.
bool may_allocate(const Fallocate& op);

}  // namespace slotcheck::gen
