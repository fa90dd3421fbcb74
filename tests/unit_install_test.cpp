// `cmake --install` into a fresh prefix (docs/install.md): the installed
// slotcheck finds its VM runner, kernel scripts and mutant patches under
// PREFIX/share/slotcheck by its own location, never in the source tree it was
// built from, and works from there. Each test installs into a prefix of its
// own (ctest runs them as separate processes) and runs the installed binary
// with $SLOTCHECK_SOURCE_DIR unset, so only the binary's own lookup can find
// the files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "tests/command_output.h"
#include "tests/scratch_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace slotcheck;

const fs::path kSource = SLOTCHECK_SOURCE_DIR;

class InstalledSlotcheck : public ::testing::Test {
protected:
    void SetUp() override {
        const auto r = test::run_command(std::string(SLOTCHECK_CMAKE) + " --install " + SLOTCHECK_BUILD_DIR +
                                         " --prefix " + prefix().string());
        ASSERT_EQ(r.status, 0) << r.output;
    }

    fs::path prefix() const { return scratch_.path / "prefix"; }
    fs::path resources() const { return prefix() / "share/slotcheck"; }

    // The installed slotcheck, with no $SLOTCHECK_SOURCE_DIR to point it anywhere.
    test::CommandOutput installed(const std::string& args) const {
        return test::run_command("env -u SLOTCHECK_SOURCE_DIR -u SLOTCHECK_STATIC_BINARY " +
                                 (prefix() / "bin/slotcheck").string() + " " + args);
    }

