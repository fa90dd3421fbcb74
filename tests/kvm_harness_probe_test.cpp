// The guest probe and the kernel backend against the facts of
// shared/kernel-notes.md "What a native vCPU reads". Needs /dev/kvm; skips
// with the reason when there is none (run it in a VM: harness/vm/run).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "harness/guest_probe.h"
#include "harness/isolation.h"
#include "harness/kernel_facts.h"
#include "harness/kvm_backend.h"
#include "harness/kvm_uapi.h"
#include "seq/kvm_flags.h"
#include "seq/layout.h"

namespace slotcheck {

// gtest prints outcomes in their sequence-file form.
void PrintTo(const Outcome& o, std::ostream* os) { *os << to_string(o); }

namespace {

constexpr uint64_t kPunch = kFallocPunchHole | kFallocKeepSize;
constexpr uint64_t kGpa = 0x10000000;  // 256 MiB, far from the harness slot

Handle V(uint32_t i) { return {HandleKind::Vm, i}; }
Handle G(uint32_t i) { return {HandleKind::Gmem, i}; }
Handle M(uint32_t i) { return {HandleKind::Mapping, i}; }
Handle F(uint32_t i) { return {HandleKind::Memfd, i}; }
HostAddr at(Handle m, uint64_t offset = 0) { return {true, m, offset}; }
HostAddr raw(uint64_t value) { return {false, M(0), value}; }
FdRef fd(Handle h) { return {FdRef::Kind::Handle, h}; }

SetRegion region(uint32_t slot, uint64_t gpa, uint64_t size, HostAddr uaddr) {
    SetRegion r;
    r.version = 2;
    r.vm = V(0);
    r.slot = slot;
    r.gpa = gpa;
    r.size = size;
    r.uaddr = uaddr;
    return r;
}

SetRegion gmem_region(uint32_t slot, uint64_t gpa, uint64_t size, HostAddr uaddr, FdRef file,
                      uint64_t offset) {
    SetRegion r = region(slot, gpa, size, uaddr);
    r.flags = kMemGuestMemfd;
    r.gmem = file;
    r.gmem_offset = offset;
    return r;
}

Mmap anon(Handle m, uint64_t size) {
    Mmap op;
    op.mapping = m;
    op.source = Mmap::Source::Anonymous;
    op.size = size;
    return op;
}

Mmap of_file(Handle m, Handle file, uint64_t size, uint64_t offset = 0) {
    Mmap op = anon(m, size);
    op.source = Mmap::Source::File;
    op.file = file;
    op.offset = offset;
    return op;
}

class ProbeTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        if (!kvm_available(why)) GTEST_SKIP() << why;
    }
    // Whether a default VM can bind guest_memfd files with `flags` (6.18+);
    // 6.12 cannot (kernel-semantics.md §7.1), so those tests skip there.
    static bool gmem_binding(uint64_t flags, std::string& why) {
        KernelFacts f = gather_kernel_facts();
        if (f.cap_guest_memfd_vm != 0 && (f.cap_guest_memfd_flags & flags) == flags) return true;
        why = "default VMs cannot bind guest_memfd with flags " + std::to_string(flags) +
              " on " + f.release + " (KVM_CAP_GUEST_MEMFD " +
              std::to_string(f.cap_guest_memfd_vm) + ", cap 244 " +
              std::to_string(f.cap_guest_memfd_flags) + ")";
        return false;
    }
    // Applies an op that must succeed.
    void ok(KvmBackend& b, const Op& op) {
        Outcome o = b.apply(op);
        ASSERT_EQ(to_string(o), "ok") << op_keyword(op);
    }
};

