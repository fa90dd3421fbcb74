// `slotcheck vm` end to end (label vm): real Debian kernels booted in qemu
// with slotcheck inside. Each test reads the JSON summary the command writes
// and checks what came back from inside the VMs: the kernel release and
// profile the probe found, every corpus file's verdict, the sequences the
// fuzzer ran in each VM, and the findings with their culprit sequence.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/vm_summary.h"

namespace {

namespace fs = std::filesystem;
using namespace slotcheck::test;

// Every corpus file, on the two Debian kernels of the matrix, both VMs at
// once: each kernel against the model under its own profile (the probe's,
// with the baseline of its build, model/baselines.txt) and against every
// file's written outcomes read under that profile (--expectations), which
// the files are written for (docs/sequence-format.md "Which profiles a
// corpus file is written for"). A divergence from either fails; a file that
// needs what a kernel lacks is a skip there, naming what it needs. With the
// written outcomes checked, a setup step that fails is already a
// divergence, so no file may be not-reached.
TEST(VmCommand, CorpusHoldsItsWrittenOutcomesOn612AndNewest7) {
    const auto r = run_vm("corpus",
                          "--kernel 6.12 --kernel 7 --jobs 2 --expectations --replay " + (kSource / "corpus").string());
    ASSERT_EQ(r.command.status, 0) << r.command.output;
    ASSERT_EQ(r.summary.kernels.size(), 2u) << r.command.output;
    const size_t files = count_corpus_files(kSource / "corpus");
    ASSERT_GT(files, 40u);
    for (const auto& k : r.summary.kernels) {
        EXPECT_EQ(k.verdicts.size(), files) << k.release;
        for (const auto& [file, verdict] : k.verdicts) {
            EXPECT_TRUE(verdict == "agree" || verdict == "skip") << k.release << " " << file << ": " << verdict;
            if (verdict == "skip") {
                EXPECT_FALSE(needs_of(k, file).empty()) << k.release << " " << file << ": a skip names its needs";
            }
            if (file.find("/corpus/private/") != std::string::npos) {
                EXPECT_EQ(verdict, "skip") << k.release << " " << file;
                EXPECT_TRUE(needs(k, file, "vm-type-1")) << k.release << " " << file << ": " << needs_of(k, file);
            }
        }
    }
    const auto& old_kernel = r.summary.kernels[0];
    const auto& new_kernel = r.summary.kernels[1];
    // 7.x has every feature the corpus uses but VM type 1: there only the
    // type-1 files and those written for another machine skip.
    for (const auto& [file, verdict] : new_kernel.verdicts) {
        if (file.find("/corpus/private/") != std::string::npos) continue;
        if (point_at_a_machine_limit(file)) {
            EXPECT_EQ(verdict, "skip") << file;
            EXPECT_TRUE(needs(new_kernel, file, "paging-4-level") || needs(new_kernel, file, "maxphyaddr-52"))
                << file << ": " << needs_of(new_kernel, file);
        } else {
            EXPECT_EQ(verdict, "agree") << file << ": " << needs_of(new_kernel, file);
        }
    }
    // On 6.12 the regression file of the guest_memfd toggle fix cannot run
    // (a default VM cannot bind there); a file about VM types runs.
    for (const auto& [file, verdict] : old_kernel.verdicts) {
        if (file.find("/region/gmem-toggle-fix.seq") != std::string::npos) {
            EXPECT_EQ(verdict, "skip") << file;
            EXPECT_TRUE(needs(old_kernel, file, "gmem-on-default-vm")) << needs_of(old_kernel, file);
        }
        if (file.find("/vm/create-types-and-close.seq") != std::string::npos) {
            EXPECT_EQ(verdict, "agree") << file;
        }
    }
    EXPECT_EQ(old_kernel.release.rfind("6.12.", 0), 0u) << old_kernel.release;
    EXPECT_EQ(new_kernel.release.rfind("7.", 0), 0u) << new_kernel.release;
    // The probe inside each VM must have found how the kernels differ: the
    // profiles are not the same, and the matrix shows every file on both.
    EXPECT_NE(old_kernel.profile, new_kernel.profile);
    EXPECT_NE(r.command.output.find("file "), std::string::npos) << r.command.output;
    EXPECT_TRUE(r.summary.findings.empty()) << r.command.output;
}

void expect_clean_fuzz(const VmRun& r, size_t vms) {
    ASSERT_EQ(r.command.status, 0) << r.command.output;
    ASSERT_EQ(r.summary.kernels.size(), 1u) << r.command.output;
    const auto& k = r.summary.kernels[0];
    std::set<unsigned> seen(k.vm_per_boot.begin(), k.vm_per_boot.end());
    EXPECT_EQ(seen.size(), vms) << r.command.output;
    for (auto n : k.sequences_per_boot) EXPECT_GT(n, 0u) << r.command.output;
    EXPECT_TRUE(r.summary.findings.empty()) << r.command.output;
    // The text summary counts the same sequences the JSON does, in all VMs.
    const std::string line = "total: " + std::to_string(total(k.sequences_per_boot)) + " sequences";
    EXPECT_NE(r.command.output.find(line), std::string::npos) << line << "\n" << r.command.output;
    EXPECT_NE(r.command.output.find(" in " + std::to_string(vms) + " VM(s)"), std::string::npos) << r.command.output;
}

TEST(VmCommand, Fuzz612ThirtySecondsIsClean) {
    expect_clean_fuzz(run_vm("fuzz-612", "--kernel 6.12 --seconds 30 --seed 1"), 1);
}

TEST(VmCommand, FuzzNewest7InTwoVmsIsCleanAndCountsBoth) {
    const auto r = run_vm("fuzz-7", "--kernel 7 --seconds 30 --seed 1 --jobs 2");
    expect_clean_fuzz(r, 2);
    ASSERT_EQ(r.summary.kernels.size(), 1u);
    EXPECT_EQ(r.summary.kernels[0].mmu, "tdp-mmu") << r.command.output;
}


// docs/findings.md F7: with the guest's KVM on shadow paging, the SPTE
// prefetch after a neighbouring fault maps a GMEM_ONLY slot's gfn from its
// userspace_addr. Both files hold their written outcomes on 7.x under the
// TDP MMU (the corpus test above); here the finding must still reproduce,
// each file diverging at the step the finding names, on a VM the probe saw
// run shadow paging. A kernel that fixes the prefetch makes this fail, and
// F7 is then to be closed.
TEST(VmCommand, ShadowPagingPrefetchStillMapsGmemOnlyGfnsFromUserspaceAddr) {
    const fs::path dir = kSource / "corpus/discussion";
    const auto r = run_vm("f7-shadow", "--kernel 7 --shadow-paging --expectations --no-repro --replay " +
                                           (dir / "gmem-only-prefetch-reads-uaddr.seq").string() + " --replay " +
                                           (dir / "gmem-only-prefetch-after-release.seq").string());
    EXPECT_EQ(r.command.status, 1) << r.command.output;
    ASSERT_EQ(r.summary.kernels.size(), 1u) << r.command.output;
    const auto& k = r.summary.kernels[0];
    EXPECT_EQ(k.mmu, "shadow") << r.command.output;
    ASSERT_EQ(k.verdicts.size(), 2u) << r.command.output;
    for (const auto& [file, verdict] : k.verdicts) {
        EXPECT_EQ(verdict, "diverge") << file << "\n" << r.command.output;
        const auto detail = k.details.find(file);
        ASSERT_NE(detail, k.details.end()) << file;
        if (file.find("reads-uaddr") != std::string::npos) {
            EXPECT_NE(detail->second.find("0x22"), std::string::npos) << detail->second;  // m0's value, not the file's 0
        }
    }
}

// A real-format WARNING report written into the guest's kernel log while a
// known sequence runs must come back as a finding that names that sequence,
// with its report and the sequence saved for a minimizer.
TEST(VmCommand, KernelWarningIsAttributedToTheSequenceInFlight) {
    const fs::path report = kSource / "tests/fixtures/vm/injected-warning.txt";
    const auto r = run_vm("splat", "--kernel 7 --no-repro --replay " + (kSource / "corpus/region").string() +
                                       " --inject-kmsg " + report.string() + "@delete.seq");
    EXPECT_EQ(r.command.status, 1) << r.command.output;
    ASSERT_EQ(r.summary.findings.size(), 1u) << r.command.output;
    const auto& f = r.summary.findings[0];
    EXPECT_EQ(f.kind, "warning");
    EXPECT_EQ(f.title, "WARNING in kvm_gmem_bind");
    EXPECT_NE(f.sequence.find("delete.seq"), std::string::npos) << f.sequence;
    EXPECT_TRUE(fs::exists(fs::path(f.dir) / "report.txt")) << f.dir;
    EXPECT_TRUE(fs::exists(fs::path(f.dir) / "sequence.seq")) << f.dir;
    EXPECT_TRUE(fs::exists(fs::path(f.dir) / "console.log")) << f.dir;
    // The other files of the directory still ran and agreed.
    ASSERT_EQ(r.summary.kernels.size(), 1u);
    EXPECT_EQ(r.summary.kernels[0].verdicts.size(), count_corpus_files(kSource / "corpus/region"));
}

// A report planted three sequences after its cause (the write of 0x5eed in
// 1-cause.seq; it surfaces while 4-after.seq runs) is traced back in fresh
// VMs to the sequence that caused it, not the one in flight, reproduces
// every time, and is minimized to the steps that still hold the cause.
TEST(VmCommand, DelayedReportIsReproducedFromItsCauseAndMinimized) {
    const fs::path report = kSource / "tests/fixtures/vm/injected-warning.txt";
    const fs::path files = kSource / "tests/fixtures/vm/repro";
    const auto r = run_vm("repro", "--kernel 7 --replay " + files.string() + " --inject-kmsg '" + report.string() +
                                       "@+3:u64 0x5eed'");
    EXPECT_EQ(r.command.status, 1) << r.command.output;
    ASSERT_EQ(r.summary.findings.size(), 1u) << r.command.output;
    const auto& f = r.summary.findings[0];
    EXPECT_EQ(f.title, "WARNING in kvm_gmem_bind");
    EXPECT_NE(f.sequence.find("4-after.seq"), std::string::npos) << "in flight when it surfaced: " << f.sequence;
    ASSERT_TRUE(f.repro) << r.command.output;
    EXPECT_TRUE(f.repro->reproduced) << r.command.output;
    ASSERT_EQ(f.repro->culprits.size(), 1u) << r.command.output;
    EXPECT_NE(f.repro->culprits[0].find("1-cause.seq"), std::string::npos) << f.repro->culprits[0];
    // The last 1, 2 and 4 sequences, then the bisection: a few VMs, not one per subset.
    EXPECT_GE(f.repro->attempts, 3u);
    EXPECT_LE(f.repro->attempts, 8u);
    EXPECT_EQ(f.repro->rate, "3/3") << r.command.output;
    EXPECT_EQ(f.repro->original_ops, 6u);
    EXPECT_LT(f.repro->minimized_ops, f.repro->original_ops);
    const std::string minimized = read_text(f.repro->minimized);
    EXPECT_NE(minimized.find("u64 0x5eed"), std::string::npos) << minimized;
    EXPECT_EQ(sequence_steps(f.repro->minimized).size(), f.repro->minimized_ops) << minimized;
    EXPECT_NE(read_text(f.repro->c_reproducer).find("0x5eed"), std::string::npos) << f.repro->c_reproducer;
    EXPECT_TRUE(fs::exists(fs::path(f.dir) / "culprit-1.seq")) << f.dir;
    EXPECT_NE(r.command.output.find("reproduced by \""), std::string::npos) << r.command.output;
}

// `minimize --vm`: every candidate replays in a fresh VM, and the result
// keeps the input's divergence: the three steps it needs and nothing else.
TEST(VmCommand, MinimizeInVmsShrinksADivergenceToItsThreeSteps) {
    const fs::path out = fresh_out_dir("minimize") / "minimized.seq";
    const auto r = run_slotcheck("minimize " + (kSource / "tests/fixtures/vm/noexec-divergence.seq").string() +
                                 " --vm 7 --variant gmem-noexec-mount=off --out " + out.string() + " --vm-out " +
                                 (out.parent_path() / "vms").string());
    ASSERT_EQ(r.status, 1) << r.output;  // minimized: a finding (sys/exit_codes.h)
    EXPECT_NE(r.output.find("fails: divergence: outcome mmap.gmem-no-mmap at mmap"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("(1-minimal)"), std::string::npos) << r.output;
    const std::vector<std::string> steps = sequence_steps(out);
    ASSERT_EQ(steps.size(), 3u) << read_text(out);
    EXPECT_EQ(steps[0].rfind("vm v0", 0), 0u);
    EXPECT_EQ(steps[1].rfind("gmem g0", 0), 0u);
    EXPECT_EQ(steps[2].rfind("mmap m0 g0", 0), 0u);
    EXPECT_NE(steps[2].find("prot=rx"), std::string::npos);
}

}  // namespace