    test::ScratchDir scratch_{"install-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())};
};

TEST_F(InstalledSlotcheck, FindsItsRunnerAndStaticBinaryUnderThePrefix) {
    const auto r = installed("vm --print-resource-dir");
    EXPECT_NE(r.output.find("resources: " + resources().string() + " (installed)\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("runner: " + (resources() / "harness/vm/run").string() + "\n"), std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find(kSource.string()), std::string::npos) << "the installed binary names its source tree:\n"
                                                                   << r.output;
#if SLOTCHECK_INSTALLS_STATIC
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("static slotcheck: " + (prefix() / "bin/slotcheck-static").string() + "\n"),
              std::string::npos)
        << r.output;
#else  // a sanitizer tree builds no static binary (CMakeLists.txt)
    EXPECT_EQ(r.status, 3) << r.output;
    EXPECT_NE(r.output.find("static slotcheck: none\n"), std::string::npos) << r.output;
#endif
}

TEST_F(InstalledSlotcheck, InstallsEveryScriptTheCommandsRun) {
    for (const char* program : {"harness/vm/run", "harness/vm/make-initramfs", "scripts/fetch-kernel",
                                "scripts/build-kernel", "scripts/mutate-kernel", "scripts/install-deps"})
        EXPECT_EQ(access((resources() / program).c_str(), X_OK), 0) << program << " is not installed executable";
    EXPECT_TRUE(fs::is_regular_file(resources() / "scripts/lib/private-apt.sh"));
}

TEST_F(InstalledSlotcheck, MutateKernelListsEveryPatchOfTheTree) {
    std::set<std::string> in_tree, listed;
    for (const auto& e : fs::directory_iterator(kSource / "scripts/mutants"))
        if (e.path().extension() == ".patch") in_tree.insert(e.path().stem().string());
    ASSERT_FALSE(in_tree.empty());
    const auto r = test::run_command((resources() / "scripts/mutate-kernel").string() + " --list");
    ASSERT_EQ(r.status, 0) << r.output;
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) listed.insert(line.substr(0, line.find(' ')));
    EXPECT_EQ(listed, in_tree) << r.output;
}

TEST_F(InstalledSlotcheck, ReplaysACorpusFileOnTheModel) {
    const fs::path file = scratch_.path / "close-twice.seq";
    fs::copy_file(kSource / "corpus/gmem/close-twice.seq", file);
    const auto r = installed("replay --model-only " + file.string());
    EXPECT_EQ(r.status, 0) << r.output;
    const auto help = installed("vm --help");
    EXPECT_EQ(help.status, 0) << help.output;
    EXPECT_NE(help.output.find("--print-resource-dir"), std::string::npos) << help.output;
}

TEST_F(InstalledSlotcheck, EnvironmentOverridesTheInstalledResources) {
    const fs::path elsewhere = scratch_.path / "elsewhere";
    fs::create_directories(elsewhere);
    const auto r = test::run_command("SLOTCHECK_SOURCE_DIR=" + elsewhere.string() + " " +
                                     (prefix() / "bin/slotcheck").string() + " vm --print-resource-dir");
    EXPECT_EQ(r.status, 3) << r.output;  // no runner there
    EXPECT_NE(r.output.find("resources: " + elsewhere.string() + " ($SLOTCHECK_SOURCE_DIR)\n"), std::string::npos)
        << r.output;
}

// `cpack -G DEB` (docs/install.md): the package holds the same install under
// /usr, names Z3 among its Depends (where the prover is built) and qemu among its Recommends, and its
// slotcheck, unpacked anywhere, finds its files under that tree.
TEST(DebianPackage, HoldsTheInstallAndNamesWhatItNeeds) {
    if (test::run_command("command -v dpkg-shlibdeps && command -v dpkg-deb").status != 0)
        GTEST_SKIP() << "no dpkg-shlibdeps or dpkg-deb (dpkg-dev)";
    const test::ScratchDir scratch("deb");
    const auto made = test::run_command(std::string(SLOTCHECK_CPACK) + " -G DEB --config " + SLOTCHECK_BUILD_DIR +
                                        "/CPackConfig.cmake -B " + scratch.path.string());
    ASSERT_EQ(made.status, 0) << made.output;
    fs::path deb;
    for (const auto& e : fs::directory_iterator(scratch.path))
        if (e.path().extension() == ".deb") deb = e.path();
    ASSERT_FALSE(deb.empty()) << made.output;
    EXPECT_EQ(deb.filename().string(), std::string("slotcheck_") + SLOTCHECK_VERSION + "_amd64.deb");

    const auto info = test::run_command("dpkg-deb -f " + deb.string() + " Package Version Depends Recommends");
    ASSERT_EQ(info.status, 0) << info.output;
    EXPECT_NE(info.output.find("Package: slotcheck\n"), std::string::npos) << info.output;
    EXPECT_NE(info.output.find(std::string("Version: ") + SLOTCHECK_VERSION + "\n"), std::string::npos) << info.output;
    // Z3 comes with the prover; a tree without it (the sanitizer preset) links no Z3.
    EXPECT_EQ(info.output.find("libz3") != std::string::npos, static_cast<bool>(SLOTCHECK_HAS_PROVER)) << info.output;
    EXPECT_NE(info.output.find("qemu-system-x86"), std::string::npos) << info.output;

    const fs::path root = scratch.path / "root";
    const auto unpacked = test::run_command("dpkg-deb -x " + deb.string() + " " + root.string());
    ASSERT_EQ(unpacked.status, 0) << unpacked.output;
    const auto r = test::run_command("env -u SLOTCHECK_SOURCE_DIR -u SLOTCHECK_STATIC_BINARY " +
                                     (root / "usr/bin/slotcheck").string() + " vm --print-resource-dir");
    EXPECT_EQ(r.status, SLOTCHECK_INSTALLS_STATIC ? 0 : 3) << r.output;  // 3: no static binary in a sanitizer tree
    EXPECT_NE(r.output.find("runner: " + (root / "usr/share/slotcheck/harness/vm/run").string() + "\n"),
              std::string::npos)
        << r.output;
}

TEST(BuildTreeSlotcheck, FindsItsResourcesInTheSourceTree) {
    const auto r = test::run_command("env -u SLOTCHECK_SOURCE_DIR " + std::string(SLOTCHECK_BINARY) +
                                     " vm --print-resource-dir");
    EXPECT_NE(r.output.find("resources: " + kSource.string() + " (build tree)\n"), std::string::npos) << r.output;
}

}  // namespace
