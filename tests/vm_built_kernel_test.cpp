// The kernel with private memory that scripts/build-kernel makes (Debian's
// 6.12.118 source plus KVM_SW_PROTECTED_VM, the vm.build-kernel-6.12
// fixture), booted in qemu (label vm): one VM checks the whole corpus.
#include <gtest/gtest.h>

#include <string>

#include "tests/corpus_twins.h"
#include "tests/vm_summary.h"

namespace {

using namespace slotcheck::test;

// Every corpus file against the model under the kernel's profile (the 6.12
// release with VM type 1, plus its build's baseline entry) and against its
// written outcomes read under that profile (--expectations): corpus/private/
// runs here, where VM type 1 exists, and must hold; every other file agrees
// or, lacking what it needs (guest_memfd on a default VM, a machine fact of
// the named profiles), is a skip naming it; a skipped guest_memfd file's
// type-1 twin agrees.
TEST(BuiltKernel612, CorpusHoldsItsWrittenOutcomes) {
    const auto r = run_vm("corpus-built-6.12", "--kernel build:6.12 --expectations --replay " + (kSource / "corpus").string());
    ASSERT_EQ(r.command.status, 0) << r.command.output;
    ASSERT_EQ(r.summary.kernels.size(), 1u) << r.command.output;
    const auto& k = r.summary.kernels[0];
    EXPECT_EQ(k.release.rfind("6.12.118-slotcheck", 0), 0u) << k.release;
    EXPECT_EQ(k.verdicts.size(), count_corpus_files(kSource / "corpus")) << r.command.output;
    size_t private_files = 0;
    for (const auto& [file, verdict] : k.verdicts) {
        EXPECT_TRUE(verdict == "agree" || verdict == "skip") << file << ": " << verdict;
        if (verdict == "skip") {
            EXPECT_FALSE(needs_of(k, file).empty()) << file << ": a skip names its needs";
            EXPECT_FALSE(needs(k, file, "vm-type-1")) << file << ": VM type 1 exists here";
        }
        if (file.find("/corpus/private/") != std::string::npos) {
            ++private_files;
            EXPECT_EQ(verdict, "agree") << file << ": " << needs_of(k, file);
        }
        if (point_at_a_machine_limit(file)) {
            EXPECT_EQ(verdict, "skip") << file;
        }
        if (file.find("/vm/create-types-and-close.seq") != std::string::npos) {
            EXPECT_EQ(verdict, "agree") << file;
        }
    }
    EXPECT_GT(private_files, 0u);
    // Each guest_memfd file that cannot run here (a default VM cannot bind,
    // no MMAP flags) has its point tested by its type-1 twin, which agrees
    // (docs/sequence-format.md "The point of a file").
    const auto twins = corpus_twins(kSource / "corpus").by_original;
    EXPECT_GT(twins.size(), 20u);
    auto verdict_of = [&](const std::string& rel) -> std::string {
        for (const auto& [file, verdict] : k.verdicts)
            if (file == "corpus/" + rel || file.ends_with("/corpus/" + rel)) return verdict;
        return "(not run)";
    };
    for (const auto& [original, twin] : twins) {
        EXPECT_EQ(verdict_of(original), "skip") << original << ", whose twin is " << twin;
        EXPECT_EQ(verdict_of(twin), "agree") << twin << ", the twin of " << original;
    }
    EXPECT_TRUE(r.summary.findings.empty()) << r.command.output;
}

}  // namespace
