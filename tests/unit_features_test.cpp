// What a sequence file needs of a kernel (replay/features.h): replay reports a
// file whose written expectations need a feature the kernel lacks as a skip,
// and an emitted C program skips the same way (kselftest, exit 4). A file
// that only shows a feature being refused needs nothing; a file that is
// wrong for another reason still diverges.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "csource/emit_c.h"
#include "replay/differ.h"
#include "replay/features.h"
#include "tests/command_output.h"
#include "tests/json_read.h"
#include "tests/qemu_guest_profile.h"

namespace slotcheck {
namespace {

using test::run_slotcheck;

const std::string kSource = SLOTCHECK_SOURCE_DIR;

Sequence load(const std::string& relative) {
    auto parsed = parse_file(kSource + "/" + relative);
    if (parsed.error) ADD_FAILURE() << parsed.error->to_string();
    return parsed.sequence.value_or(Sequence{});
}

Sequence from_text(const std::string& text) {
    auto parsed = parse("slotcheck-sequence 1\n" + text, "<test>");
    if (parsed.error) ADD_FAILURE() << parsed.error->to_string();
    return parsed.sequence.value_or(Sequence{});
}

std::vector<std::string> names(const std::vector<Feature>& features) {
    std::vector<std::string> out;
    for (const auto& f : features) out.push_back(feature_name(f));
    return out;
}

Profile without(const Profile& base, bool Profile::*field) {
    Profile p = base;
    p.*field = false;
    return p;
}

using Names = std::vector<std::string>;

TEST(Features, AFileNeedsWhatItsExpectationsCannotHoldWithout) {
    const Sequence toggle = load("corpus/region/gmem-toggle-fix.seq");
    // Without the ioctl the first guest_memfd already fails.
    EXPECT_EQ(names(missing_features(toggle, without(upstream_profile(), &Profile::guest_memfd_ioctl))),
              Names{"guest-memfd-ioctl"});
    // 6.12 has the ioctl but neither the MMAP flags nor bindings on a default VM.
    EXPECT_EQ(names(missing_features(toggle, *named_profile("linux-6.12"))),
              (Names{"gmem-on-default-vm", "gmem-mmap"}));
    EXPECT_TRUE(missing_features(toggle, upstream_profile()).empty());
    // corpus/private is written for VM type 1.
    EXPECT_EQ(names(missing_features(load("corpus/private/access-by-attribute.seq"), *named_profile("linux-6.12"))),
              Names{"vm-type-1"});
    EXPECT_TRUE(missing_features(load("corpus/private/access-by-attribute.seq"),
                                 *named_profile("linux-6.12-sw-protected"))
                    .empty());
}

TEST(Features, AnExpectedErrorThatOnlyTheFeatureGivesNeedsItToo) {
    // EINVAL for a zero size comes from kvm_gmem_create(): without the ioctl it is ENOTTY.
    const Sequence seq = from_text("vm v0 type=0x0 => ok\ngmem g0 vm=v0 size=0x0 flags=0x0 => EINVAL\n");
    EXPECT_EQ(names(missing_features(seq, without(upstream_profile(), &Profile::guest_memfd_ioctl))),
              Names{"guest-memfd-ioctl"});
    // An MMAP guest_memfd on a kernel with neither: one step needs both.
    Profile bare = without(without(upstream_profile(), &Profile::guest_memfd_ioctl), &Profile::gmem_mmap);
    const Sequence mmap = from_text("vm v0 type=0x0 => ok\ngmem g0 vm=v0 size=0x1000 flags=0x1 => ok\n");
    EXPECT_EQ(names(missing_features(mmap, bare)), (Names{"guest-memfd-ioctl", "gmem-mmap"}));
}

TEST(Features, AFileThatShowsTheFeatureRefusedNeedsNothing) {
    EXPECT_TRUE(missing_features(load("corpus/limits/gmem-ioctl-absent.seq"),
                                 without(upstream_profile(), &Profile::guest_memfd_ioctl))
                    .empty());
    EXPECT_TRUE(missing_features(load("corpus/attrs/set-memory-attributes.seq"),
                                 without(upstream_profile(), &Profile::memory_attributes_ioctl))
                    .empty());
    // An ioctl on a closed VM is EBADF whether or not the kernel has it.
    const Sequence closed = from_text("vm v0 type=0x0 => ok\nclose v0 => ok\ngmem g0 vm=v0 size=0x1000 flags=0x0 => EBADF\n");
    EXPECT_TRUE(missing_features(closed, without(upstream_profile(), &Profile::guest_memfd_ioctl)).empty());
}

TEST(Features, AContradictionNoFeatureExplainsIsNotANeed) {
    // A wrong expectation: no feature makes a second default VM fail.
    const Sequence wrong = from_text("vm v0 type=0x0 => ok\nvm v1 type=0x0 => EINVAL\n");
    EXPECT_TRUE(missing_features(wrong, *named_profile("linux-6.12")).empty());
    // Wrong before the feature matters: the search ends at the first contradiction.
    const Sequence early = from_text(
        "vm v0 type=0x0 => EINVAL\ngmem g0 vm=v0 size=0x1000 flags=0x3 => ok\n");
    EXPECT_TRUE(missing_features(early, *named_profile("linux-6.12")).empty());
    // Right where the feature matters, wrong after it: the file needs the feature.
    const Sequence later = from_text(
        "vm v0 type=0x0 => ok\ngmem g0 vm=v0 size=0x1000 flags=0x3 => ok\nclose g0 => EBADF\n");
    EXPECT_EQ(names(missing_features(later, *named_profile("linux-6.12"))), Names{"gmem-mmap"});
}

TEST(Features, RequiredFeaturesAreWhatTheExpectationsReadUnderTheProfileNeed) {
    const Sequence toggle = load("corpus/region/gmem-toggle-fix.seq");
    EXPECT_EQ(names(required_features(toggle, *named_profile("linux-7.3"))),
              (Names{"guest-memfd-ioctl", "gmem-on-default-vm", "gmem-mmap"}));
    // Under 7.3 the alternative says ok: the ioctl is needed; where the
    // profile lacks it, the file expects ENOTTY and needs nothing.
    const Sequence absent = load("corpus/limits/gmem-ioctl-absent.seq");
    EXPECT_EQ(names(required_features(absent, *named_profile("linux-7.3"))), Names{"guest-memfd-ioctl"});
    EXPECT_TRUE(required_features(absent, without(upstream_profile(), &Profile::guest_memfd_ioctl)).empty());
    // A file that needs nothing of the kind.
    EXPECT_TRUE(required_features(load("corpus/host/memfd-eof.seq"), *named_profile("linux-7.3")).empty());
}

TEST(Features, AProgramNeedsWhatItsOutcomesNeedEvenWhereTheProfileLacksIt) {
    // corpus/private is written for VM type 1: emitted under linux-7.3 (no
    // type 1) its program still expects `vm v0 type=0x1 => ok`, and skips on
    // a kernel without the type as replay does.
    const auto needs = names(required_features(load("corpus/private/access-by-attribute.seq"), *named_profile("linux-7.3")));
    EXPECT_NE(std::find(needs.begin(), needs.end(), "vm-type-1"), needs.end()) << testing::PrintToString(needs);
    // Under 6.12 the binding is expected to be refused: the program needs the
    // ioctl for its guest_memfd, and not the default-VM binding that would
    // turn the expected EINVAL into a success.
    EXPECT_EQ(names(required_features(load("corpus/bind/gmem-flag-unsupported.seq"), *named_profile("linux-6.12"))),
              Names{"guest-memfd-ioctl"});
}

Profile on_the_qemu_guests(const std::string& release) { return test::on_the_qemu_guests(*named_profile(release)); }

bool names_a_machine_fact(const std::vector<Feature>& features) {
    return std::any_of(features.begin(), features.end(), [](const Feature& f) {
        return f.kind == Feature::Kind::Paging4Level || f.kind == Feature::Kind::Maxphyaddr52;
    });
}

TEST(Features, AFileAtAMachineLimitNeedsTheMachineItIsWrittenFor) {
    const Profile guest = on_the_qemu_guests("linux-7.3");
    EXPECT_EQ(names(missing_features(load("corpus/region/uaddr-range.seq"), guest)), Names{"paging-4-level"});
    EXPECT_EQ(names(missing_features(load("corpus/region/gpa-wrap-and-max-gfn.seq"), guest)), Names{"maxphyaddr-52"});
    EXPECT_EQ(names(missing_features(load("corpus/region/max-pages.seq"), guest)), Names{"maxphyaddr-52"});
    EXPECT_EQ(names(missing_features(load("corpus/bind/check-order.seq"), guest)), Names{"maxphyaddr-52"});
    // The named profiles are such a machine: nothing is missing there.
    EXPECT_TRUE(missing_features(load("corpus/region/uaddr-range.seq"), *named_profile("linux-7.3")).empty());
    // A 4-level machine with a 48-bit MAXPHYADDR has the TASK_SIZE but not the gfns.
    Profile host = *named_profile("linux-7.3");
    KernelFacts facts;
    facts.tdp_enabled = true;
    facts.phys_addr_bits = facts.guest_phys_addr_bits = 48;
    apply_machine_facts(host, facts);
    EXPECT_TRUE(missing_features(load("corpus/region/uaddr-range.seq"), host).empty());
    EXPECT_EQ(names(missing_features(load("corpus/region/gpa-wrap-and-max-gfn.seq"), host)), Names{"maxphyaddr-52"});
    // An emitted program checks the machine too.
    EXPECT_EQ(names(required_features(load("corpus/region/uaddr-range.seq"), *named_profile("linux-7.3"))),
              Names{"paging-4-level"});
}

// Only the four files whose point lies at a machine limit need a machine
// fact on the qemu guests, under every release they run there: the others
// hold their written outcomes on those machines as they are.
TEST(Features, OnlyTheFilesAtAMachineLimitNeedAMachineFactInTheQemuGuests) {
    const std::vector<std::string> at_a_limit = {"corpus/bind/check-order.seq", "corpus/region/gpa-wrap-and-max-gfn.seq",
                                                 "corpus/region/max-pages.seq", "corpus/region/uaddr-range.seq"};
    for (const auto& e : std::filesystem::recursive_directory_iterator(kSource + "/corpus")) {
        if (e.path().extension() != ".seq") continue;
        const std::string relative = std::filesystem::relative(e.path(), kSource).string();
        const bool expected = std::find(at_a_limit.begin(), at_a_limit.end(), relative) != at_a_limit.end();
        const Sequence seq = load(relative);
        // 6.12 lacks guest_memfd on a default VM, which check-order needs first.
        for (const char* release : {"linux-6.18", "linux-7.3"}) {
            const auto missing = missing_features(seq, on_the_qemu_guests(release));
            EXPECT_EQ(names_a_machine_fact(missing), expected) << relative << " under " << release << ": "
                                                               << feature_list(missing);
        }
    }
}

// --- slotcheck replay

TEST(ReplaySkips, AFileNeedingAMissingFeatureIsASkipAndExitsZero) {
    const auto r = run_slotcheck("replay --model-only --variant guest-memfd-ioctl=off " + kSource +
                                 "/corpus/region/gmem-toggle-fix.seq " + kSource + "/corpus/limits/gmem-ioctl-absent.seq");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("skip (needs guest-memfd-ioctl)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("1 passed, 0 failed, 1 skipped"), std::string::npos) << r.output;
}

// The whole corpus on a kernel without guest_memfd: what used to be 53
// divergences are skips that each name the ioctl (or VM type 1, which
// upstream lacks as well), and nothing fails.
TEST(ReplaySkips, TheCorpusWithoutGuestMemfdFailsNothingAndEverySkipNamesTheIoctl) {
    const auto r = run_slotcheck("replay --model-only --variant guest-memfd-ioctl=off " + kSource + "/corpus");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find(" 0 failed, "), std::string::npos) << r.output;
    size_t skips = 0;
    for (size_t at = r.output.find("  skip ("); at != std::string::npos; at = r.output.find("  skip (", at + 1)) {
        ++skips;
        const std::string row = r.output.substr(at, r.output.find('\n', at) - at);
        // corpus/private needs VM type 1 first, which upstream lacks too.
        if (row.find("vm-type-1") == std::string::npos) {
            EXPECT_NE(row.find("needs guest-memfd-ioctl"), std::string::npos) << row;
        }
    }
    EXPECT_GT(skips, 40u) << r.output;
    EXPECT_NE(r.output.find(", " + std::to_string(skips) + " skipped"), std::string::npos) << r.output;
}

TEST(ReplaySkips, UnderLinux612TheNeedsAreNamedAndADivergenceStillFails) {
    // A file wrong for 6.12 in a way no feature explains, next to one that needs features.
    const std::string dir = testing::TempDir();
    const std::string wrong = dir + "/wrong.seq";
    std::ofstream(wrong) << "slotcheck-sequence 1\nvm v0 type=0x0 => ok\nvm v1 type=0x0 => EINVAL\n";
    const auto r = run_slotcheck("replay --model-only --profile linux-6.12 --json - " + kSource +
                                 "/corpus/region/gmem-toggle-fix.seq " + wrong);
    EXPECT_EQ(r.status, 1) << r.output;
    std::string error;
    const test::json doc = test::parse_document(r.output, "slotcheck.replay/1", error);
    ASSERT_FALSE(doc.is_discarded()) << error << "\n" << r.output;
    ASSERT_EQ(doc["files"].size(), 2u) << r.output;
    const test::json& skipped = doc["files"][0];
    EXPECT_EQ(skipped["verdict"], "skip") << r.output;
    EXPECT_EQ(skipped["steps"], 0) << r.output;
    EXPECT_EQ(skipped["observations"], 0) << r.output;
    EXPECT_EQ(skipped["needs"], test::json({"gmem-on-default-vm", "gmem-mmap"})) << r.output;
    EXPECT_EQ(doc["files"][1]["verdict"], "diverge") << r.output;
    EXPECT_EQ(doc["totals"],
              test::json({{"passed", 0}, {"failed", 1}, {"skipped", 1}, {"not_reached", 0}, {"flaky", 0}}))
        << r.output;
}

TEST(ReplaySkips, IgnoringExpectationsStillSkipsWhatTheKernelCannotRun) {
    const auto r = run_slotcheck("replay --model-only --profile linux-6.12 --ignore-expectations " + kSource +
                                 "/corpus/private/access-by-attribute.seq");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("skip (needs vm-type-1)"), std::string::npos) << r.output;
}

// --- slotcheck emit-c

TEST(EmitCSkips, AProgramAsksForWhatItNeedsAndSkipsWithoutIt) {
    const Sequence toggle = load("corpus/region/gmem-toggle-fix.seq");
    const auto result = emit_c(toggle, *named_profile("linux-7.3"), EmitCSource{"toggle.seq", print(toggle)});
    EXPECT_EQ(names(result.needs), (Names{"guest-memfd-ioctl", "gmem-on-default-vm", "gmem-mmap"}));
    EXPECT_NE(result.program.find("{SC_FEATURE_GUEST_MEMFD, 0, \"guest-memfd-ioctl\"}"), std::string::npos);
    EXPECT_NE(result.program.find("{SC_FEATURE_GMEM_MMAP, 0, \"gmem-mmap\"}"), std::string::npos);
    EXPECT_NE(result.program.find("sc_begin(" + std::to_string(result.tests) + ", needs,"), std::string::npos);
    // The prelude's skip: every test a kselftest skip, then exit 4.
    EXPECT_NE(result.program.find("printf(\"ok %d # SKIP needs %s\\n\", t, missing);"), std::string::npos);
    EXPECT_NE(result.program.find("exit(KSFT_SKIP);"), std::string::npos);

    const Sequence memfd = load("corpus/host/memfd-eof.seq");
    const auto plain = emit_c(memfd, *named_profile("linux-7.3"), EmitCSource{"memfd.seq", print(memfd)});
    EXPECT_TRUE(plain.needs.empty());
    EXPECT_NE(plain.program.find("sc_begin(" + std::to_string(plain.tests) + ", NULL, 0);"), std::string::npos);
}

// The program's run-time check against a fake /dev/kvm: the emitted program
// is compiled with open() and ioctl() replaced, so a kernel with or without
// guest_memfd can be played without one. The fake answers the feature
// questions and ends the program at the first ioctl of a step.
const char* const kFakeKernel = R"(
static int fake_has_gmem;

int fake_open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	return 100;
}

