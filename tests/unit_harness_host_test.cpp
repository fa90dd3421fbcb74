// Harness pieces that need no /dev/kvm: guarded host accesses, fork
// isolation, RAII owners, kernel facts without KVM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/host_access.h"
#include "harness/isolation.h"
#include "harness/kernel_facts.h"
#include "sys/mapping.h"
#include "sys/unique_fd.h"

namespace slotcheck {

void PrintTo(const Outcome& o, std::ostream* os) { *os << to_string(o); }

namespace {

TEST(HostAccess, ReadsWritesAndDigests) {
    Mapping m = Mapping::map(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(m);
    EXPECT_EQ(host_write(m.address() + 8, 8, 0x1122334455667788), Outcome::ok());
    EXPECT_EQ(host_read(m.address() + 8, 8), Outcome::read_value(0x1122334455667788));
    EXPECT_EQ(host_read(m.address() + 8, 1), Outcome::read_value(0x88));
    EXPECT_EQ(host_write(m.address() + 9, 1, 0xff), Outcome::ok());
    EXPECT_EQ(host_read(m.address() + 8, 8), Outcome::read_value(0x112233445566ff88));
    EXPECT_EQ(host_read(m.address(), 4), Outcome::error(EINVAL));
    EXPECT_EQ(host_digest_page(m.address() + 4096), Outcome::read_value(0));
    EXPECT_EQ(host_digest_page(m.address()), Outcome::read_value(page_digest(m.bytes())));
}

TEST(HostAccess, FaultsBecomeOutcomes) {
    UniqueFd fd(memfd_create("t", 0));
    ASSERT_TRUE(fd);
    ASSERT_EQ(ftruncate(fd.get(), 8192), 0);
    Mapping m = Mapping::map(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
    ASSERT_TRUE(m);
    ASSERT_EQ(ftruncate(fd.get(), 4096), 0);  // page 1 is now beyond EOF: SIGBUS
    EXPECT_EQ(host_read(m.address() + 4096, 8), Outcome::sigbus());
    EXPECT_EQ(host_write(m.address() + 4096, 1, 1), Outcome::sigbus());
    EXPECT_EQ(host_digest_page(m.address() + 4096), Outcome::sigbus());
    // A store that crosses into the faulting page changes nothing.
    EXPECT_EQ(host_write(m.address() + 4092, 8, ~0ull), Outcome::sigbus());
    EXPECT_EQ(host_read(m.address() + 4088, 8), Outcome::read_value(0));
    Mapping ro = Mapping::map(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_EQ(host_write(ro.address(), 8, 1), Outcome::sigsegv());
    Mapping none = Mapping::map(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_EQ(host_read(none.address(), 1), Outcome::sigsegv());
    // Still usable afterwards, from another thread too.
    Outcome other;
    std::thread([&] { other = host_read(none.address(), 8); }).join();
    EXPECT_EQ(other, Outcome::sigsegv());
    EXPECT_EQ(host_read(m.address(), 8), Outcome::read_value(0));
}

TEST(Isolation, ReturnsOutput) {
    IsolatedResult r = run_isolated([] { return std::string("hello"); }, std::chrono::seconds(10));
    EXPECT_EQ(r.status, IsolatedResult::Status::Ok) << r.describe();
    EXPECT_EQ(r.output, "hello");
}

TEST(Isolation, LargeOutputDoesNotDeadlock) {
    IsolatedResult r = run_isolated([] { return std::string(4 << 20, 'x'); }, std::chrono::seconds(20));
    EXPECT_EQ(r.status, IsolatedResult::Status::Ok) << r.describe();
    EXPECT_EQ(r.output.size(), 4u << 20);
}

TEST(Isolation, ReportsCrash) {
    // A real fault, outside any guarded access, under the default action
    // (set here because an earlier test may have installed host_access's
    // handler, and a sanitizer build has ASan's, which reports the fault and
    // exits 1 instead of dying by the signal).
    IsolatedResult r = run_isolated([]() -> std::string {
        signal(SIGSEGV, SIG_DFL);
        void* p = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *static_cast<volatile int*>(p) = 1;
        return "unreachable";
    }, std::chrono::seconds(10));
    EXPECT_EQ(r.status, IsolatedResult::Status::Crashed);
    EXPECT_EQ(r.code, SIGSEGV);
    EXPECT_EQ(r.describe(), "crashed: SIGSEGV");
}

TEST(Isolation, ReportsExceptionAsExit) {
    IsolatedResult r = run_isolated([]() -> std::string { throw std::runtime_error("boom"); },
                                    std::chrono::seconds(10));
    EXPECT_EQ(r.status, IsolatedResult::Status::Exited);
    EXPECT_EQ(r.code, 3);
}

TEST(Isolation, KillsOnTimeout) {
    auto t0 = std::chrono::steady_clock::now();
    IsolatedResult r = run_isolated([]() -> std::string {
        for (;;) pause();
    }, std::chrono::milliseconds(300));
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, IsolatedResult::Status::TimedOut);
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_EQ(r.describe(), "timed out after 300 ms");
}

TEST(KernelFacts, AlwaysKnowsTheRelease) {
    KernelFacts f = gather_kernel_facts();
    EXPECT_FALSE(f.release.empty());
    EXPECT_GT(f.major, 0);
    EXPECT_GE(f.phys_addr_bits, 32);
    std::string why;
    if (!kvm_available(why)) {
        EXPECT_FALSE(why.empty());
        EXPECT_EQ(why.find('\n'), std::string::npos);  // one line
    }
}

}  // namespace
}  // namespace slotcheck
