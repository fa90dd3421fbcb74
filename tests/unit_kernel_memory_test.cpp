// The kernel memory budget (model/kernel_memory.h): the cost facts on known
// slots, the World's running total through create, move, flag change,
// delete, attributes and VM close, the model's scan over a sequence, and
// the size option's parser.
#include <gtest/gtest.h>
#include <unistd.h>
#include <rapidcheck.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "generators/generation_state.h"
#include "generators/stateful_sequence.h"
#include "model/kernel_memory.h"
#include "model/world.h"
#include "replay/minimize.h"
#include "tests/command_output.h"

namespace slotcheck {
namespace {

constexpr uint64_t kGiB = 1ull << 30, kMiB = 1ull << 20;

Sequence parsed(const std::string& body) {
    auto r = parse("slotcheck-sequence 1\n" + body);
    EXPECT_FALSE(r.error) << r.error->to_string();
    return *r.sequence;
}

Profile with_mmu(MmuKind mmu, const std::string& name = "upstream") {
    Profile p = *named_profile(name);
    p.mmu = mmu;
    return p;
}

// The slot: 2^31 - 1 pages (size 0x7fffffff000) at gpa 2^44.
constexpr uint64_t kMaxPages = (1ull << 31) - 1;
constexpr uint64_t kBase = 1ull << 32;  // gfn of gpa 2^44

TEST(KernelMemoryFacts, EightTebibyteSlotUnderShadowPagingCostsAboutTwentyGibibytes) {
    const SlotMemory m = slot_memory(MmuKind::Shadow, kBase, kMaxPages, 0);
    // 4 KiB rmap: one 8-byte head per page, 16 GiB less 8 bytes.
    EXPECT_EQ(m.rmap, (kMaxPages + (1ull << 22) + (1ull << 13)) * 8);
    EXPECT_EQ(m.rmap / kGiB, 16u);
    // Write tracking: 2 bytes per page; lpage_info: 4 bytes per 2M and 1G frame.
    EXPECT_EQ(m.write_track, kMaxPages * 2);
    EXPECT_EQ(m.lpage_info, ((1ull << 22) + (1ull << 13)) * 4);
    EXPECT_EQ(m.dirty_bitmap, 0u);
    EXPECT_GT(m.total(), 20 * kGiB);
    EXPECT_LT(m.total(), 21 * kGiB);
}

TEST(KernelMemoryFacts, TheTdpMmuAllocatesNoReverseMapsButLargePageInfo) {
    const SlotMemory m = slot_memory(MmuKind::TdpMmu, kBase, kMaxPages, 0);
    EXPECT_EQ(m.rmap, 0u);
    EXPECT_EQ(m.write_track, 0u);
    EXPECT_EQ(m.lpage_info, ((1ull << 22) + (1ull << 13)) * 4);  // 16 MiB and change
    EXPECT_LT(m.total(), 17 * kMiB);
    // The legacy TDP MMU (kvm.tdp_mmu=N) has reverse maps, not write tracking.
    const SlotMemory legacy = slot_memory(MmuKind::LegacyTdp, kBase, kMaxPages, 0);
    EXPECT_EQ(legacy.rmap, m.lpage_info * 2 + kMaxPages * 8);
    EXPECT_EQ(legacy.write_track, 0u);
}

TEST(KernelMemoryFacts, FramesCountWhatTheSlotTouchesNotItsSize) {
    // One page straddles nothing; two pages across a 2 MiB boundary touch
    // two 2 MiB frames (gfn_to_index of the last page + 1).
    EXPECT_EQ(slot_memory(MmuKind::Shadow, 0, 1, 0).rmap, 3 * 8u);
    EXPECT_EQ(slot_memory(MmuKind::Shadow, 511, 2, 0).rmap, (2 + 2 + 1) * 8u);
    EXPECT_EQ(slot_memory(MmuKind::Shadow, 511, 2, 0).lpage_info, (2 + 1) * 4u);
    EXPECT_EQ(slot_memory(MmuKind::Shadow, 0, 0, 0).total(), 0u);
}

TEST(KernelMemoryFacts, DirtyBitmapIsTwoBitmapsOfWholeLongs) {
    EXPECT_EQ(slot_memory(MmuKind::TdpMmu, 0, 1, kMemLogDirtyPages).dirty_bitmap, 16u);
    EXPECT_EQ(slot_memory(MmuKind::TdpMmu, 0, 64, kMemLogDirtyPages).dirty_bitmap, 16u);
    EXPECT_EQ(slot_memory(MmuKind::TdpMmu, 0, 65, kMemLogDirtyPages).dirty_bitmap, 32u);
    EXPECT_EQ(slot_memory(MmuKind::TdpMmu, 0, kMaxPages, kMemLogDirtyPages).dirty_bitmap, 512 * kMiB);
}

TEST(KernelMemoryFacts, EveryFactNamesItsKernelFunction) {
    ASSERT_EQ(memory_fact_table().size(), static_cast<size_t>(MemoryFactId::Count));
    for (const auto& f : memory_fact_table()) {
        EXPECT_NE(std::string(f.source).find("()"), std::string::npos) << f.name;
        EXPECT_FALSE(std::string(f.cost).empty()) << f.name;
    }
    EXPECT_STREQ(memory_fact(MemoryFactId::Rmap).name, "memslot.rmap");
}

TEST(KernelMemoryFacts, ProfileForKernelTakesTheMmuFromTheFacts) {
    KernelFacts f;
    f.kvm_module = "kvm_pvm";
    EXPECT_EQ(profile_for_kernel(f).mmu, MmuKind::Shadow);
    f.tdp_enabled = true;
    EXPECT_EQ(profile_for_kernel(f).mmu, MmuKind::TdpMmu);
    f.tdp_mmu = false;
    EXPECT_EQ(profile_for_kernel(f).mmu, MmuKind::LegacyTdp);
    for (const auto& name : profile_names()) EXPECT_EQ(named_profile(name)->mmu, MmuKind::TdpMmu) << name;
}

// The running total, step by step, against slot_memory() of each slot.
class RunningTotal : public ::testing::Test {
protected:
    uint64_t step(const std::string& line) {
        const Sequence s = parsed(prefix_ + line + "\n");
        prefix_ += line + "\n";
        world_.step(s.steps.back().op);
        return world_.kernel_memory();
    }
    uint64_t cost(uint64_t gpa, uint64_t size, uint32_t flags = 0) const {
        return slot_memory(world_.profile().mmu, gpa >> 12, size >> 12, flags).total();
    }
    uint64_t harness() const { return cost(kHarnessGpa, kHarnessSize); }

