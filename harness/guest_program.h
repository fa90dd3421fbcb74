// The probe guest: its machine code and the layout of the harness memslot it
// runs from. The host side (guest_probe.cpp) and the guest code below must
// agree on every offset here.
//
// The harness slot (seq/layout.h: kHarnessGpa, kHarnessSize) is identity
// mapped like all guest memory below 2^47, so each offset is both a guest
// virtual and (added to kHarnessGpa) a guest physical address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "seq/layout.h"

namespace slotcheck::probe_layout {

inline constexpr uint64_t kCodeOffset = 0x0000;      // one page of code
inline constexpr uint64_t kStackTopOffset = 0x3000;  // stack: 0x1000..0x3000 (unused today)
inline constexpr uint64_t kControlOffset = 0x4000;   // ProbeControl
inline constexpr uint64_t kEntriesOffset = kControlOffset + 0x1000;  // ProbeEntry[]
inline constexpr uint64_t kPml4Offset[2] = {0xC0000, 0xC1000};       // two roots, see page tables
inline constexpr uint64_t kTablePoolOffset = 0xC2000;  // PDPT / PD pages
inline constexpr uint64_t kTablePoolPages = (kHarnessSize - kTablePoolOffset) / kPageSize;

// Host -> guest, one per batch. 64 bytes so entries stay cache-line aligned.
struct ProbeControl {
    uint64_t count;        // entries in this batch
    uint64_t skip;         // host sets 1 during a digest's first (MMIO) read: abandon the page
    uint64_t current;      // guest -> host: index of the entry being executed
    uint64_t report_each;  // 1: `out kPortEntryDone` after every entry
    uint64_t reserved[4];
};
static_assert(sizeof(ProbeControl) == 64);

enum ProbeOp : uint64_t { kOpRead = 1, kOpWrite = 2, kOpDigest = 3 };

// One access; `result` is written by the guest (value read, or digest).
struct ProbeEntry {
    uint64_t op;
    uint64_t addr;  // guest virtual = guest physical
    uint64_t value;
    uint64_t result;
};
static_assert(sizeof(ProbeEntry) == 32);  // the code computes index << 5

inline constexpr uint64_t kMaxEntries = (kPml4Offset[0] - kEntriesOffset) / sizeof(ProbeEntry);

inline constexpr uint16_t kPortEntryDone = 0x10;  // eax = index of the finished entry
inline constexpr uint16_t kPortBatchDone = 0x11;

// Register contract at the loop entry (kCodeOffset): r13 = control page VA,
// r12 = index of the next entry, r14 = kDigestPrime, RFLAGS.IOPL = 3.
// After the `out kPortBatchDone` exit the guest sets r12 = 0 and jumps to
// the loop entry when it is run again.
std::span<const uint8_t> guest_code();

}  // namespace slotcheck::probe_layout
