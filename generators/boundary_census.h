// Which boundary situations a sequence contains, measured from its
// operations and the reference model's state before each of them, not from
// the generator that made it: an exactly overlapping binding attempt, a gfn
// range adjacent to another, a guest read of a page a punch invalidated, an
// operation on a closed file, an aliasing pair of mappings, ... Tests assert
// that generated sequences reach them; `slotcheck fuzz` can report them.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include "model/profile.h"
#include "seq/sequence.h"

namespace slotcheck::gen {

// A situation of a memslot request that aims at one of the kernel's checks
// is counted only when the request reaches that check and nothing else in
// it is wrong: the check decides the request, or passes and the request
// succeeds ("live"). The checks run in a fixed order (docs/model.md), so a
// request with another field wrong (a bad flag, an unaligned size, a closed
// VM) is refused before the check and shows nothing about it.
#define SLOTCHECK_SITUATIONS(X)                                                                              \
    X(GfnExact, "gfn range exactly another slot's (the overlap check decides)")                              \
    X(GfnNested, "gfn range nested in another slot's (the overlap check decides)")                           \
    X(GfnCovering, "gfn range covering another slot's (the overlap check decides)")                          \
    X(GfnPartial, "gfn range partially overlapping another slot's (the overlap check decides)")             \
    X(GfnAdjacent, "gfn range adjacent to another slot's (the request succeeds)")                            \
    X(HarnessNeighbour, "gfn range touching the harness slot (the request succeeds)")                         \
    X(BindingExact, "binding of exactly the offsets another slot binds (the binding overlap check decides)") \
    X(BindingNested, "binding nested in another binding of the file (the binding overlap check decides)")    \
    X(BindingCovering, "binding covering another binding of the file (the binding overlap check decides)")   \
    X(BindingPartial, "binding partially overlapping another binding of the file (the overlap check decides)") \
    X(BindingAdjacent, "binding adjacent to another binding of the file (the binding is made)")              \
    X(BindingAtFileEnd, "binding ending exactly at the end of the file (the binding is made)")                \
    X(BindingPastFileEnd, "binding ending one page past the end of the file (the range check decides)")       \
    X(TwoFilesSameOffsets, "binding at the offsets another guest_memfd of the VM is bound at (the binding is made)") \
    X(OtherVmGmem, "binding a guest_memfd of another VM (the file's VM check decides)")                       \
    X(Near2To63, "offset or size within a page of 2^63")                                                      \
    X(BindNear2To63Live,                                                                                      \
      "binding of two or more pages at an offset within a page of 2^63 (F1: the range check decides, or the binding is made)") \
    X(Near2To64, "offset, size or gpa within two pages of 2^64")                                              \
    X(GpaWrap, "gpa + size reaching 2^64 (the wrap check decides)")                                           \
    X(MaxGfnEdge, "slot ending at the largest gfn or one past it (the max-gfn check decides, or the slot is made)") \
    X(Unaligned, "unaligned gpa, size, uaddr or offset")                                                      \
    X(SlotIdAtLimit, "slot id nr_memslots (the slot-id check decides)")                                       \
    X(SlotIdPastLimit, "slot id past nr_memslots (the slot-id check decides)")                                \
    X(HarnessSlotId, "request for the harness's slot id")                                                     \
    X(HarnessNeighbourId, "slot id nr_memslots - 2")                                                          \
    X(AddressSpace1, "address space 1")                                                                       \
    X(AddressSpace2, "address space 2 or more")                                                               \
    X(RegionV1, "KVM_SET_USER_MEMORY_REGION (v1)")                                                            \
    X(GmemFlagOn, "KVM_MEM_GUEST_MEMFD added to an existing slot (the immutable-flag check decides)")         \
    X(GmemFlagOff, "KVM_MEM_GUEST_MEMFD dropped from a guest_memfd slot (the modify check decides or passes)") \
    X(FlagToggle, "dirty-log or read-only flag toggled on an existing slot (the modify check decides or passes)") \
    X(SlotMove, "slot moved (the overlap check decides, or the slot moves)")                                  \
    X(SlotDelete, "slot deleted (the deletion succeeds)")                                                     \
    X(ClosedFileOp, "operation on a closed or never opened file")                                            \
    X(UnmappedHostAccess, "host access through a mapping that is not live")                                   \
    X(AliasingMappings, "a second live mapping of the same file range")                                      \
    X(AliasingSlots, "a slot whose userspace_addr another slot uses (the slot is made)")                      \
    X(GmemHostAccess, "host access through a guest_memfd mapping")                                            \
    X(MemfdHostAccess, "host access through a memfd mapping")                                                 \
    X(FallocAtFileEnd, "fallocate ending at or one page past the end of the file")                            \
    X(PunchThenRead, "guest read of a gfn a punch invalidated")                                              \
    X(StalePageOracle, "guest write, punch of that page, guest read of it")                                   \
    X(ReadAfterDelete, "guest read of a gpa whose slot was deleted")                                          \
    X(ReadAfterRelease, "guest read of a gmem-only slot whose file was released")                             \
    X(MemoryAttributes, "KVM_SET_MEMORY_ATTRIBUTES")                                                          \
    X(NonDefaultVmType, "KVM_CREATE_VM with a type other than 0")                                             \
    X(CheckNearEnd, "check among the last three steps")

enum class Situation : uint8_t {
#define SLOTCHECK_SITUATION_ENUM(id, text) id,
    SLOTCHECK_SITUATIONS(SLOTCHECK_SITUATION_ENUM)
#undef SLOTCHECK_SITUATION_ENUM
        Count
};
inline constexpr size_t kSituationCount = static_cast<size_t>(Situation::Count);

const char* situation_name(Situation s);         // "GfnExact"
const char* situation_description(Situation s);  // "gfn range exactly another slot's"

struct Census {
    std::array<uint64_t, kSituationCount> counts{};
    // fallocate modes (below 256) tried on each file kind
    std::bitset<256> gmem_modes, memfd_modes;
    uint64_t count(Situation s) const { return counts[static_cast<size_t>(s)]; }
    void add(const Census& other);
    bool empty() const;

    // One line of numbers, for the pipe from a fuzz worker (fuzz/wire.h).
    std::string serialize() const;
    static bool deserialize(const std::string& line, Census& out);
};

// Why no sequence can show `s` under `profile` (no VM type that can bind
// guest_memfd, no guest_memfd mmap), or nothing when one can.
std::optional<std::string> situation_ruled_out(Situation s, const Profile& profile);

// Replays the sequence on a model under `profile` and counts the situations.
Census take_census(const Sequence& seq, const Profile& profile);

}  // namespace slotcheck::gen
