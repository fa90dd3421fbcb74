// The stateful sequence generator of `slotcheck fuzz` (generators/
// stateful_sequence.h): its sequences are valid and round-trip, keep the
// model's invariants, are deterministic per seed, decide every rule of the
// table both ways, reach the boundary situations they aim at (measured from
// the sequences by generators/boundary_census.h), and keep to the memory
// budget a 2 GiB VM can afford.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <chrono>
#include <iostream>
#include <set>

#include "fuzz/campaign.h"
#include "generators/boundary_census.h"
#include "generators/generation_state.h"
#include "generators/stateful_sequence.h"
#include "matrix_kernels.h"
#include "model/deviation.h"
#include "replay/differ.h"
#include "seq/rules.h"
#include "seq/sequence.h"
#include "tools/memory_budget.h"

namespace slotcheck {
namespace {

constexpr int kSize = 100;  // RapidCheck's largest size: max_ops steps at most

Sequence generated(const Profile& profile, uint64_t seed, gen::FuzzShape shape = {}) {
    return gen::stateful_sequence(profile, shape)(rc::Random(seed), kSize).value();
}

ReplayReport model_only(const Sequence& seq, const Profile& profile) {
    ReplayOptions options;
    options.check_expectations = false;
    options.check_invariants = true;
    options.stop_at_first = false;
    return replay(seq, profile, nullptr, options);
}

Profile profile_named(const std::string& name) {
    auto p = named_profile(name);
    if (!p) throw std::runtime_error("no profile " + name);
    return *p;
}

// The kernel inside the qemu VM the real-kernel runs use (docs/testing.md):
// two address spaces, MAXPHYADDR 40 (a far smaller largest gfn and guest
// access limit), 5-level paging, a second VM type.
Profile qemu_kernel_profile() {
    KernelFacts f;
    f.release = "7.3.4";
    f.major = 7;
    f.minor = 3;
    f.cap_user_memory2 = 1;
    f.cap_guest_memfd_vm = 1;
    f.cap_guest_memfd_flags = 3;
    f.cap_vm_types = 0b11;
    f.cap_nr_memslots = 32764;
    f.cap_multi_address_space = 2;
    f.cap_readonly_mem = 1;
    f.tdp_enabled = true;
    f.phys_addr_bits = 40;
    f.guest_phys_addr_bits = 40;
    f.five_level_paging = true;
    return profile_for_kernel(f);
}

rc::Gen<Profile> some_profile() {
    return rc::gen::map(rc::gen::element<std::string>("upstream", "linux-6.12", "linux-7.3", "qemu"),
                        [](const std::string& name) { return name == "qemu" ? qemu_kernel_profile() : profile_named(name); });
}

RC_GTEST_PROP(StatefulGenerator, SequencesValidateAndRoundTrip, ()) {
    const Profile profile = *some_profile();
    const Sequence seq = *gen::stateful_sequence(profile);
    RC_ASSERT(!seq.steps.empty());
    RC_ASSERT(std::holds_alternative<Check>(seq.steps.back().op));
    const auto problem = validate_handles(seq, "generated");
    RC_ASSERT(!problem.has_value());
    const ParseResult parsed = parse(print(seq), "generated");
    RC_ASSERT(!parsed.error.has_value());
    RC_ASSERT(*parsed.sequence == seq);
}

RC_GTEST_PROP(StatefulGenerator, ModelKeepsItsInvariantsAfterEveryStep, ()) {
    const Profile profile = *some_profile();
    const Sequence seq = *gen::stateful_sequence(profile);
    const ReplayReport report = model_only(seq, profile);
    for (const auto& d : report.divergences) {
        RC_LOG() << profile.name << ": " << d.summary() << "\n" << print(seq);
        RC_ASSERT(d.kind != Divergence::Kind::Invariant);
    }
}

RC_GTEST_PROP(StatefulGenerator, StepCountFollowsShapeAndSize, ()) {
    gen::FuzzShape shape;
    shape.max_ops = *rc::gen::inRange<size_t>(2, 200);
    const int size = *rc::gen::inRange(0, 101);
    const Sequence seq = gen::stateful_sequence(upstream_profile(), shape)(rc::Random(size), size).value();
    RC_ASSERT(seq.steps.size() <= std::max<size_t>(2, shape.max_ops));
    RC_ASSERT(seq.steps.size() >= 2u);
}

TEST(StatefulGenerator, SameSeedSameSequenceOtherSeedOtherSequence) {
    const Profile profile = upstream_profile();
    std::set<std::string> distinct;
    constexpr uint64_t kSeeds = 30;
    for (uint64_t seed = 0; seed < kSeeds; ++seed) {
        const std::string first = print(generated(profile, seed));
        EXPECT_EQ(first, print(generated(profile, seed))) << "seed " << seed;
        distinct.insert(first);
    }
    EXPECT_EQ(distinct.size(), kSeeds) << "different seeds gave the same sequence";
}

TEST(StatefulGenerator, InvalidShareFollowsTheShape) {
    // With no implausible operations asked for, far fewer steps are refused
    // than with half of them implausible.
    auto refused = [](int invalid_percent) {
        gen::FuzzShape shape;
        shape.invalid_percent = invalid_percent;
        size_t errors = 0, steps = 0;
        for (uint64_t seed = 0; seed < 40; ++seed) {
            const Sequence seq = generated(upstream_profile(), seed, shape);
            for (const auto& rec : model_only(seq, upstream_profile()).steps) {
                ++steps;
                errors += rec.model.kind == Outcome::Kind::Errno;
            }
        }
        return static_cast<double>(errors) / static_cast<double>(steps);
    };
    const double none = refused(0), half = refused(50);
    std::cout << "refused steps: " << none * 100 << "% with invalid_percent 0, " << half * 100 << "% with 50\n";
    EXPECT_LT(none + 0.1, half);
}

// The profiles under which rules are reachable: every named profile, and
// upstream with each variant flipped (tests/unit_corpus_test.cpp does the same
// for the corpus): gmem.create-unsupported needs a kernel without
// guest_memfd, attrs.unsupported one without the attributes ioctl.
std::vector<Profile> reach_profiles() {
    std::vector<Profile> out;
    for (const auto& name : profile_names()) out.push_back(profile_named(name));
    for (const auto& v : variant_table()) {
        Profile p = upstream_profile();
        p.*(v.field) = !(p.*(v.field));
        p.name = std::string("upstream with ") + v.name + (p.*(v.field) ? "=on" : "=off");
        out.push_back(p);
    }
    return out;
}

TEST(StatefulGenerator, ModelOnlyReplaysDecideEveryRuleBothWays) {
    const auto profiles = reach_profiles();
    std::vector<uint64_t> hits(kRuleCount + 1, 0), passes(kRuleCount, 0);
    auto missing = [&] {
        std::vector<std::string> out;
        for (const auto& r : rule_table()) {
            const size_t i = static_cast<size_t>(r.id);
            if (hits[i] == 0) out.push_back(std::string(r.name) + " (never decides)");
            else if (r.err != 0 && passes[i] == 0) out.push_back(std::string(r.name) + " (never passes)");
        }
        return out;
    };
    constexpr uint64_t kMaxSeeds = 120;
    size_t sequences = 0, steps = 0, complete_after = 0;
    std::chrono::duration<double> generating{}, replaying{};
    for (uint64_t seed = 0; seed < kMaxSeeds && !complete_after; ++seed) {
        for (const auto& profile : profiles) {
            const auto t0 = std::chrono::steady_clock::now();
            const Sequence seq = generated(profile, seed);
            const auto t1 = std::chrono::steady_clock::now();
            const ReplayReport report = model_only(seq, profile);
            generating += t1 - t0;
            replaying += std::chrono::steady_clock::now() - t1;
            ++sequences;
            steps += seq.steps.size();
            for (size_t r = 0; r < kRuleCount; ++r) {
                hits[r] += report.rule_hits[r];
                passes[r] += report.rule_passes[r];
            }
        }
        if (missing().empty()) complete_after = sequences;
    }
    // The numbers docs/fuzzing.md quotes (timing is no target here).
    std::cout << "every rule decided and passed after " << complete_after << " sequences (" << steps << " steps, "
              << profiles.size() << " profiles round robin); generated "
              << static_cast<uint64_t>(sequences / generating.count()) << " sequences/s, replayed on the model "
              << static_cast<uint64_t>(sequences / replaying.count()) << " sequences/s\n";
    std::string list;
    for (const auto& m : missing()) list += "\n  " + m;
    EXPECT_TRUE(list.empty()) << "after " << sequences << " sequences, rules not reached:" << list;
}

TEST(StatefulGenerator, ReachesTheBoundariesItAimsAt) {
    gen::Census total;
    constexpr uint64_t kSeeds = 300;
    for (const char* name : {"upstream", "linux-6.18", "linux-7.3"}) {
        const Profile profile = profile_named(name);
        for (uint64_t seed = 0; seed < kSeeds; ++seed) total.add(gen::take_census(generated(profile, seed), profile));
    }
    std::string never;
    for (size_t i = 0; i < gen::kSituationCount; ++i) {
        const auto s = static_cast<gen::Situation>(i);
        std::cout << "  " << gen::situation_name(s) << ": " << total.count(s) << "\n";
        if (total.count(s) == 0) never += std::string("\n  ") + gen::situation_name(s) + ": " + gen::situation_description(s);
    }
    EXPECT_TRUE(never.empty()) << "situations no sequence reached:" << never;
    // The fallocate modes: allocate and punch with and without KEEP_SIZE on
    // both kinds of file, and many of the other combinations.
    for (uint32_t mode : {0x0u, 0x1u, 0x2u, 0x3u}) {
        EXPECT_TRUE(total.gmem_modes.test(mode)) << "no fallocate mode " << mode << " on a guest_memfd";
        EXPECT_TRUE(total.memfd_modes.test(mode)) << "no fallocate mode " << mode << " on a memfd";
    }
    EXPECT_GE(total.gmem_modes.count(), 24u);
    EXPECT_GE(total.memfd_modes.count(), 24u);
    std::cout << "fallocate modes below 0x100 tried: " << total.gmem_modes.count() << " on guest_memfd, "
              << total.memfd_modes.count() << " on memfd\n";
}

// The sequences one 60 s run of `slotcheck vm` judges on a matrix kernel,
// conservatively: a third of the slowest rate measured in qemu under TCG
// (docs/performance.md: 1,240 sequences in 60 s on Debian's 6.12.118,
// 1,144-1,353 on 7.3.4, 2,067 on the built 6.12; 529 on a busy machine).
constexpr uint64_t kSequencesPerMinute = 400;
// Three such runs per kernel, campaign seeds 1-3.
constexpr uint64_t kMinuteRuns = 3;

// The census of one minute of fuzzing: the campaign's own sequences
// (fuzz::generate_sequence: its seeds, its cycling sizes, the per-sequence
// kernel memory budget of a 2 GiB VM).
gen::Census minute_census(const Profile& profile, uint64_t campaign_seed) {
    gen::Census census;
    const uint64_t budget = cli::vm_kernel_memory_budget(2048);
    for (uint64_t index = 0; index < kSequencesPerMinute; ++index)
        census.add(gen::take_census(fuzz::generate_sequence(profile, campaign_seed, index, 64, budget), profile));
    return census;
}

TEST(BoundaryReach, EverySituationWithinAMinuteOnEveryMatrixKernel) {
    // Every situation the kernel's profile allows appears in each of three
    // minutes of fuzzing, a few times; one the profile rules out never does.
    constexpr uint64_t kAtLeast = 2;
    for (const MatrixKernel& kernel : matrix_kernels()) {
        const Profile profile = profile_with_baseline(kernel.facts);
        std::vector<gen::Census> runs;
        for (uint64_t seed = 1; seed <= kMinuteRuns; ++seed) runs.push_back(minute_census(profile, seed));
        std::cout << kernel.name << " (" << profile.name << "), " << kSequencesPerMinute
                  << " sequences per run, fewest in a run / all runs:\n";
        for (size_t i = 0; i < gen::kSituationCount; ++i) {
            const auto s = static_cast<gen::Situation>(i);
            uint64_t fewest = UINT64_MAX, total = 0;
            for (const auto& c : runs) {
                fewest = std::min(fewest, c.count(s));
                total += c.count(s);
            }
            const auto ruled_out = gen::situation_ruled_out(s, profile);
            std::cout << "  " << gen::situation_name(s) << ": "
                      << (ruled_out ? "ruled out (" + *ruled_out + ")"
                                    : std::to_string(fewest) + " / " + std::to_string(total))
                      << "\n";
            if (ruled_out)
                EXPECT_EQ(total, 0u) << kernel.name << ": " << gen::situation_name(s) << " is ruled out (" << *ruled_out
                                     << ") yet appeared";
            else
                EXPECT_GE(fewest, kAtLeast) << kernel.name << ": " << gen::situation_name(s) << " ("
                                            << gen::situation_description(s) << ") in a minute of fuzzing";
        }
    }
}

TEST(BoundaryReach, OnlyKernelsWithoutABindingVmTypeRuleOutBindings) {
    // The built 6.12 binds on type-1 VMs only, 7.3 on every VM: both must
    // reach every binding situation, F1 among them; Debian's 6.12 cannot.
    const auto bind_f1 = gen::Situation::BindNear2To63Live;
    EXPECT_FALSE(gen::situation_ruled_out(bind_f1, profile_with_baseline(facts_built_6_12())));
    EXPECT_FALSE(gen::situation_ruled_out(bind_f1, profile_with_baseline(facts_debian_7_3())));
    EXPECT_FALSE(gen::situation_ruled_out(bind_f1, profile_named("linux-6.12-sw-protected")));
    EXPECT_TRUE(gen::situation_ruled_out(bind_f1, profile_with_baseline(facts_debian_6_12())));
    EXPECT_TRUE(gen::situation_ruled_out(bind_f1, profile_named("linux-6.12")));
}

TEST(BoundaryReach, ASituationHiddenBehindAnEarlierCheckIsNotCounted) {
    // F1 with every other field valid counts; the same binding with a
    // misaligned gpa (refused before kvm_gmem_bind() is reached) does not.
    // A VM type that binds: type 1 on 6.12, every type on 7.3.
    for (const auto& [name, type] : {std::pair{"linux-6.12-sw-protected", "0x1"}, std::pair{"linux-7.3", "0x0"}}) {
        const std::string live = std::string("slotcheck-sequence 1\nvm v0 type=") + type + R"(
gmem g0 vm=v0 size=0x4000 flags=0x0
region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x7ffffffffffff000
)";
        std::string hidden = live;
        hidden.replace(hidden.find("gpa=0x100000"), 12, "gpa=0x100800");
        const Profile profile = profile_named(name);
        const auto count = [&](const std::string& text) {
            const ParseResult parsed = parse(text, "test");
            EXPECT_TRUE(parsed.sequence.has_value()) << text;
            if (!parsed.sequence) return uint64_t{0};
            return gen::take_census(*parsed.sequence, profile).count(gen::Situation::BindNear2To63Live);
        };
        EXPECT_EQ(count(live), 1u) << name;
        EXPECT_EQ(count(hidden), 0u) << name;
    }
}

TEST(StatefulGenerator, KeepsToTheMemoryBudget) {
    // Measured from the sequences: what fallocate could allocate, how many
    // VMs exist, how many mappings are asked for, how large dirty-logged
    // slots are.
    for (const Profile& profile : {upstream_profile(), profile_named("linux-6.12"), qemu_kernel_profile()}) {
        for (uint64_t seed = 0; seed < 200; ++seed) {
            const Sequence seq = generated(profile, seed);
            uint64_t allocatable = 0, mmaps = 0;
            for (const auto& step : seq.steps) {
                if (const auto* f = std::get_if<Fallocate>(&step.op); f && gen::may_allocate(*f)) {
                    allocatable += f->len;
                    EXPECT_LE(f->len, gen::kLargeAllocationLimit) << print_op(step.op);
                }
                mmaps += std::holds_alternative<Mmap>(step.op);
                if (const auto* r = std::get_if<SetRegion>(&step.op); r && (r->flags & 1)) {
                    EXPECT_LE(r->size / 4096, gen::kDirtyLogPageLimit) << print_op(step.op);
                }
            }
            EXPECT_LE(allocatable, gen::kSmallAllocationBudget + gen::kLargeAllocationLimit)
                << profile.name << " seed " << seed;
            EXPECT_LE(mmaps, gen::kMappingBudget) << profile.name << " seed " << seed;
            const ReplayReport report = model_only(seq, profile);
            EXPECT_LE(report.rule_hits[static_cast<size_t>(RuleId::VmCreate)], 3u) << profile.name << " seed " << seed;
        }
    }
}

}  // namespace
}  // namespace slotcheck