    World world_{with_mmu(MmuKind::Shadow)};
    std::string prefix_;
};

TEST_F(RunningTotal, CreateFlagChangeMoveDeleteAndClose) {
    EXPECT_EQ(world_.kernel_memory(), 0u);
    EXPECT_EQ(step("vm v0 type=0x0"), harness());
    const uint64_t base = harness();
    EXPECT_EQ(step("region v0 slot=0x1 flags=0x0 gpa=0x100000000 size=0x40000000 uaddr=0x1000"),
              base + cost(0x100000000, 0x40000000));
    // Dirty logging on: the bitmap comes; off: it goes.
    EXPECT_EQ(step("region v0 slot=0x1 flags=0x1 gpa=0x100000000 size=0x40000000 uaddr=0x1000"),
              base + cost(0x100000000, 0x40000000, kMemLogDirtyPages));
    EXPECT_EQ(step("region v0 slot=0x1 flags=0x0 gpa=0x100000000 size=0x40000000 uaddr=0x1000"),
              base + cost(0x100000000, 0x40000000));
    // A move to a misaligned base touches one more 2 MiB and 1 GiB frame;
    // during the move both sets of metadata are held.
    EXPECT_EQ(step("region v0 slot=0x1 flags=0x0 gpa=0x100001000 size=0x40000000 uaddr=0x1000"),
              base + cost(0x100001000, 0x40000000));
    EXPECT_GT(cost(0x100001000, 0x40000000), cost(0x100000000, 0x40000000));
    EXPECT_EQ(world_.last_step_peak(), base + cost(0x100000000, 0x40000000) +
                                           slot_memory(MmuKind::Shadow, 0x100001, 0x40000, 0).arch() + 512);
    // A failing request (overlap) allocates nothing.
    EXPECT_EQ(step("region v0 slot=0x2 flags=0x0 gpa=0x100000000 size=0x40000000 uaddr=0x1000"),
              base + cost(0x100001000, 0x40000000));
    EXPECT_EQ(world_.last_step_peak(), world_.kernel_memory());
    EXPECT_EQ(step("region v0 slot=0x1 flags=0x0 gpa=0x0 size=0x0 uaddr=0x0"), base);
    EXPECT_EQ(step("region v0 slot=0x3 flags=0x0 gpa=0x200000000 size=0x1000 uaddr=0x1000"), base + cost(0, 0x1000));
    EXPECT_EQ(step("close v0"), 0u);
    EXPECT_EQ(world_.vms().at(0).kernel_memory, 0u);
}

TEST_F(RunningTotal, AGuestMemfdKeepsAClosedVmAndItsSlotsAlive) {
    step("vm v0 type=0x0");
    step("gmem g0 vm=v0 size=0x4000 flags=0x0");
    const uint64_t with_slot = step("region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0");
    EXPECT_EQ(with_slot, harness() + cost(0x100000, 0x2000, kMemGuestMemfd));
    EXPECT_EQ(step("close v0"), with_slot);  // g0 holds a reference on the VM
    EXPECT_EQ(step("close g0"), 0u);          // kvm_gmem_release() drops the last one
}

TEST_F(RunningTotal, AFailedMaxGfnCreateHoldsItsDirtyBitmapForAMoment) {
    step("vm v0 type=0x0");
    // Past kvm_mmu_max_gfn() (2^40 - 1 upstream): EINVAL after the bitmap.
    step("region v0 slot=0x1 flags=0x1 gpa=0xfffffffff000000 size=0x40000000 uaddr=0x1000");
    EXPECT_EQ(world_.kernel_memory(), harness());
    EXPECT_EQ(world_.last_step_peak(), harness() + slot_memory(MmuKind::Shadow, 0, 0x40000, kMemLogDirtyPages).dirty_bitmap);
}

TEST(KernelMemoryAttributes, PrivateRangesCostTheirXarrayUntilMadeShared) {
    World world(with_mmu(MmuKind::TdpMmu, "linux-6.12-sw-protected"));
    const Sequence s = parsed(
        "vm v0 type=0x1\n"
        "attrs v0 gpa=0x0 size=0x40000000 attrs=0x8 flags=0x0\n"
        "attrs v0 gpa=0x0 size=0x40000000 attrs=0x8 flags=0x0\n"
        "attrs v0 gpa=0x0 size=0x40000000 attrs=0x0 flags=0x0\n");
    world.step(s.steps[0].op);
    const uint64_t vm_only = world.kernel_memory();
    world.step(s.steps[1].op);
    const uint64_t private_gib = world.kernel_memory() - vm_only;
    // 2^18 gfns: ~9 bytes each.
    EXPECT_EQ(private_gib, attribute_memory(1ull << 18, 1));
    EXPECT_GT(private_gib, (1ull << 18) * 9);
    EXPECT_LT(private_gib, (1ull << 18) * 10);
    // The same attributes again: the kernel returns early, nothing reserved.
    world.step(s.steps[2].op);
    EXPECT_EQ(world.last_step_peak(), world.kernel_memory());
    // Shared again: the entries are erased.
    world.step(s.steps[3].op);
    EXPECT_EQ(world.kernel_memory(), vm_only);
}

TEST(KernelMemoryScan, FindsTheFirstStepOverTheLimitByTheModelsOwnRun) {
    const Sequence s = parsed(
        "vm v0 type=0x0\n"
        "# fails: overlaps the harness slot, so it allocates nothing\n"
        "region v0 slot=0x1 flags=0x0 gpa=0x0 size=0x7fffffff000 uaddr=0x1000\n"
        "region v0 slot=0x1 flags=0x0 gpa=0x100000000000 size=0x7fffffff000 uaddr=0x1000\n");
    const Profile shadow = with_mmu(MmuKind::Shadow);
    auto over = first_step_over(s, shadow, kGiB);
    ASSERT_TRUE(over);
    EXPECT_EQ(over->step, 2u);
    EXPECT_GT(over->bytes, 20 * kGiB);
    EXPECT_EQ(peak_kernel_memory(s, shadow), over->bytes);
    // The same file under the TDP MMU stays far below 1 GiB.
    EXPECT_FALSE(first_step_over(s, with_mmu(MmuKind::TdpMmu), kGiB));
    EXPECT_LT(peak_kernel_memory(s, with_mmu(MmuKind::TdpMmu)), 20 * kMiB);
}

// Generated sequences under shadow paging (the costliest MMU) with a
// small budget: no step of any of them may hold more. Without the budget
// some do (the generator aims at the largest slots), so the test bites.
TEST(KernelMemoryGeneration, SequencesStayWithinASmallBudgetOverManySeeds) {
    const Profile shadow = with_mmu(MmuKind::Shadow);
    // 1 MiB: a 2^18-page slot (one of the generator's sizes) holds ~2.6 MB.
    constexpr uint64_t kBudget = 1 * kMiB;
    gen::FuzzShape budgeted;
    budgeted.kernel_memory_budget = kBudget;
    gen::FuzzShape unlimited;
    unlimited.kernel_memory_budget = UINT64_MAX;
    size_t over_without_budget = 0, region_steps = 0;
    for (uint64_t seed = 1; seed <= 300; ++seed) {
        const Sequence seq = gen::stateful_sequence(shadow, budgeted)(rc::Random(seed), 100).value();
        EXPECT_LE(peak_kernel_memory(seq, shadow), kBudget) << "seed " << seed << "\n" << print(seq);
        for (const auto& st : seq.steps) region_steps += std::holds_alternative<SetRegion>(st.op);
        const Sequence free_seq = gen::stateful_sequence(shadow, unlimited)(rc::Random(seed), 100).value();
        over_without_budget += peak_kernel_memory(free_seq, shadow) > kBudget;
    }
    EXPECT_GT(over_without_budget, 10u);
    EXPECT_GT(region_steps, 1000u);  // the budget shrinks requests, it does not starve the region family
}

// The request: a 2^31 - 1 page slot the kernel accepts. Under a
// 1 GiB budget it is halved until it fits; one page more (which
// kvm_set_memory_region() refuses before allocating anything) stays as it
// was: boundary sizes are still generated where they fail.
TEST(KernelMemoryGeneration, AnAcceptedOverBudgetSlotIsHalvedAFailingOneKept) {
    gen::GenerationState state(with_mmu(MmuKind::Shadow), 2, kGiB);
    const Sequence s = parsed(
        "vm v0 type=0x0\n"
        "region v0 slot=0x1 flags=0x0 gpa=0x100000000000 size=0x80000000000 uaddr=0x1000\n"
        "region v0 slot=0x1 flags=0x0 gpa=0x100000000000 size=0x7fffffff000 uaddr=0x1000\n");
    ASSERT_TRUE(state.apply_within_budget(s.steps[0].op));
    const auto failing = state.apply_within_budget(s.steps[1].op);
    ASSERT_TRUE(failing);
    EXPECT_EQ(*failing, s.steps[1].op);
    const uint64_t before = state.world().kernel_memory();
    const auto fitted = state.apply_within_budget(s.steps[2].op);
    ASSERT_TRUE(fitted);
    const auto& r = std::get<SetRegion>(*fitted);
    EXPECT_LT(r.size, 0x7fffffff000u);
    EXPECT_GE(r.size, 0x7fffffff000u / 64);  // halved five times, not emptied
    EXPECT_LE(state.world().kernel_memory(), kGiB);
    EXPECT_GT(state.world().kernel_memory(), before);
    // A move of that slot cannot shrink (its size is fixed): it is refused
    // if it would not fit, and the state stays as it was.
    const uint64_t held = state.world().kernel_memory();
    gen::GenerationState tight(with_mmu(MmuKind::Shadow), 2, held + 4096);
    ASSERT_TRUE(tight.apply_within_budget(s.steps[0].op));
    ASSERT_TRUE(tight.apply_within_budget(*fitted));
    SetRegion move = r;
    move.gpa += 0x40000000000ull;
    EXPECT_FALSE(tight.apply_within_budget(move));
    EXPECT_EQ(tight.world().kernel_memory(), held);
}

TEST(KernelMemoryGeneration, ABudgetThatNeverBindsLeavesSequencesAsTheyWere) {
    // Under the TDP MMU the largest slot holds ~16 MiB: 1 GiB never binds.
    const Profile tdp = with_mmu(MmuKind::TdpMmu);
    gen::FuzzShape unlimited;
    unlimited.kernel_memory_budget = UINT64_MAX;
    for (uint64_t seed = 1; seed <= 50; ++seed)
        EXPECT_EQ(print(gen::stateful_sequence(tdp, {})(rc::Random(seed), 100).value()),
                  print(gen::stateful_sequence(tdp, unlimited)(rc::Random(seed), 100).value()));
}

// The claim "a shrink candidate comes from the budgeted sequence, so it can
// only lower the total" is false: dropping a delete keeps two large slots
// alive at once, and dropping the step that made a create fail lets it
// succeed. Shrinking therefore checks every candidate (fuzz/shrink.cpp,
// minimize's Judge) with first_step_over() before it runs.
TEST(KernelMemoryShrinking, ACandidateCanHoldMoreThanTheSequenceItCameFrom) {
    const Profile shadow = with_mmu(MmuKind::Shadow);
    const Sequence seq = parsed(
        "vm v0 type=0x0\n"
        "region v0 slot=0x1 flags=0x0 gpa=0x100000000 size=0x40000000 uaddr=0x1000\n"
        "region v0 slot=0x1 flags=0x0 gpa=0x0 size=0x0 uaddr=0x0\n"
        "region v0 slot=0x2 flags=0x0 gpa=0x200000000 size=0x40000000 uaddr=0x1000\n"
        "check\n");
    const uint64_t input_peak = peak_kernel_memory(seq, shadow);
    uint64_t largest_candidate = 0, largest_judged = 0;
    MinimizeOptions options;
    auto still_fails = [&](const Sequence& c) {
        const uint64_t peak = peak_kernel_memory(c, shadow);
        largest_candidate = std::max(largest_candidate, peak);
        if (first_step_over(c, shadow, input_peak)) return false;  // the guard shrinking uses
        largest_judged = std::max(largest_judged, peak);
        // "Fails" while both creates are in it.
        return std::count_if(c.steps.begin(), c.steps.end(), [](const Step& st) {
                   const auto* r = std::get_if<SetRegion>(&st.op);
                   return r && r->size != 0;
               }) == 2;
    };
    minimize(seq, still_fails, options);
    EXPECT_GT(largest_candidate, input_peak);
    EXPECT_LE(largest_judged, input_peak);
}

TEST(KernelMemorySize, ParsesSuffixesHexAndDecimal) {
    EXPECT_EQ(parse_memory_size("1G"), kGiB);
    EXPECT_EQ(parse_memory_size("512m"), 512 * kMiB);
    EXPECT_EQ(parse_memory_size("4K"), 4096u);
    EXPECT_EQ(parse_memory_size("2T"), 2ull << 40);
    EXPECT_EQ(parse_memory_size("0x40000000"), kGiB);
    EXPECT_EQ(parse_memory_size("1073741824"), kGiB);
    EXPECT_FALSE(parse_memory_size(""));
    EXPECT_FALSE(parse_memory_size("G"));
    EXPECT_FALSE(parse_memory_size("1.5G"));
    EXPECT_FALSE(parse_memory_size("-1"));
    EXPECT_FALSE(parse_memory_size("99999999999T"));
    EXPECT_EQ(describe_bytes(kGiB), "1.0 GiB (1073741824 bytes)");
}

// The CLI refuses, before /dev/kvm is even looked for, a file the model
// expects to hold more than the limit: a dirty-logged 1 GiB slot holds at
// least its 64 KiB bitmap under every MMU (the VM with its harness slot
// under 6 KiB), so 32K is over on any machine at that step,
// and 64M (at most ~2.7 MB even under shadow paging) lets it through.
class KernelMemoryCli : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (std::filesystem::temp_directory_path() /
                 ("slotcheck-budget-" + std::to_string(::getpid()) + ".seq")).string();
        std::ofstream(path_) << "slotcheck-sequence 1\n"
                                "vm v0 type=0x0 => ok\n"
                                "# a 1 GiB slot with dirty logging\n"
                                "region v0 slot=0x1 flags=0x1 gpa=0x100000000 size=0x40000000 uaddr=0x1000 => ok\n"
                                "region v0 slot=0x1 flags=0x0 gpa=0x0 size=0x0 uaddr=0x0 => ok\n";
    }
    void TearDown() override { std::filesystem::remove(path_); }
    std::string path_;
};