TEST_F(ProbeTest, ProbeComesUpInLongModeAtCpl3) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ASSERT_NE(b.probe(0), nullptr) << b.probe_error(0);
    KernelFacts f = gather_kernel_facts();
    EXPECT_EQ(b.probe(0)->harness_slot(), static_cast<uint32_t>(f.cap_nr_memslots - 1));
    std::printf("kernel %s module %s tdp %d maxphyaddr %d (guest %u) la57 %d nr_memslots %lld "
                "244=%lld 1GiB pages %d\n",
                f.release.c_str(), f.kvm_module.c_str(), f.tdp_enabled, f.phys_addr_bits,
                b.probe(0)->guest_phys_bits(), f.five_level_paging,
                static_cast<long long>(f.cap_nr_memslots),
                static_cast<long long>(f.cap_guest_memfd_flags), b.probe(0)->one_gib_pages());
}

TEST_F(ProbeTest, NoSlotIsMmio) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::mmio(kGpa, false));
    EXPECT_EQ(b.apply(GuestWrite{V(0), kGpa + 8, 5}), Outcome::mmio(kGpa + 8, true));
    // The MMIO read was completed: the next access is answered normally.
    ok(b, anon(M(0), 0x1000));
    ok(b, HostWrite{at(M(0)), 8, 0x1234});
    ok(b, region(1, kGpa, 0x1000, at(M(0))));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::read_value(0x1234));
}

// The vCPU comes with the first guest access, not with the VM: memslot
// work alone never creates one, and the access after it runs as ever.
TEST_F(ProbeTest, VcpuIsMadeAtTheFirstGuestAccess) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ASSERT_NE(b.probe(0), nullptr) << b.probe_error(0);
    ok(b, anon(M(0), 0x1000));
    ok(b, HostWrite{at(M(0)), 8, 0x5678});
    ok(b, region(1, kGpa, 0x1000, at(M(0))));
    EXPECT_FALSE(b.probe(0)->has_vcpu());
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::read_value(0x5678));
    EXPECT_TRUE(b.probe(0)->has_vcpu()) << b.probe(0)->vcpu_error();
    EXPECT_EQ(b.probe(0)->vcpu_error(), "");
}

// A guest cannot address memory at or above 2^MAXPHYADDR; the probe
// refuses such gpas (and the harness slot's own) without running.
TEST_F(ProbeTest, UnaddressableGpasAreNoProbe) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    GuestProbe* p = b.probe(0);
    ASSERT_NE(p, nullptr) << b.probe_error(0);
    uint64_t limit = p->access_limit();
    EXPECT_EQ(limit, p->guest_phys_bits() >= 47 ? kGuestAccessLimit : 1ull << p->guest_phys_bits());
    EXPECT_EQ(b.apply(GuestRead{V(0), limit}), Outcome::no_probe());
    EXPECT_EQ(b.apply(GuestRead{V(0), limit - 4}), Outcome::no_probe());
    EXPECT_EQ(b.apply(GuestRead{V(0), kGuestAccessLimit}), Outcome::no_probe());
    EXPECT_EQ(b.apply(GuestWrite{V(0), kHarnessGpa + 0x1000, 1}), Outcome::no_probe());
    EXPECT_EQ(b.apply(GuestRead{V(0), limit - 8}), Outcome::mmio(limit - 8, false));
    EXPECT_EQ(b.apply(GuestRead{V(0), 0}), Outcome::mmio(0, false));
}

TEST_F(ProbeTest, NormalSlotReadsAndWritesHostMemory) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, anon(M(0), 0x4000));
    ok(b, HostWrite{at(M(0), 0x1000), 8, 0x1122334455667788});
    ok(b, region(1, kGpa, 0x4000, at(M(0))));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x1000}), Outcome::read_value(0x1122334455667788));
    EXPECT_EQ(b.apply(GuestWrite{V(0), kGpa + 0x2008, 0xabcdef}), Outcome::ok());
    EXPECT_EQ(b.apply(HostRead{at(M(0), 0x2008), 8}), Outcome::read_value(0xabcdef));
    EXPECT_EQ(b.apply(HostRead{at(M(0), 0x2008), 1}), Outcome::read_value(0xef));
    // An unaligned access that crosses into the next page.
    ok(b, HostWrite{at(M(0), 0x2ffc), 8, 0x0102030405060708});
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x2ffc}), Outcome::read_value(0x0102030405060708));
}

