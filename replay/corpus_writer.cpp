#include "replay/corpus_writer.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "model/profile.h"
#include "replay/differ.h"
#include "sys/atomic_file.h"

namespace slotcheck::cli {

namespace {

// FNV-1a, 64 bits: stable across machines and compilers, unlike std::hash.
uint64_t fnv1a(const std::string& text) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
    return h;
}


std::string today_utc() {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace

std::string finding_slug(const std::string& words) {
    std::string out;
    for (char c : words) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        const bool upper = c >= 'A' && c <= 'Z';
        if (keep || upper) out += upper ? static_cast<char>(c - 'A' + 'a') : c;
        else if (!out.empty() && out.back() != '-') out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "finding" : out;
}

const std::vector<std::string>& corpus_profiles() {
    static const std::vector<std::string> names = {"linux-6.18", "linux-7.2", "linux-7.3", "upstream"};
    return names;
}

std::string finding_file_name(const Sequence& minimized, const std::string& signature) {
    std::string ops;
    for (const auto& step : minimized.steps) ops += print_op(step.op) + "\n";
    char hash[9];
    std::snprintf(hash, sizeof hash, "%08llx", static_cast<unsigned long long>(fnv1a(ops) & 0xffffffffu));
    return finding_slug(signature) + "-" + hash + ".seq";
}

std::vector<std::string> finding_header(const FindingHeader& f, size_t length, const std::string& expectations_profile) {
    std::vector<std::string> h;
    h.push_back(" Finding: " + f.signature);
    h.push_back(" Found by slotcheck minimize on " + today_utc() + " (UTC).");
    h.push_back(" Oracle: " + f.oracle + "; profile " + f.profile + ".");
    if (!f.rule.empty()) h.push_back(" Deciding rule: " + f.rule);
    if (!f.oracle_outcome.empty()) {
        h.push_back(" The oracle did: " + f.oracle_outcome);
        h.push_back(" The model said: " + f.model_outcome);
    }
    if (!f.detail.empty()) h.push_back(" First divergence: " + f.detail);
    h.push_back(" Minimized from " + std::to_string(f.original_length) + " to " + std::to_string(length) +
                " operations (same failure: " + f.same + (f.one_minimal ? "; 1-minimal)."
                                                     : f.cut_short ? "; cut short by a signal, not 1-minimal)."
                                                                   : "; budget ran out)."));
    h.push_back(" Expected outcomes: the model's under " + expectations_profile +
                ", with the variants it lacks as alternatives.");
    if (f.deviation_step)
        h.push_back(" Step " + std::to_string(*f.deviation_step + 1) +
                    " records the kernel's outcome as a known deviation (!kernel:): replay fails when it changes.");
    return h;
}

Sequence finding_sequence(const Sequence& minimized, const FindingHeader& finding, const std::optional<Outcome>& deviation) {
    Sequence seq = with_model_expectations(minimized, *named_profile(kCorpusBaseProfile));
    seq.header_comments = finding_header(finding, seq.steps.size(), kCorpusBaseProfile);
    if (finding.deviation_step && deviation && *finding.deviation_step < seq.steps.size() &&
        seq.steps[*finding.deviation_step].expect)
        seq.steps[*finding.deviation_step].expect->kernel_deviation = *deviation;
    return seq;
}

std::optional<CorpusEntry> write_finding(const std::string& dir, const Sequence& minimized, const FindingHeader& finding,
                                         const std::optional<Outcome>& deviation, std::string& error) {
    namespace fs = std::filesystem;
    CorpusEntry entry;
    entry.path = (fs::path(dir) / finding_file_name(minimized, finding.signature)).string();
    const Sequence seq = finding_sequence(minimized, finding, deviation);
    for (const auto& name : corpus_profiles()) {
        ReplayOptions options;
        options.stop_at_first = false;
        for (const auto& d : replay(seq, *named_profile(name), nullptr, options).divergences)
            entry.problems.push_back("under " + name + ": " + d.summary());
    }
    std::error_code ec;
    if (fs::exists(entry.path, ec)) {
        entry.already_recorded = true;
        return entry;
    }
    auto failed = create_directories(dir);
    if (!failed) failed = write_file_atomically(entry.path, print(seq));
    if (failed) {
        error = *failed;
        return std::nullopt;
    }
    return entry;
}

}  // namespace slotcheck::cli