TEST_F(KernelMemoryCli, ReplayRefusesAStepOverTheLimitNamingFileLineStepAndBytes) {
    const auto r = test::run_slotcheck("replay --allow-kernel-memory 32K " + path_);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(path_ + ":4: step 2 (region v0 slot=0x1 flags=0x1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("of kernel memory"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("over the limit of 32.0 KiB (32768 bytes)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(" bytes) of kernel memory"), std::string::npos) << r.output;
}

TEST_F(KernelMemoryCli, AllowKernelMemoryLetsTheFileThrough) {
    const auto r = test::run_slotcheck("replay --allow-kernel-memory 64M " + path_);
    EXPECT_NE(r.status, 2) << r.output;  // 0 or 1 with /dev/kvm, 3 without
    EXPECT_EQ(r.output.find("of kernel memory"), std::string::npos) << r.output;
}

TEST_F(KernelMemoryCli, ModelOnlyReplayNeedsNoBudget) {
    const auto r = test::run_slotcheck("replay --model-only --allow-kernel-memory 32K " + path_);
    EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(KernelMemoryCli, MinimizeRefusesTheInputBeforeJudgingIt) {
    const auto r = test::run_slotcheck("minimize --allow-kernel-memory 32K " + path_);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("slotcheck minimize: " + path_ + ":4: step 2"), std::string::npos) << r.output;
}