int fake_ioctl(int fd, unsigned long request, ...)
{
	static int scratch_vms;

	(void)fd;
	if (request == SC_KVM_GET_API_VERSION)
		return SC_KVM_API_VERSION;
	if (request == SC_KVM_CHECK_EXTENSION)
		return fake_has_gmem ? 3 : 0;
	if (request == SC_KVM_CREATE_VM && scratch_vms++ < 3)
		return 101;
	if (request == SC_KVM_CREATE_GUEST_MEMFD && !fake_has_gmem) {
		errno = ENOTTY;
		return -1;
	}
	if (request == SC_KVM_CREATE_GUEST_MEMFD) {
		errno = EINVAL;
		return -1;
	}
	printf("fake: a step ran\n");
	fflush(stdout);
	_exit(42);
}

int main(void)
{
	fake_has_gmem = getenv("FAKE_HAS_GMEM") != NULL;
	return sc_main();
}
)";

TEST(EmitCSkips, TheProgramSkipsOnAKernelWithoutWhatItNeedsAndRunsOnOneWithIt) {
    const Sequence toggle = load("corpus/region/gmem-toggle-fix.seq");
    const auto result = emit_c(toggle, *named_profile("linux-7.3"), EmitCSource{"toggle.seq", print(toggle)});
    const std::string dir = testing::TempDir();
    const std::string c = dir + "/fake-kernel-toggle.c", exe = dir + "/fake-kernel-toggle";
    {
        std::ofstream out(c);
        out << "#define open fake_open\n#define ioctl fake_ioctl\n#define main sc_main\n"
            << result.program << "#undef main\n" << kFakeKernel;
    }
    const auto built = test::run_command(std::string(SLOTCHECK_C_COMPILER) + " -O0 -U_FORTIFY_SOURCE -std=gnu11 -o " +
                                         exe + " " + c);
    ASSERT_EQ(built.status, 0) << built.output;

    const auto without = test::run_command(exe);
    EXPECT_EQ(without.status, 4) << without.output;
    const std::string reason = " # SKIP needs guest-memfd-ioctl, gmem-on-default-vm, gmem-mmap\n";
    EXPECT_NE(without.output.find("1.." + std::to_string(result.tests) + "\nok 1" + reason), std::string::npos)
        << without.output;
    EXPECT_NE(without.output.find("ok " + std::to_string(result.tests) + reason), std::string::npos) << without.output;
    EXPECT_NE(without.output.find("skip:" + std::to_string(result.tests)), std::string::npos) << without.output;
    EXPECT_EQ(without.output.find("not ok"), std::string::npos) << without.output;
    EXPECT_EQ(without.output.find("Bail out"), std::string::npos) << without.output;

    const auto with = test::run_command("FAKE_HAS_GMEM=1 " + exe);
    EXPECT_EQ(with.status, 42) << with.output;
    EXPECT_EQ(with.output.find("SKIP"), std::string::npos) << with.output;
    EXPECT_NE(with.output.find("1.." + std::to_string(result.tests) + "\n"), std::string::npos) << with.output;
}

}  // namespace
}  // namespace slotcheck
