// What the `slotcheck vm` end-to-end tests share: a fresh output
// directory, the JSON summary the command writes, read back with nlohmann's
// parser, and a run of the command.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/command_output.h"
#include "tests/json_read.h"

namespace slotcheck::test {

namespace fs = std::filesystem;

inline const std::filesystem::path kSource = SLOTCHECK_SOURCE_DIR;

// A fresh output directory per test, so findings of one never count in another.
inline fs::path fresh_out_dir(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("slotcheck-vm-test-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

inline std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The parts of the summary the tests look at, read with nlohmann's parser.
struct KernelSummary {
    std::string release, profile, mmu;
    std::vector<uint64_t> sequences_per_boot;
    // The boot whose VmallocUsed grew most, in bytes, and the budget its
    // sequences were generated under (fuzzing only).
    std::optional<uint64_t> vmalloc_growth, kernel_memory_budget;
    std::vector<unsigned> vm_per_boot;
    std::map<std::string, std::string> verdicts;
    // What the guest said about a verdict other than agree: "needs
    // vm-type-1" for a skip, a divergence's summary.
    std::map<std::string, std::string> details;
};

// What reproducing a finding in fresh VMs found (the finding's "repro").
struct Repro {
    bool reproduced = false;
    std::vector<std::string> culprits;
    unsigned attempts = 0;
    std::string rate;  // "k/n"
    unsigned original_ops = 0, minimized_ops = 0;
    std::string minimized, c_reproducer, console;
};

struct Finding {
    std::string kind, title, sequence, dir;
    std::optional<Repro> repro;
};

struct Summary {
    std::vector<KernelSummary> kernels;
    std::vector<Finding> findings;
    // Why the summary could not be read (not JSON, not a slotcheck.vm/1
    // document, a field missing or of another type); empty when it was.
    std::string error;
};

inline Repro parse_repro(const json& r) {
    Repro repro;
    repro.reproduced = r.at("reproduced").get<bool>();
    repro.culprits = r.at("culprits").get<std::vector<std::string>>();
    repro.attempts = r.at("attempts").get<unsigned>();
    repro.rate = r.at("rate").get<std::string>();
    repro.original_ops = r.at("original_ops").get<unsigned>();
    repro.minimized_ops = r.at("minimized_ops").get<unsigned>();
    repro.minimized = r.at("minimized").get<std::string>();
    repro.c_reproducer = r.at("c_reproducer").get<std::string>();
    repro.console = r.at("console").get<std::string>();
    return repro;
}

// The summary `slotcheck vm --json` wrote; a text that is not a whole
// slotcheck.vm/1 document gives no kernels and no findings, and `error`.
inline Summary parse_summary(const std::string& text) {
    Summary s;
    const json doc = parse_document(text, "slotcheck.vm/1", s.error);
    if (doc.is_discarded()) return s;
    try {
        for (const json& k : doc.at("kernels")) {
            KernelSummary kernel;
            kernel.release = k.at("release").get<std::string>();
            kernel.profile = k.at("profile").get<std::string>();
            kernel.mmu = k.at("mmu").get<std::string>();
            for (const json& b : k.at("boots")) {
                kernel.vm_per_boot.push_back(b.at("vm").get<unsigned>());
                kernel.sequences_per_boot.push_back(b.at("sequences").get<uint64_t>());
            }
            if (k.contains("vmalloc_growth")) {
                kernel.vmalloc_growth = k.at("vmalloc_growth").get<uint64_t>();
                kernel.kernel_memory_budget = k.at("kernel_memory_budget").get<uint64_t>();
            }
            kernel.verdicts = k.at("verdicts").get<std::map<std::string, std::string>>();
            kernel.details = k.at("details").get<std::map<std::string, std::string>>();
            s.kernels.push_back(std::move(kernel));
        }
        for (const json& f : doc.at("findings")) {
            Finding finding{f.at("kind").get<std::string>(), f.at("title").get<std::string>(),
                            f.at("sequence").get<std::string>(), f.at("dir").get<std::string>(), std::nullopt};
            if (!f.at("repro").is_null()) finding.repro = parse_repro(f.at("repro"));
            s.findings.push_back(std::move(finding));
        }
    } catch (const json::exception& e) {
        s = Summary{};
        s.error = std::string("slotcheck.vm/1 document: ") + e.what();
    }
    return s;
}

struct VmRun {
    CommandOutput command;
    Summary summary;
};

inline VmRun run_vm(const std::string& name, const std::string& args) {
    const fs::path out = fresh_out_dir(name);
    const fs::path json = out / "summary.json";
    VmRun r;
    r.command = run_slotcheck("vm " + args + " --out " + (out / "out").string() + " --json " + json.string());
    r.summary = parse_summary(read_text(json));
    // A summary that cannot be read fails the test's first look at it
    // (no kernels); the output then says why.
    if (!r.summary.error.empty()) r.command.output += "\nsummary " + json.string() + ": " + r.summary.error;
    return r;
}

// Files whose point lies at a machine limit of the named profiles
// (MAXPHYADDR 52, TASK_SIZE of 4-level paging): their outcomes are written
// for such a machine, and the qemu guests (MAXPHYADDR 40, 5-level paging)
// lack it, so they are skips there naming the machine fact
// (replay/features.h), never a pass.
inline bool point_at_a_machine_limit(const std::string& file) {
    for (const char* name : {"/bind/check-order.seq", "/region/gpa-wrap-and-max-gfn.seq", "/region/max-pages.seq",
                             "/region/uaddr-range.seq"})
        if (file.find(name) != std::string::npos) return true;
    return false;
}

// What the guest said a skipped file needs ("needs a, b and c", as
// tools/replay_command.cpp sends it), and whether that names `feature`.
inline std::string needs_of(const KernelSummary& k, const std::string& file) {
    const auto it = k.details.find(file);
    const std::string prefix = "needs ";
    if (it == k.details.end() || it->second.rfind(prefix, 0) != 0) return "";
    return it->second.substr(prefix.size());
}

inline bool needs(const KernelSummary& k, const std::string& file, const std::string& feature) {
    std::string list = ", " + needs_of(k, file) + ",";
    for (size_t at; (at = list.find(" and ")) != std::string::npos;) list.replace(at, 5, ", ");
    return list.find(", " + feature + ",") != std::string::npos;
}

inline size_t count_corpus_files(const fs::path& dir) {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.path().extension() == ".seq";
    return n;
}

inline uint64_t total(const std::vector<uint64_t>& v) {
    uint64_t n = 0;
    for (auto x : v) n += x;
    return n;
}

// The operations of a sequence file: its lines that are neither the
// header, a comment nor blank.
inline std::vector<std::string> sequence_steps(const fs::path& file) {
    std::vector<std::string> steps;
    std::istringstream text(read_text(file));
    for (std::string line; std::getline(text, line);)
        if (!line.empty() && line[0] != '#' && line.rfind("slotcheck-sequence", 0) != 0) steps.push_back(line);
    return steps;
}

}  // namespace slotcheck::test
