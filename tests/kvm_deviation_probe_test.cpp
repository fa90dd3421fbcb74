// The deviation probes on the running kernel (label kvm): each runs in its
// scratch VM through the real backend, and its verdict is one of the four,
// never a setup failure where a VM type binds guest_memfd.
#include <gtest/gtest.h>

#include "harness/deviation_runner.h"
#include "harness/kernel_facts.h"
#include "model/baselines.h"
#include "model/deviation.h"

namespace slotcheck {
namespace {

TEST(KernelDeviationProbes, RunOnTheRunningKernelAndAgreeWithItsReleaseOrBaseline) {
    std::string why;
    if (!kvm_available(why)) GTEST_SKIP() << why;
    const KernelFacts f = gather_kernel_facts();
    const Profile release = profile_for_kernel(f);
    const auto probes =
        run_deviation_probes(release, release, [](const Sequence& seq) { return run_on_kvm(seq); });
    ASSERT_EQ(probes.size(), deviation_probes().size());
    const bool binds = release.guest_memfd_ioctl && probe_vm_type(release, why);
    for (const auto& p : probes) {
        std::printf("%s on %s: %s\n", p.variant.c_str(), f.release.c_str(), p.verdict().c_str());
        if (!binds) {
            EXPECT_EQ(p.status, ProbeResult::Status::NotMeasurable) << p.verdict();
            continue;
        }
        EXPECT_EQ(p.verdict().find("setup step"), std::string::npos) << p.verdict();
        EXPECT_EQ(p.verdict().find("child"), std::string::npos) << p.verdict();
        EXPECT_NE(p.status, ProbeResult::Status::Unexplained) << print(p.shown);
    }
    // Whatever deviates is accepted by a baseline entry of this build, or the
    // kernel does not have the binding code its release says (a finding).
    const ProfileDecision d = decide_profile(release, &f, probes, shipped_baselines(), {});
    for (const auto& dev : d.deviations) EXPECT_FALSE(dev.adopted_by.empty()) << dev.variant << ": " << dev.evidence;
    EXPECT_TRUE(d.stale.empty());
}

}  // namespace
}  // namespace slotcheck