TEST_F(ProbeTest, AliasedSlotsSeeTheSameBytes) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, anon(M(0), 0x2000));
    ok(b, region(1, kGpa, 0x2000, at(M(0))));
    ok(b, region(2, kGpa + 0x100000, 0x2000, at(M(0))));
    ok(b, GuestWrite{V(0), kGpa + 0x1010, 0x5151});
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x100000 + 0x1010}), Outcome::read_value(0x5151));
}

TEST_F(ProbeTest, MunmappedNormalSlotFailsRunWithEfault) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, anon(M(0), 0x1000));
    ok(b, region(1, kGpa, 0x1000, at(M(0))));
    ok(b, Munmap{M(0)});
    // kernel-semantics.md §4.2: EFAULT with exit reason KVM_EXIT_UNKNOWN (0).
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::run_error(EFAULT, 0));
    // The probe goes on with the next access.
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x100000}), Outcome::mmio(kGpa + 0x100000, false));
}

TEST_F(ProbeTest, PunchHoleOfGmemOnlyFileZeroesGuestView) {
    std::string why;
    if (!gmem_binding(kGmemFlagMmap | kGmemFlagInitShared, why)) GTEST_SKIP() << why;
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, CreateGmem{G(0), V(0), 0x4000,
                     kGmemFlagMmap | kGmemFlagInitShared});
    ok(b, of_file(M(0), G(0), 0x4000));
    ok(b, HostWrite{at(M(0)), 8, 0x44});
    // userspace_addr 0: a gmem-only slot reads the file, not the hva.
    ok(b, gmem_region(1, kGpa, 0x4000, raw(0), fd(G(0)), 0));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::read_value(0x44));
    ok(b, GuestWrite{V(0), kGpa + 0x1000, 0x77});
    EXPECT_EQ(b.apply(HostRead{at(M(0), 0x1000), 8}), Outcome::read_value(0x77));
    ok(b, Fallocate{G(0), static_cast<uint32_t>(kPunch), 0, 0x1000});
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::read_value(0));
    EXPECT_EQ(b.apply(HostRead{at(M(0)), 8}), Outcome::read_value(0));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x1000}), Outcome::read_value(0x77));
}

TEST_F(ProbeTest, ReleasedGmemOnlyFileIsMemoryFault) {
    std::string why;
    if (!gmem_binding(kGmemFlagMmap | kGmemFlagInitShared, why)) GTEST_SKIP() << why;
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, CreateGmem{G(0), V(0), 0x4000,
                     kGmemFlagMmap | kGmemFlagInitShared});
    ok(b, of_file(M(0), G(0), 0x4000));
    ok(b, gmem_region(1, kGpa, 0x4000, raw(0), fd(G(0)), 0));
    ok(b, GuestWrite{V(0), kGpa + 0x1008, 0x99});
    ok(b, Close{G(0)});
    // The mapping still holds the file.
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x1008}), Outcome::read_value(0x99));
    ok(b, Munmap{M(0)});
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa + 0x1008}),
              Outcome::memory_fault(EFAULT, 0, kGpa + 0x1000, 0x1000));
    EXPECT_EQ(b.apply(GuestWrite{V(0), kGpa + 0x2000, 1}),
              Outcome::memory_fault(EFAULT, 0, kGpa + 0x2000, 0x1000));
    // The slot still exists and can be deleted; its gpas then have no slot.
    ok(b, region(1, 0, 0, raw(0)));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::mmio(kGpa, false));
}

