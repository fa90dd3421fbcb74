// What the `slotcheck vm` end-to-end tests share: a fresh output
// directory, the JSON summary the command writes, read back, and a run of
// the command.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/command_output.h"

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

// The parts of the summary the tests look at. The summary is flat enough
// that one regular expression per field reads it.
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

inline std::optional<Repro> parse_repro(const std::string& finding_json) {
    const std::regex repro_re(
        R"rx("repro": \{"reproduced": (true|false), "culprits": \[([^\]]*)\], "attempts": (\d+), "rate": "([^"]*)", "original_ops": (\d+), "minimized_ops": (\d+), "one_minimal": (?:true|false), "minimized": "([^"]*)", "c_reproducer": "([^"]*)", "note": "(?:[^"\\]|\\.)*", "console": "([^"]*)")rx");
    std::smatch m;
    if (!std::regex_search(finding_json, m, repro_re)) return std::nullopt;
    Repro r;
    r.reproduced = m[1] == "true";
    const std::string culprits = m[2];
    const std::regex label_re(R"rx("((?:[^"\\]|\\.)*)")rx");
    for (auto it = std::sregex_iterator(culprits.begin(), culprits.end(), label_re); it != std::sregex_iterator(); ++it)
        r.culprits.push_back((*it)[1]);
    r.attempts = static_cast<unsigned>(std::stoul(m[3]));
    r.rate = m[4];
    r.original_ops = static_cast<unsigned>(std::stoul(m[5]));
    r.minimized_ops = static_cast<unsigned>(std::stoul(m[6]));
    r.minimized = m[7];
    r.c_reproducer = m[8];
    r.console = m[9];
    return r;
}

struct Summary {
    std::vector<KernelSummary> kernels;
    std::vector<Finding> findings;
};

inline Summary parse_summary(const std::string& json) {
    Summary s;
    const auto findings_at = json.find("\"findings\": [");
    const std::string kernels_part = json.substr(0, findings_at);
    const std::regex kernel_re(R"rx(\{"name": "[^"]*", "release": "([^"]*)", "profile": "([^"]*)", "mmu": "([^"]*)")rx");
    const std::regex vmalloc_re(R"rx("vmalloc_growth": (\d+), "kernel_memory_budget": (\d+))rx");
    const std::regex boot_re(R"rx(\{"vm": (\d+), "boot": \d+, "seed": \d+, "end": "[^"]*", "detail": "(?:[^"\\]|\\.)*", "sequences": (\d+))rx");
    const std::regex verdict_re(R"rx("([^"]+\.seq)": "([a-z-]+)")rx");
    std::vector<size_t> starts;
    for (auto it = std::sregex_iterator(kernels_part.begin(), kernels_part.end(), kernel_re); it != std::sregex_iterator();
         ++it) {
        starts.push_back(static_cast<size_t>(it->position()));
        s.kernels.push_back({(*it)[1], (*it)[2], (*it)[3], {}, {}, {}, {}, {}, {}});
    }
    for (size_t k = 0; k < starts.size(); ++k) {
        const std::string part =
            kernels_part.substr(starts[k], (k + 1 < starts.size() ? starts[k + 1] : kernels_part.size()) - starts[k]);
        for (auto it = std::sregex_iterator(part.begin(), part.end(), boot_re); it != std::sregex_iterator(); ++it) {
            s.kernels[k].vm_per_boot.push_back(std::stoul((*it)[1]));
            s.kernels[k].sequences_per_boot.push_back(std::stoull((*it)[2]));
        }
        if (std::smatch m; std::regex_search(part, m, vmalloc_re)) {
            s.kernels[k].vmalloc_growth = std::stoull(m[1]);
            s.kernels[k].kernel_memory_budget = std::stoull(m[2]);
        }
        const auto details_at = part.find("\"details\": {");
        const std::string verdicts = part.substr(0, details_at);
        for (auto it = std::sregex_iterator(verdicts.begin(), verdicts.end(), verdict_re); it != std::sregex_iterator();
             ++it)
            s.kernels[k].verdicts[(*it)[1]] = (*it)[2];
        if (details_at != std::string::npos) {
            const std::string details = part.substr(details_at);
            const std::regex detail_re(R"rx("([^"]+\.seq)": "((?:[^"\\]|\\.)*)")rx");
            for (auto it = std::sregex_iterator(details.begin(), details.end(), detail_re);
                 it != std::sregex_iterator(); ++it)
                s.kernels[k].details[(*it)[1]] = (*it)[2];
        }
    }
    if (findings_at != std::string::npos) {
        const std::string part = json.substr(findings_at);
        const std::regex finding_re(
            R"rx(\{"kind": "([^"]*)", "title": "((?:[^"\\]|\\.)*)", "kernel": "[^"]*", "sequence": "((?:[^"\\]|\\.)*)", "dir": "([^"]*)")rx");
        std::vector<size_t> starts;
        for (auto it = std::sregex_iterator(part.begin(), part.end(), finding_re); it != std::sregex_iterator(); ++it) {
            starts.push_back(static_cast<size_t>(it->position()));
            s.findings.push_back({(*it)[1], (*it)[2], (*it)[3], (*it)[4], std::nullopt});
        }
        for (size_t i = 0; i < starts.size(); ++i)
            s.findings[i].repro =
                parse_repro(part.substr(starts[i], (i + 1 < starts.size() ? starts[i + 1] : part.size()) - starts[i]));
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
