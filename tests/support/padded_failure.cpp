#include "tests/support/padded_failure.h"

#include "model/world.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

constexpr Handle kCoreVm{HandleKind::Vm, 0}, kCoreGmem{HandleKind::Gmem, 0};
constexpr Handle kPadVm{HandleKind::Vm, 1}, kPadGmem{HandleKind::Gmem, 1};
constexpr Handle kPadMemfd{HandleKind::Memfd, 0}, kPadMapping{HandleKind::Mapping, 0};
constexpr uint64_t kPadPages = 16;
constexpr uint64_t kPadGpa = 0x40000000;  // the padding VM's slots; far from the core's gpas

Step step(Op op) {
    Step s;
    s.op = std::move(op);
    return s;
}

SetRegion gmem_region(Handle vm, Handle gmem, uint32_t slot, uint64_t gpa, uint64_t size, uint64_t offset) {
    SetRegion r;
    r.vm = vm;
    r.slot = slot;
    r.flags = kMemGuestMemfd;
    r.gpa = gpa;
    r.size = size;
    r.gmem = FdRef{FdRef::Kind::Handle, gmem};
    r.gmem_offset = offset;
    return r;
}

// A small deterministic generator (splitmix64): the same seed makes the
// same padding on every machine.
class Stream {
public:
    explicit Stream(uint64_t seed) : state_(seed) {}
    uint64_t next(uint64_t bound) {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return (z ^ (z >> 31)) % bound;
    }

private:
    uint64_t state_;
};

// One unrelated operation. Slot s of the padding VM only ever binds page s
// of its file, so no two padding bindings overlap, and the padding never
// punches a guest_memfd.
Op padding_op(Stream& rng, bool core_vm_exists) {
    const uint32_t slot = static_cast<uint32_t>(rng.next(kPadPages));
    const uint64_t gpa = kPadGpa + slot * kPageSize;
    switch (rng.next(core_vm_exists ? 9 : 8)) {
    case 0: return gmem_region(kPadVm, kPadGmem, slot, gpa, kPageSize, slot * kPageSize);
    case 1: return gmem_region(kPadVm, kPadGmem, slot, gpa, 0, 0);  // delete (EINVAL when absent)
    case 2: return GuestWrite{kPadVm, gpa + 8 * rng.next(512), rng.next(1ull << 48)};
    case 3: return GuestRead{kPadVm, gpa + 8 * rng.next(512)};
    case 4: return Fallocate{kPadGmem, kFallocKeepSize, slot * kPageSize, kPageSize};
    case 5: return HostWrite{HostAddr{true, kPadMapping, 8 * rng.next(kPadPages * 512)}, 8, rng.next(1ull << 32)};
    case 6: return Fallocate{kPadMemfd, kFallocKeepSize | kFallocPunchHole, slot * kPageSize, kPageSize};
    case 7: return HostRead{HostAddr{true, kPadMapping, 8 * rng.next(kPadPages * 512)}, 8};
    default: return GuestRead{kCoreVm, 0x800000000 + 8 * rng.next(1 << 20)};  // no slot there: mmio
    }
}

}  // namespace

Sequence bind_overlap_core() {
    Sequence seq;
    seq.steps.push_back(step(CreateVm{kCoreVm, 0}));
    seq.steps.push_back(step(CreateGmem{kCoreGmem, kCoreVm, 0x8000, kGmemFlagMmap | kGmemFlagInitShared}));
    seq.steps.push_back(step(gmem_region(kCoreVm, kCoreGmem, 5, 0x7f3a000, 0x2000, 0x2000)));
    seq.steps.push_back(step(gmem_region(kCoreVm, kCoreGmem, 9, 0x9000000, 0x1000, 0x3000)));
    return seq;
}

Sequence punch_core() {
    Sequence seq;
    seq.steps.push_back(step(CreateVm{kCoreVm, 0}));
    seq.steps.push_back(step(CreateGmem{kCoreGmem, kCoreVm, 0x8000, kGmemFlagMmap | kGmemFlagInitShared}));
    seq.steps.push_back(step(gmem_region(kCoreVm, kCoreGmem, 3, 0x7f3a000, 0x4000, 0x2000)));
    seq.steps.push_back(step(GuestWrite{kCoreVm, 0x7f3b010, 0x1234567}));
    seq.steps.push_back(step(Fallocate{kCoreGmem, kFallocKeepSize | kFallocPunchHole, 0x2000, 0x4000}));
    seq.steps.push_back(step(GuestRead{kCoreVm, 0x7f3b010}));
    return seq;
}

Sequence padded(const Sequence& core, size_t padding, uint64_t seed) {
    Sequence seq;
    seq.steps.push_back(step(CreateVm{kPadVm, 0}));
    seq.steps.push_back(step(CreateGmem{kPadGmem, kPadVm, kPadPages * kPageSize, kGmemFlagMmap | kGmemFlagInitShared}));
    seq.steps.push_back(step(CreateMemfd{kPadMemfd, kPadPages * kPageSize}));
    Mmap m;
    m.mapping = kPadMapping;
    m.source = Mmap::Source::File;
    m.file = kPadMemfd;
    m.size = kPadPages * kPageSize;
    seq.steps.push_back(step(m));
    Stream rng(seed);
    const size_t total = padding + core.steps.size();
    size_t next_core = 0;
    for (size_t i = 0; i < total; ++i) {
        // Core step k lands at position (2k + 1) * total / (2 * core size).
        const bool core_turn = next_core < core.steps.size() &&
                               i >= (2 * next_core + 1) * total / (2 * core.steps.size());
        if (core_turn) {
            seq.steps.push_back(core.steps[next_core++]);
            seq.steps.back().expect.reset();
        } else {
            seq.steps.push_back(step(padding_op(rng, next_core > 0)));
        }
    }
    return seq;
}

}  // namespace slotcheck::gen