TEST_F(ProbeTest, GmemWithoutInitSharedStartsZeroAndHostGetsSigbus) {
    std::string why;
    if (!gmem_binding(kGmemFlagMmap, why)) GTEST_SKIP() << why;
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, CreateGmem{G(0), V(0), 0x2000, kGmemFlagMmap});
    ok(b, of_file(M(0), G(0), 0x2000));
    EXPECT_EQ(b.apply(HostRead{at(M(0)), 8}), Outcome::sigbus());
    EXPECT_EQ(b.apply(HostWrite{at(M(0)), 1, 1}), Outcome::sigbus());
    ok(b, gmem_region(1, kGpa, 0x2000, raw(0), fd(G(0)), 0));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::read_value(0));
    ok(b, GuestWrite{V(0), kGpa, 0x4242});
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::read_value(0x4242));
    // Nothing mapped in the arena slot of m5.
    EXPECT_EQ(b.apply(HostRead{at(M(5)), 8}), Outcome::sigsegv());
}

TEST_F(ProbeTest, DigestsOfZeroKnownAndMissingPages) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    ok(b, anon(M(0), 0x2000));
    std::vector<uint8_t> page(kPageSize);
    for (size_t i = 0; i < page.size(); i += 8) {
        uint64_t w = 0x9e3779b97f4a7c15ull * (i + 1);
        std::memcpy(&page[i], &w, 8);
        ok(b, HostWrite{at(M(0), 0x1000 + i), 8, w});
    }
    ok(b, region(1, kGpa, 0x2000, at(M(0))));
    uint64_t known = page_digest(page.data());
    ASSERT_NE(known, 0u);

    uint64_t mmio_before = b.probe(0)->stats().mmio_exits;
    std::vector<ObservationRequest> req = {
        {Observation::Where::Guest, V(0), kGpa},
        {Observation::Where::Guest, V(0), kGpa + 0x1000},
        {Observation::Where::Guest, V(0), kGpa + 0x200000},
        {Observation::Where::Host, M(0), 0x1000},
        {Observation::Where::Host, M(0), 0},
        {Observation::Where::Guest, V(7), 0},
    };
    std::vector<Observation> obs = b.observe(req);
    ASSERT_EQ(obs.size(), req.size());
    EXPECT_EQ(obs[0].outcome, Outcome::read_value(0));
    EXPECT_EQ(obs[1].outcome, Outcome::read_value(known));
    EXPECT_EQ(obs[2].outcome, Outcome::mmio(kGpa + 0x200000, false));
    EXPECT_EQ(obs[3].outcome, Outcome::read_value(known));
    EXPECT_EQ(obs[4].outcome, Outcome::read_value(0));
    EXPECT_EQ(obs[5].outcome, Outcome::no_probe());
    // A page with no slot costs one exit, not 512.
    EXPECT_EQ(b.probe(0)->stats().mmio_exits - mmio_before, 1u);
}

TEST_F(ProbeTest, HandleRulesAndHarnessSlot) {
    KvmBackend b;
    ok(b, CreateVm{V(0), 0});
    // Closing twice, and closing what never was: EBADF for any file handle.
    ok(b, CreateMemfd{F(0), 0x1000});
    ok(b, Close{F(0)});
    EXPECT_EQ(b.apply(Close{F(0)}), Outcome::error(EBADF));
    EXPECT_EQ(b.apply(Close{G(3)}), Outcome::error(EBADF));
    const bool has_gmem = gather_kernel_facts().has_create_guest_memfd_ioctl;
    if (has_gmem) {
        ok(b, CreateGmem{G(0), V(0), 0x1000, 0});
        ok(b, Close{G(0)});
        EXPECT_EQ(b.apply(Close{G(0)}), Outcome::error(EBADF));
    } else {
        EXPECT_EQ(b.apply(CreateGmem{G(0), V(0), 0x1000, 0}), Outcome::error(ENOTTY));
    }
    // A closed handle and NeverOpen are fds that cannot be fget()-ed: EBADF
    // (where KVM_MEM_GUEST_MEMFD is valid at all; 6.12 stops at EINVAL).
    std::string why;
    if (gmem_binding(0, why)) {
        EXPECT_EQ(b.apply(gmem_region(1, kGpa, 0x1000, raw(0), fd(G(0)), 0)),
                  Outcome::error(EBADF));
        EXPECT_EQ(b.apply(gmem_region(1, kGpa, 0x1000, raw(0), FdRef{FdRef::Kind::NeverOpen}, 0)),
                  Outcome::error(EBADF));
    }
    // Ops on a VM that does not exist reach the kernel with fd -1.
    EXPECT_EQ(b.apply(CreateGmem{G(1), V(9), 0x1000, 0}), Outcome::error(EBADF));
    EXPECT_EQ(b.apply(GuestRead{V(9), 0}), Outcome::no_probe());

    // The harness slot occupies its gpas; deleting it retires the probe.
    uint32_t hs = b.probe(0)->harness_slot();
    ok(b, anon(M(0), 0x1000));
    EXPECT_EQ(b.apply(region(1, kHarnessGpa, 0x1000, at(M(0)))), Outcome::error(EEXIST));
    ok(b, region(hs, 0, 0, raw(0)));
    EXPECT_EQ(b.apply(GuestRead{V(0), kGpa}), Outcome::no_probe());
    ok(b, Close{V(0)});
    EXPECT_EQ(b.apply(Close{V(0)}), Outcome::error(EBADF));
}