TEST_F(KernelMemoryCli, VmReplayRefusesTheFileBeforeAnyVmBoots) {
    // A kernel that could not boot: the refusal must come before it is tried.
    const std::string kernel = path_ + ".bzImage", out = path_ + ".vm-out";
    std::ofstream(kernel) << "not a kernel";
    const auto r = test::run_slotcheck("vm --kernel " + kernel + " --replay " + path_ +
                                       " --allow-kernel-memory 32K --out " + out);
    std::filesystem::remove(kernel);
    std::filesystem::remove_all(out);
    if (r.status == 3) GTEST_SKIP() << "slotcheck vm cannot start here: " << r.output;
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("slotcheck vm: " + path_ + ":4: step 2"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("(tdp-mmu MMU, profile upstream)"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("boot 0"), std::string::npos) << r.output;
}

TEST_F(KernelMemoryCli, BadSizesAreBadInput) {
    for (const std::string args : {"fuzz --model-only --kernel-memory-budget 0", "fuzz --kernel-memory-budget 1.5G",
                                   "replay --allow-kernel-memory", "minimize --allow-kernel-memory -1 x.seq"}) {
        const auto r = test::run_slotcheck(args);
        EXPECT_EQ(r.status, 2) << args << ": " << r.output;
        EXPECT_NE(r.output.find("kernel-memory"), std::string::npos) << args << ": " << r.output;
    }
}

}  // namespace
}  // namespace slotcheck
