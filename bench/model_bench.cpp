// Model speed: operations per second of World::step() on a VM that already
// holds N slots (1k and 32k), for a mix of slot create/delete, guest_memfd
// binds, punch-holes and guest reads. Target (issue 2): >= 1M ops/s at 32k.
#include <chrono>
#include <cstdio>
#include <random>

#include "model/world.h"

using namespace slotcheck;

namespace {

double run(uint32_t resident_slots, uint64_t ops) {
    World w(*named_profile("linux-6.18"));
    const Handle vm{HandleKind::Vm, 0}, gmem{HandleKind::Gmem, 0};
    w.step(CreateVm{vm, 0});
    w.step(CreateGmem{gmem, vm, 1ull << 40, 3});
    // Resident slots: one page each at gpa id*2 pages, bound to the file at
    // page id*2, leaving every other gfn and file page free for the mix.
    for (uint32_t id = 0; id < resident_slots; ++id) {
        SetRegion r;
        r.vm = vm;
        r.slot = id;
        r.flags = kMemGuestMemfd;
        r.gpa = uint64_t(id) * 2 * kPageSize;
        r.size = kPageSize;
        r.gmem = FdRef{FdRef::Kind::Handle, gmem};
        r.gmem_offset = uint64_t(id) * 2 * kPageSize;
        if (w.step(r).outcome.kind != Outcome::Kind::Ok) std::abort();
    }
    std::mt19937_64 rng(42);
    auto t0 = std::chrono::steady_clock::now();
    uint64_t done = 0;
    while (done < ops) {
        uint64_t k = rng() % resident_slots;
        // Create then delete a slot in a free hole next to a resident one.
        SetRegion r;
        r.vm = vm;
        r.slot = 32000 + static_cast<uint32_t>(rng() % 8);
        r.flags = kMemGuestMemfd;
        r.gpa = (k * 2 + 1) * kPageSize;
        r.size = kPageSize;
        r.gmem = FdRef{FdRef::Kind::Handle, gmem};
        r.gmem_offset = (k * 2 + 1) * kPageSize;
        w.step(r);
        r.size = 0;
        w.step(r);
        w.step(Fallocate{gmem, 3, k * 2 * kPageSize, kPageSize});
        w.step(GuestRead{vm, k * 2 * kPageSize});
        w.step(GuestWrite{vm, k * 2 * kPageSize, k});
        done += 5;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return done / s;
}

}  // namespace

int main() {
    for (uint32_t n : {1000u, 32000u}) {
        double rate = run(n, 2'000'000);
        std::printf("model, %5u resident slots: %.2f M ops/s\n", n, rate / 1e6);
    }
}