// The fallback page tables (no 1 GiB pages): a pool of 8 table pages holds
// about three 1 GiB regions, so walking many regions recycles table pages;
// reads must still see the right memory afterwards (no stale translations).
TEST_F(ProbeTest, TwoMegabytePageFallbackRecyclesTables) {
    ProbeOptions opt;
    opt.force_2m_pages = true;
    opt.table_pool_limit = 8;
    KvmBackend b(opt);
    ok(b, CreateVm{V(0), 0});
    ASSERT_NE(b.probe(0), nullptr) << b.probe_error(0);
    ASSERT_FALSE(b.probe(0)->one_gib_pages());
    const uint64_t kGiB = 1ull << 30;
    ok(b, anon(M(0), 0x1000));
    ok(b, anon(M(1), 0x1000));
    ok(b, HostWrite{at(M(0)), 8, 0xA0A0});
    ok(b, HostWrite{at(M(1)), 8, 0xB1B1});
    ok(b, region(1, 5 * kGiB, 0x1000, at(M(0))));
    ok(b, region(2, 600 * kGiB, 0x1000, at(M(1))));  // another PML4 entry
    std::vector<ProbeAccess> batch;
    for (int round = 0; round < 4; ++round) {
        batch.push_back({ProbeAccess::Kind::Read, 5 * kGiB, 0});
        batch.push_back({ProbeAccess::Kind::Read, 600 * kGiB, 0});
        for (uint64_t r = 10; r < 16; ++r) batch.push_back({ProbeAccess::Kind::Read, r * kGiB + 8 * round, 0});
    }
    std::vector<Outcome> out = b.probe(0)->run_batch(batch);
    for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].gpa == 5 * kGiB) EXPECT_EQ(out[i], Outcome::read_value(0xA0A0)) << i;
        else if (batch[i].gpa == 600 * kGiB) EXPECT_EQ(out[i], Outcome::read_value(0xB1B1)) << i;
        else EXPECT_EQ(out[i], Outcome::mmio(batch[i].gpa, false)) << i;
    }
}

