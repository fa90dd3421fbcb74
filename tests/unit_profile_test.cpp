// Honest profiles: a profile is the release's behaviours (from the release
// and the capabilities, or a named profile) plus the machine's facts; what a
// kernel answers to the deviation probes is reported and adopted only when
// accepted (--accept-deviation, a baseline entry). The kernels here are
// scripted: the model under another profile, with single answers changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "command_output.h"
#include "harness/deviation_runner.h"
#include "harness/kernel_facts.h"
#include "matrix_kernels.h"
#include "model/baselines.h"
#include "model/deviation.h"
#include "model/unmodelled.h"
#include "model/world.h"
#include "replay/differ.h"
#include "seq/variant_names.h"

namespace slotcheck {
namespace {

// A kernel that behaves as the model under `profile`, except that the ops
// whose printed form is in `answers` get that answer instead.
class ScriptedKernel : public Executor {
public:
    explicit ScriptedKernel(const Profile& profile) : world_(profile) {}
    Outcome apply(const Op& op) override {
        Outcome o = world_.apply(op);
        auto it = answers.find(print_op(op));
        return it == answers.end() ? o : it->second;
    }
    std::vector<Observation> observe(const std::vector<ObservationRequest>& r) override { return world_.observe(r); }
    std::map<std::string, Outcome> answers;

private:
    World world_;
};

// Each probe sequence on a fresh scripted kernel, as the real runner gives
// each its own scratch VM.
KernelRunner scripted(const Profile& kernel_behaviour, std::map<std::string, Outcome> answers = {}) {
    return [=](const Sequence& seq) {
        ScriptedKernel kernel(kernel_behaviour);
        kernel.answers = answers;
        return run_on(kernel, seq);
    };
}

// A 7.3 kernel whose default VMs bind guest_memfd (the Debian 7.3 in qemu).
const ProbeResult& probe(const std::vector<ProbeResult>& results, const std::string& variant) {
    for (const auto& r : results)
        if (r.variant == variant) return r;
    throw std::runtime_error("no probe " + variant);
}

const Deviation* deviation(const ProfileDecision& d, const std::string& variant) {
    for (const auto& dev : d.deviations)
        if (dev.variant == variant) return &dev;
    return nullptr;
}

Profile with(Profile p, bool Profile::*field, bool value) {
    p.*field = value;
    return p;
}

// The 7.3 binding code: what Debian's 6.12.118 ships (F5).
Profile with_7_3_binding(Profile p) {
    p.binding_overlap_eexist = p.gmem_offset_unsigned = p.binding_checked_after_arch = true;
    return p;
}

// The language knows variant names only (seq/variant_names.h); the model's
// table gives each its meaning: every name there once, and nothing else.
TEST(ProfileVariants, TableCoversEveryNameOnce) {
    std::vector<std::string> table;
    for (const auto& v : variant_table()) table.push_back(v.name);
    std::vector<std::string> names(kVariantNames.begin(), kVariantNames.end());
    std::sort(table.begin(), table.end());
    std::sort(names.begin(), names.end());
    EXPECT_EQ(table, names);
}

TEST(ProfileDeviation, AKernelRegressedToEinvalIsADeviationAndTheProfileKeepsTheRelease) {
    const KernelFacts f = facts_debian_7_3();
    const Profile release = profile_for_kernel(f);
    ASSERT_TRUE(release.binding_overlap_eexist);
    const Profile regressed = with(release, &Profile::binding_overlap_eexist, false);
    const auto probes = run_deviation_probes(release, release, scripted(regressed));

    const ProbeResult& overlap = probe(probes, "binding-overlap-eexist");
    EXPECT_EQ(overlap.verdict(), "deviation: variant binding-overlap-eexist=off");
    ASSERT_TRUE(overlap.kernel && overlap.profile);
    EXPECT_EQ(*overlap.kernel, Outcome::error(EINVAL));
    EXPECT_EQ(*overlap.profile, Outcome::error(EEXIST));
    // The shown sequence is the sequence language, with the kernel's answer
    // recorded at the probed step.
    EXPECT_NE(print(overlap.shown).find("=> EEXIST !kernel: EINVAL"), std::string::npos) << print(overlap.shown);
    // Nothing else is switched off from that one answer: the offset is
    // measured on its own, and the check order cannot be told without EEXIST.
    EXPECT_EQ(probe(probes, "gmem-offset-unsigned").verdict(), "as release");
    EXPECT_EQ(probe(probes, "binding-checked-after-arch").status, ProbeResult::Status::NotMeasurable);

    const ProfileDecision d = decide_profile(release, &f, probes, shipped_baselines(), {});
    EXPECT_TRUE(d.profile.binding_overlap_eexist) << "the release's behaviour is kept";
    EXPECT_TRUE(d.profile.gmem_offset_unsigned);
    EXPECT_TRUE(d.profile.binding_checked_after_arch);
    const Deviation* dev = deviation(d, "binding-overlap-eexist");
    ASSERT_NE(dev, nullptr);
    EXPECT_FALSE(dev->kernel_value);
    EXPECT_TRUE(dev->adopted_by.empty());

    // So a replay of the probe against that kernel diverges.
    Sequence bare = overlap.shown;
    for (auto& s : bare.steps) s.expect.reset();
    ScriptedKernel kernel(regressed);
    const ReplayReport report = replay(bare, d.profile, &kernel, ReplayOptions{});
    ASSERT_FALSE(report.agreed());
    EXPECT_EQ(report.divergences.front().kind, Divergence::Kind::Outcome);
}

TEST(ProfileDeviation, AnAcceptedOverlapIsAnUnexplainedDeviation) {
    const KernelFacts f = facts_debian_7_3();
    const Profile release = profile_for_kernel(f);
    const std::string overlapping =
        "region v0 slot=0x2 flags=0x4 gpa=0x200000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x1000";
    const auto probes = run_deviation_probes(release, release, scripted(release, {{overlapping, Outcome::ok()}}));
    const ProbeResult& overlap = probe(probes, "binding-overlap-eexist");
    EXPECT_EQ(overlap.verdict(), "deviation: unexplained");
    EXPECT_EQ(*overlap.kernel, Outcome::ok());
    // The check order needs the overlap's answer, and says so.
    EXPECT_NE(probe(probes, "binding-checked-after-arch").verdict().find("needs the answer of the binding-overlap-eexist"),
              std::string::npos);
    const ProfileDecision d = decide_profile(release, &f, probes, shipped_baselines(), {});
    EXPECT_TRUE(d.profile.binding_overlap_eexist);
    bool listed = false;
    for (const auto& line : describe(d, true)) listed = listed || line.find("deviation: unexplained") != std::string::npos;
    EXPECT_TRUE(listed);
}

TEST(ProfileDeviation, ProbesRunOnAVmTypeThatBindsOrSayWhyNot) {
    KernelFacts f = facts_built_6_12();
    Profile release = profile_for_kernel(f);
    auto probes = run_deviation_probes(release, release, scripted(release));
    for (const auto& p : probes) {
        ASSERT_FALSE(p.shown.steps.empty()) << p.verdict();
        EXPECT_EQ(print_op(p.shown.steps.front().op), "vm v0 type=0x1");
    }
    EXPECT_EQ(probe(probes, "binding-overlap-eexist").verdict(), "as release");
    EXPECT_EQ(probe(probes, "gmem-offset-unsigned").verdict(), "as release");
    // With EINVAL for an overlap, the order of the two checks shows nowhere.
    EXPECT_EQ(probe(probes, "binding-checked-after-arch").verdict(),
              "not measurable: the probed step answers EINVAL with binding-checked-after-arch on or off, given "
              "this kernel's other answers");
    // Debian's prebuilt 6.12: no VM type binds.
    f.cap_vm_types = 1;
    release = profile_for_kernel(f);
    probes = run_deviation_probes(release, release, scripted(release));
    for (const auto& p : probes) EXPECT_NE(p.verdict().find("not measurable: no VM type binds guest_memfd"), std::string::npos) << p.verdict();
    // A kernel whose setup step fails says which step.
    f = facts_debian_7_3();
    release = profile_for_kernel(f);
    probes = run_deviation_probes(
        release, release, scripted(release, {{"gmem g0 vm=v0 size=0x4000 flags=0x0", Outcome::error(ENOMEM)}}));
    EXPECT_NE(probe(probes, "binding-overlap-eexist").verdict().find("setup step 2 (gmem g0 vm=v0 size=0x4000 flags=0x0) answered ENOMEM"),
              std::string::npos)
        << probe(probes, "binding-overlap-eexist").verdict();
}

TEST(ProfileDeviation, TheUnsignedOffsetIsMeasuredOnItsOwn) {
    const KernelFacts f = facts_debian_7_3();
    const Profile release = profile_for_kernel(f);
    const auto probes =
        run_deviation_probes(release, release, scripted(with(release, &Profile::gmem_offset_unsigned, false)));
    EXPECT_EQ(probe(probes, "gmem-offset-unsigned").verdict(), "deviation: variant gmem-offset-unsigned=off");
    EXPECT_EQ(probe(probes, "binding-overlap-eexist").verdict(), "as release");
    EXPECT_EQ(probe(probes, "binding-checked-after-arch").verdict(), "as release");
    const auto order = run_deviation_probes(
        release, release, scripted(with(release, &Profile::binding_checked_after_arch, false)));
    EXPECT_EQ(probe(order, "binding-checked-after-arch").verdict(), "deviation: variant binding-checked-after-arch=off");
    EXPECT_EQ(probe(order, "gmem-offset-unsigned").verdict(), "as release");
}

TEST(ProfileDeviation, TheBaselineEntryAdoptsTheBuiltKernelsBindingCode) {
    const KernelFacts f = facts_built_6_12();
    const Profile release = profile_for_kernel(f);
    EXPECT_FALSE(release.binding_overlap_eexist) << "the 6.12 release answers EINVAL";
    const auto probes = run_deviation_probes(release, release, scripted(with_7_3_binding(release)));
    for (const auto& p : probes) EXPECT_EQ(p.status, ProbeResult::Status::Deviation) << p.verdict();

    const ProfileDecision adopted = decide_profile(release, &f, probes, shipped_baselines(), {});
    EXPECT_TRUE(adopted.profile.binding_overlap_eexist);
    EXPECT_TRUE(adopted.profile.gmem_offset_unsigned);
    EXPECT_TRUE(adopted.profile.binding_checked_after_arch);
    EXPECT_TRUE(adopted.stale.empty());
    ASSERT_NE(deviation(adopted, "binding-overlap-eexist"), nullptr);
    EXPECT_NE(deviation(adopted, "binding-overlap-eexist")->adopted_by.find("F5"), std::string::npos);

    // Another build of the same release has no entry: reported, not adopted.
    KernelFacts other = f;
    other.release = "6.12.118-custom";
    const ProfileDecision kept = decide_profile(release, &other, probes, shipped_baselines(), {});
    EXPECT_FALSE(kept.profile.binding_overlap_eexist);
    EXPECT_EQ(kept.deviations.size(), 3u);
    // --accept-deviation adopts one explicitly.
    const ProfileDecision accepted =
        decide_profile(release, &other, probes, shipped_baselines(), {"binding-overlap-eexist"});
    EXPECT_TRUE(accepted.profile.binding_overlap_eexist);
    EXPECT_FALSE(accepted.profile.gmem_offset_unsigned);
    EXPECT_EQ(accepted.profile.name, release.name + "+accepted");
    EXPECT_TRUE(accepted.stale.empty());
    // Benches and kvm tests that judge without probes take the same entry.
    EXPECT_TRUE(profile_with_baseline(f).binding_checked_after_arch);
    EXPECT_FALSE(profile_with_baseline(other).binding_checked_after_arch);
}

TEST(ProfileDeviation, AcceptingWhatTheKernelDoesNotShowIsStale) {
    const KernelFacts f = facts_built_6_12();
    const Profile release = profile_for_kernel(f);
    // A build of 6.12.118-slotcheck that has the 6.12 binding code after all.
    const auto probes = run_deviation_probes(release, release, scripted(release));
    const ProfileDecision d = decide_profile(release, &f, probes, shipped_baselines(), {"gmem-noexec-mount"});
    EXPECT_TRUE(d.profile.binding_overlap_eexist) << "an explicit baseline entry is still what the model uses";
    // The overlap and the offset contradict the baseline; the check order
    // cannot be told where an overlap is EINVAL, so nothing contradicts it.
    EXPECT_EQ(d.stale.size(), 3u);
    size_t baseline = 0, option = 0;
    for (const auto& s : d.stale) {
        baseline += s.find("baseline 6.12.118-slotcheck*") == 0 && s.find("the probe saw") != std::string::npos;
        option += s.find("--accept-deviation gmem-noexec-mount: this kernel has the profile's") == 0;
    }
    EXPECT_EQ(baseline, 2u);
    EXPECT_EQ(option, 1u);
    // Without a kernel nothing can contradict an acceptance.
    EXPECT_TRUE(decide_profile(release, nullptr, {}, shipped_baselines(), {"gmem-noexec-mount"}).stale.empty());
}

// The case: the built 6.12 kernel with a seeded bug whose bind
// answers an overlap with EINVAL. The probe no longer makes that the rule:
// the baseline keeps EEXIST, says it is contradicted, and a replay diverges.
TEST(ProfileDeviation, ABuiltKernelThatRegressedToEinvalIsStaleAndDiverges) {
    const KernelFacts f = facts_built_6_12();
    const Profile release = profile_for_kernel(f);
    const Profile seeded = with(with_7_3_binding(release), &Profile::binding_overlap_eexist, false);
    const auto probes = run_deviation_probes(release, release, scripted(seeded));
    EXPECT_EQ(probe(probes, "binding-overlap-eexist").verdict(), "as release");
    EXPECT_EQ(probe(probes, "gmem-offset-unsigned").verdict(), "deviation: variant gmem-offset-unsigned=on");
    const ProfileDecision d = decide_profile(release, &f, probes, shipped_baselines(), {});
    EXPECT_TRUE(d.profile.binding_overlap_eexist);
    EXPECT_TRUE(d.profile.gmem_offset_unsigned);
    ASSERT_EQ(d.stale.size(), 1u);
    EXPECT_NE(d.stale[0].find("says binding-overlap-eexist=on, the probe saw binding-overlap-eexist=off"),
              std::string::npos)
        << d.stale[0];
    Sequence bare = probe(probes, "binding-overlap-eexist").shown;
    for (auto& s : bare.steps) s.expect.reset();
    ScriptedKernel kernel(seeded);
    EXPECT_FALSE(replay(bare, d.profile, &kernel, ReplayOptions{}).agreed());
}

// The fields a machine decides, whatever release a profile describes.
void expect_same_machine_facts(const Profile& a, const Profile& b) {
    EXPECT_EQ(a.task_size_max, b.task_size_max);
    EXPECT_EQ(a.max_gfn, b.max_gfn);
    EXPECT_EQ(a.guest_access_limit, b.guest_access_limit);
    EXPECT_EQ(a.nr_address_spaces, b.nr_address_spaces);
    EXPECT_EQ(a.nr_memslots, b.nr_memslots);
    EXPECT_EQ(a.mmio_cache_ignores_attributes, b.mmio_cache_ignores_attributes);
}

TEST(ProfileMachineFacts, ANamedProfileTakesTheMachinesFacts) {
    const KernelFacts f = facts_built_6_12();
    const Profile detected = profile_for_kernel(f);
    Profile named = *named_profile("linux-6.12-sw-protected");
    // Unmodified, the named profile has other limits (the false
    // divergences: TASK_SIZE_MAX under 5-level paging, MAXPHYADDR, SMM).
    EXPECT_NE(named.task_size_max, detected.task_size_max);
    EXPECT_NE(named.max_gfn, detected.max_gfn);
    EXPECT_NE(named.nr_address_spaces, detected.nr_address_spaces);
    apply_machine_facts(named, f);
    expect_same_machine_facts(named, detected);

    // With the build's baseline entry, the named release profile on its
    // unmodified kernel is the detected profile in every rule: no false
    // divergence.
    const auto kernel = scripted(with_7_3_binding(detected));
    const ProfileDecision by_name =
        decide_profile(named, &f, run_deviation_probes(named, detected, kernel), shipped_baselines(), {});
    const ProfileDecision by_kernel =
        decide_profile(detected, &f, run_deviation_probes(detected, detected, kernel), shipped_baselines(), {});
    expect_same_machine_facts(by_name.profile, by_kernel.profile);
    EXPECT_EQ(by_name.profile.vm_type_mask(), by_kernel.profile.vm_type_mask());
    EXPECT_EQ(by_name.profile.readonly_mem, by_kernel.profile.readonly_mem);
    for (const auto& v : variant_table())
        EXPECT_EQ(by_name.profile.*(v.field), by_kernel.profile.*(v.field)) << v.name;
    for (const auto& dev : by_name.deviations) EXPECT_FALSE(dev.adopted_by.empty()) << dev.variant << ": " << dev.evidence;
}

TEST(ProfileMachineFacts, ShadowPagingAndFourLevelsGiveTheDefaultLimits) {
    KernelFacts f = facts_debian_7_3();
    f.tdp_enabled = false;
    f.five_level_paging = false;
    f.guest_phys_addr_bits = 48;
    f.cap_multi_address_space = 0;
    f.mmio_caching = false;
    Profile p = *named_profile("linux-7.3");
    apply_machine_facts(p, f);
    EXPECT_EQ(p.max_gfn, (1ull << 40) - 1);
    EXPECT_EQ(p.task_size_max, (1ull << 47) - 4096);
    EXPECT_EQ(p.guest_access_limit, 1ull << 47);
    EXPECT_EQ(p.nr_address_spaces, 1u);
    EXPECT_FALSE(p.mmio_cache_ignores_attributes);
}

TEST(ProfileUpstream, EveryVariantTheKernelNeedsIsADeviationWithItsEvidence) {
    const KernelFacts f = facts_built_6_12();
    Profile up = upstream_profile();
    apply_machine_facts(up, f);
    const Profile detected = profile_for_kernel(f);
    const ProfileDecision d = decide_profile(
        up, &f, run_deviation_probes(up, detected, scripted(with_7_3_binding(detected))), shipped_baselines(), {});
    std::vector<std::string> names;
    for (const auto& dev : d.deviations) {
        names.push_back(dev.variant);
        EXPECT_FALSE(dev.evidence.empty()) << dev.variant;
        EXPECT_TRUE(dev.adopted_by.empty()) << dev.variant;
    }
    // The binding code is 7.3's (probed, as upstream); the rest differ.
    EXPECT_EQ(names, (std::vector<std::string>{"gmem-on-default-vm", "gmem-mmap", "gmem-noexec-mount", "sw-protected-vm"}));
    EXPECT_EQ(deviation(d, "gmem-on-default-vm")->evidence, "KVM_CAP_GUEST_MEMFD on a default VM: 0");
    for (const auto& p : d.probes) EXPECT_EQ(p.verdict(), "as release") << p.variant;
}

TEST(ProfileUnmodelled, WhatTheKernelReportsBeyondTheModelIsListed) {
    KernelFacts f = facts_debian_7_3();
    for (const auto& u : unmodelled_features(f)) EXPECT_EQ(u.detail, "") << u.kind;
    f.unmodelled_caps = {{192, 65536}, {236, 1}, {250, 1}};
    f.cap_guest_memfd_flags_kvm = 0x7;
    f.cap_vm_types = 0x43;
    f.cap_memory_attributes_kvm = 0x18;
    const auto u = unmodelled_features(f);
    ASSERT_EQ(u.size(), 4u);
    EXPECT_EQ(u[0].detail, "DIRTY_LOG_RING 65536, PRE_FAULT_MEMORY 1, cap 250 (newer than the model) 1");
    EXPECT_EQ(u[1].detail, "0x4 (reported 0x7)");
    EXPECT_EQ(u[2].detail, "0x40 (reported 0x43)");
    EXPECT_EQ(u[3].detail, "0x10 (reported 0x18)");
    // Every capability listed is asked for, and the newer numbers too.
    const auto scanned = capabilities_to_scan();
    for (long cap : {168L, 192L, 236L, kNewestKnownCapability + 1, kLastScannedCapability})
        EXPECT_NE(std::find(scanned.begin(), scanned.end(), cap), scanned.end()) << cap;
}

TEST(ProfileBaselines, TheShippedFileParsesAndMatchesTheKernelBuildsOfF5) {
    ASSERT_NO_THROW(shipped_baselines());
    for (const char* release : {"6.12.118+deb13-amd64", "6.12.118+deb12-amd64", "6.12.118-slotcheck", "6.12.118-slotcheck-kasan"}) {
        const auto entries = baselines_for(shipped_baselines(), release);
        ASSERT_EQ(entries.size(), 1u) << release;
        EXPECT_EQ(entries[0].variants.size(), 3u);
        EXPECT_NE(entries[0].evidence.find("F5"), std::string::npos);
    }
    for (const char* release : {"6.12.119+deb13-amd64", "7.3.4-slotcheck", "6.12.118"})
        EXPECT_TRUE(baselines_for(shipped_baselines(), release).empty()) << release;
}

TEST(ProfileBaselines, AMalformedLineIsAnErrorNamingItsPlace) {
    std::string error;
    EXPECT_TRUE(parse_baselines("# only a comment\n\n", "b.txt", error));
    const std::pair<const char*, const char*> bad[] = {
        {"6.12.* binding-overlap-eexist=on ; F5\n", "b.txt:1: expected"},
        {"\n6.12.* -> no-such-variant=on ; F5\n", "b.txt:2: unknown variant 'no-such-variant'"},
        {"6.12.* -> binding-overlap-eexist ; F5\n", "b.txt:1: 'binding-overlap-eexist' is not VARIANT=on|off"},
        {"6.12.* -> binding-overlap-eexist=on ;\n", "b.txt:1: an entry names its evidence"},
        {"6.12.* -> ; F5\n", "b.txt:1: an entry names at least one"},
    };
    for (const auto& [text, message] : bad) {
        EXPECT_FALSE(parse_baselines(text, "b.txt", error)) << text;
        EXPECT_EQ(error.rfind(message, 0), 0u) << error;
    }
}

// The real runner returns the kernel's answers in the sequence language from
// its child, or says why it could not run; here that is usually the missing
// /dev/kvm (the kvm label runs the probes themselves).
TEST(ProfileProbeRunner, AnswersEveryStepOrSaysWhyNot) {
    auto parsed = parse(deviation_probes().front().text(0));
    ASSERT_TRUE(parsed.sequence);
    const KernelAnswers answers = run_on_kvm(*parsed.sequence);
    std::string why;
    if (kvm_available(why)) {
        EXPECT_EQ(answers.failure, "");
        EXPECT_EQ(answers.outcomes.size(), parsed.sequence->steps.size());
        EXPECT_EQ(answers.outcomes.front(), Outcome::ok());
    } else {
        EXPECT_TRUE(answers.outcomes.empty());
        EXPECT_EQ(answers.failure.rfind("/dev/kvm: ", 0), 0u) << answers.failure;
    }
}

TEST(ProfileOptions, AcceptDeviationIsACommonProfileOption) {
    const std::string file = SLOTCHECK_SOURCE_DIR "/corpus/private/overlapping-offsets.seq";
    auto r = test::run_slotcheck("replay --model-only --accept-deviation no-such-variant " + file);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("--accept-deviation takes a variant NAME"), std::string::npos) << r.output;
    // Model only: the file's EINVAL | binding-overlap-eexist: EEXIST follows
    // the accepted value, and the acceptance is said.
    r = test::run_slotcheck("replay --model-only --profile linux-6.12-sw-protected --accept-deviation "
                            "binding-overlap-eexist " + file);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("binding-overlap-eexist=on: not measured here; adopted (--accept-deviation)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("linux-6.12-sw-protected+accepted"), std::string::npos) << r.output;
    r = test::run_slotcheck("vm --kernel 6.12 --accept-deviation nope");
    EXPECT_EQ(r.status, 2) << r.output;
}

}  // namespace
}  // namespace slotcheck