// A run limit far too short for the batch: runs end as timeouts, the probe
// recovers after each, and every access still gets an outcome.
TEST_F(ProbeTest, RunTimeoutBecomesOutcome) {
    ProbeOptions opt;
    opt.run_timeout_base = std::chrono::microseconds(200);
    opt.run_timeout_per_entry = std::chrono::microseconds(0);
    KvmBackend b(opt);
    ok(b, CreateVm{V(0), 0});
    ok(b, anon(M(0), 0x200000));
    ok(b, region(1, kGpa, 0x200000, at(M(0))));
    std::vector<ProbeAccess> batch;
    for (int rep = 0; rep < 8; ++rep)
        for (uint64_t p = 0; p < 512; ++p) batch.push_back({ProbeAccess::Kind::Digest, kGpa + p * kPageSize, 0});
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Outcome> out = b.probe(0)->run_batch(batch);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    size_t timeouts = 0, zeros = 0;
    for (const Outcome& o : out) {
        if (o == Outcome::timeout()) ++timeouts;
        else if (o == Outcome::read_value(0)) ++zeros;
    }
    std::printf("%zu digests in %.3f s: %zu timeouts, %zu zero pages, %llu resets\n", out.size(),
                s, timeouts, zeros, static_cast<unsigned long long>(b.probe(0)->stats().resets));
    EXPECT_EQ(timeouts + zeros, out.size());
    EXPECT_GT(timeouts, 0u);
    EXPECT_GT(zeros, 0u);
}

// The differ's setup: a backend made inside an isolated child, after the
// parent has already run a probe (so the parent thread's run timer exists
// and the child must not reuse it: POSIX timers do not survive fork).
TEST_F(ProbeTest, BackendInIsolatedChildKeepsRunLimits) {
    {
        KvmBackend parent;
        ok(parent, CreateVm{V(0), 0});
        EXPECT_EQ(parent.apply(GuestRead{V(0), kGpa}), Outcome::mmio(kGpa, false));
    }
    IsolatedResult r = run_isolated([]() -> std::string {
        ProbeOptions opt;
        opt.run_timeout_base = std::chrono::microseconds(200);
        opt.run_timeout_per_entry = std::chrono::microseconds(0);
        KvmBackend b(opt);
        if (b.apply(CreateVm{V(0), 0}) != Outcome::ok() || b.probe(0) == nullptr) return "no vm";
        b.apply(anon(M(0), 0x200000));
        b.apply(region(1, kGpa, 0x200000, at(M(0))));
        std::vector<ProbeAccess> batch;
        for (int rep = 0; rep < 8; ++rep)
            for (uint64_t p = 0; p < 512; ++p)
                batch.push_back({ProbeAccess::Kind::Digest, kGpa + p * kPageSize, 0});
        size_t timeouts = 0;
        for (const Outcome& o : b.probe(0)->run_batch(batch)) timeouts += o == Outcome::timeout();
        return timeouts > 0 ? "limited" : "unlimited";
    }, std::chrono::seconds(60));
    EXPECT_EQ(r.status, IsolatedResult::Status::Ok) << r.describe();
    EXPECT_EQ(r.output, "limited");
}

// Throughput of the probe (printed, not asserted): batches of 100 reads.
TEST_F(ProbeTest, Throughput) {
    for (bool each : {false, true}) {
        ProbeOptions opt;
        opt.report_each_entry = each;
        KvmBackend b(opt);
        ok(b, CreateVm{V(0), 0});
        ok(b, anon(M(0), 0x100000));
        ok(b, region(1, kGpa, 0x100000, at(M(0))));
        std::vector<ProbeAccess> batch;
        for (uint64_t i = 0; i < 100; ++i) batch.push_back({ProbeAccess::Kind::Read, kGpa + i * 0x2000 % 0x100000, 0});
        b.probe(0)->run_batch(batch);  // warm: fault the pages in
        int batches = 0;
        auto t0 = std::chrono::steady_clock::now();
        double s = 0;
        while (s < 1.0) {
            b.probe(0)->run_batch(batch);
            ++batches;
            s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        double single_s = 0;
        int singles = 0;
        t0 = std::chrono::steady_clock::now();
        while (single_s < 1.0) {
            b.apply(GuestRead{V(0), kGpa});
            ++singles;
            single_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        std::printf("report_each=%d: %.0f accesses/s in batches of 100, %.0f single GuestRead ops/s\n",
                    each, batches * 100 / s, singles / single_s);
    }
}

}  // namespace
}  // namespace slotcheck
