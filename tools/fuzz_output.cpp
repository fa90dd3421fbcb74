#include "tools/fuzz_output.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "replay/corpus_writer.h"
#include "replay/differ.h"
#include "sys/atomic_file.h"
#include "sys/json_document.h"

namespace slotcheck::cli {

namespace {

std::string with_commas(uint64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
}

std::string share(double part, double whole) {
    std::ostringstream o;
    o << std::fixed << std::setprecision(0) << (whole > 0 ? 100 * part / whole : 0) << "%";
    return o.str();
}



}  // namespace

std::string reproduce_command(const FuzzHeader& h, const fuzz::Finding& f) {
    return "slotcheck fuzz --seed " + std::to_string(h.seed) + " --only " + std::to_string(f.index) +
           (h.judge_options.empty() ? "" : " " + h.judge_options);
}

void print_progress(std::ostream& out, const fuzz::Progress& p) {
    const double rate = p.elapsed_s > 0 ? p.stats.ops / p.elapsed_s : 0;
    out << std::fixed << std::setprecision(0) << std::setw(5) << p.elapsed_s << " s  sequences "
        << with_commas(p.stats.sequences) << "  ops " << with_commas(p.stats.ops) << " (" << with_commas(uint64_t(rate))
        << "/s)  divergences " << p.stats.failures << "  " << (p.coverage ? p.coverage->summary() : "");
    for (const auto& a : p.activities) out << "  [" << a << "]";
    out << std::endl;
}

void print_summary(std::ostream& out, const FuzzHeader& h, const fuzz::CampaignResult& r, bool coverage_table) {
    const auto& s = r.stats;
    out << "\nfuzz summary (seed " << h.seed << ", profile " << h.profile << ", oracle " << h.oracle
        << (h.mutant.empty() ? "" : ", mutant " + h.mutant) << ")\n";
    out << std::fixed << std::setprecision(1);
    out << "  time           " << r.elapsed_s << " s with " << h.jobs << " job(s)"
        << (r.interrupted ? ", stopped by a signal" : "") << "\n";
    if (r.stopped_in_flight)
        out << "  stopped        " << r.stopped_in_flight << " worker(s) mid-judgement or mid-shrink at "
            << (r.interrupted ? "the signal" : "the time limit") << "\n";
    out << "  sequences      " << with_commas(s.sequences) << "\n";
    out << "  operations     " << with_commas(s.ops) << " (" << with_commas(uint64_t(r.elapsed_s > 0 ? s.ops / r.elapsed_s : 0))
        << "/s)\n";
    const size_t flaky_reported = std::count_if(r.findings.begin(), r.findings.end(),
                                                [](const fuzz::Finding& f) { return f.flaky(); });
    out << "  divergences    " << s.failures << " (" << r.findings.size() - flaky_reported << " reported)\n";
    if (s.flaky)
        out << "  flaky          " << s.flaky << " sequence(s) failed once but not in most re-runs (" << flaky_reported
            << " reported; not divergences)\n";
    if (s.slow)
        out << "  slow           " << s.slow << " sequence(s) outlived the time limit once and finished on the retry\n";
    out << "  rules          " << r.coverage.summary() << " both ways, " << r.coverage.rules_decided()
        << " decided\n";
    // Workers' busy time, split: generation, the model (coverage replay),
    // and the judged replay, of which the oracle's operations and
    // observations; the rest of the judgement is fork, model and compare.
    const double busy = s.generate_s + s.model_s + s.judge_s;
    const double judge_rest = std::max(0.0, s.judge_s - s.oracle_ops_s - s.oracle_observe_s);
    out << "  time shares    generation " << share(s.generate_s, busy) << ", model " << share(s.model_s, busy) << ", "
        << h.oracle << " ops " << share(s.oracle_ops_s, busy) << ", observation " << share(s.oracle_observe_s, busy)
        << ", isolation and compare " << share(judge_rest, busy) << "\n";
    for (const auto& f : r.findings)
        out << (f.flaky() ? "  flaky          " : "  finding        ") << f.signature << ": " << f.verdict.detail
            << " (sequence " << f.index << ", "
            << (f.flaky() ? std::to_string(f.original.steps.size()) + " ops"
                          : std::to_string(f.original.steps.size()) + " -> " + std::to_string(f.shrunk.steps.size()) +
                                " ops")
            << (f.verdict.reproduction.runs > 1 ? ", " + f.verdict.reproduction.text() : "")
            << (f.shrink_cut_short ? ", shrinking cut short by the time limit" : "") << ", found after "
            << f.found_after_s << " s)\n";
    out << "  memory         worker peak RSS " << r.worker_peak_rss_kb / 1024 << " MiB\n";
    for (const auto& e : r.worker_errors) out << "  worker error   " << e << "\n";
    auto missing = r.coverage.uncovered();
    if (!missing.empty() && !coverage_table) {
        out << "  not covered   ";
        for (size_t i = 0; i < missing.size() && i < 12; ++i) out << " " << rule(missing[i]).name;
        if (missing.size() > 12) out << " ... (" << missing.size() << "; --coverage lists all)";
        out << "\n";
    }
    if (coverage_table) {
        out << "\n";
        r.coverage.print_table(out);
    }
}

void print_census(std::ostream& out, const gen::Census& census, const Profile& profile) {
    out << "\nboundary census (situations in the judged sequences; docs/fuzzing.md \"Boundary reach\")\n";
    size_t width = 0;
    for (size_t i = 0; i < gen::kSituationCount; ++i)
        width = std::max(width, std::string(gen::situation_name(static_cast<gen::Situation>(i))).size());
    for (size_t i = 0; i < gen::kSituationCount; ++i) {
        const auto s = static_cast<gen::Situation>(i);
        const auto ruled_out = gen::situation_ruled_out(s, profile);
        out << "  " << std::left << std::setw(static_cast<int>(width)) << gen::situation_name(s) << std::right << " "
            << std::setw(9) << (ruled_out ? "-" : with_commas(census.count(s))) << "  "
            << (ruled_out ? "ruled out: " + *ruled_out : gen::situation_description(s)) << "\n";
    }
    out << "  fallocate modes below 0x100 tried: " << census.gmem_modes.count() << " on guest_memfd, "
        << census.memfd_modes.count() << " on memfd\n";
}

void print_summary_json(std::ostream& out, const FuzzHeader& h, const fuzz::CampaignResult& r,
                        const std::vector<std::string>& finding_dirs) {
    const auto& s = r.stats;
    Json doc = json_document(kFuzzSchema, kFuzzSchemaVersion);
    // What ran, for how long, how much of it, what failed, how it ended.
    doc.update(Json{{"seed", json_u64_string(h.seed)}, {"profile", h.profile}, {"oracle", h.oracle}, {"mutant", h.mutant},
                    {"jobs", h.jobs}, {"seconds", r.elapsed_s},
                    {"sequences", s.sequences}, {"operations", s.ops},
                    {"divergences", s.failures}, {"flaky", s.flaky}, {"slow", s.slow},
                    {"interrupted", r.interrupted}, {"stopped_in_flight", r.stopped_in_flight}});
    doc["time"] = {{"generation", s.generate_s},
                   {"model", s.model_s},
                   {"judge", s.judge_s},
                   {"oracle_ops", s.oracle_ops_s},
                   {"oracle_observe", s.oracle_observe_s}};
    doc["rules_covered"] = r.coverage.rules_covered_both_ways();
    doc["rules"] = kRuleCount;
    Json coverage = Json::object();
    for (size_t i = 0; i < kRuleCount; ++i) {
        const RuleId id = static_cast<RuleId>(i);
        coverage[std::string(rule(id).name)] = {{"decided", r.coverage.decided(id)}, {"passed", r.coverage.passed(id)}};
    }
    doc["coverage"] = std::move(coverage);
    Json findings = Json::array();
    for (size_t i = 0; i < r.findings.size(); ++i) {
        const auto& f = r.findings[i];
        findings.push_back({{"signature", f.signature},
                            {"status", verdict_status_name(f.verdict.status)},
                            {"runs", f.verdict.reproduction.runs},
                            {"reproduced", f.verdict.reproduction.reproduced},
                            {"shrink_cut_short", f.shrink_cut_short},
                            {"detail", f.verdict.detail},
                            {"index", f.index},
                            {"original_ops", f.original.steps.size()},
                            {"shrunk_ops", f.shrunk.steps.size()},
                            {"found_after", f.found_after_s},
                            {"dir", i < finding_dirs.size() ? finding_dirs[i] : ""}});
    }
    doc["findings"] = std::move(findings);
    if (h.census) {
        Json census = Json::object();
        for (size_t i = 0; i < gen::kSituationCount; ++i) {
            const auto situation = static_cast<gen::Situation>(i);
            census[std::string(gen::situation_name(situation))] = s.census.count(situation);
        }
        doc["census"] = std::move(census);
    }
    doc["worker_errors"] = r.worker_errors;
    write_json(out, doc);
}

std::string write_finding(const std::string& out_dir, const FuzzHeader& h, const fuzz::Finding& f,
                          const Profile& profile, std::string& error) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(out_dir) / (finding_slug(f.signature) + "-seed" + std::to_string(h.seed) + "-" +
                                              std::to_string(f.index));
    if (auto failed = create_directories(dir.string())) {
        error = *failed;
        return "";
    }
    const std::string reproduce = reproduce_command(h, f);
    Sequence minimized = with_model_expectations(f.shrunk, profile);
    minimized.header_comments = {
        " Finding: " + f.signature,
        " " + f.verdict.detail,
        " Oracle " + h.oracle + (h.kernel_release.empty() ? "" : " (" + h.kernel_release + ")") + ", profile " +
            profile.name + (h.mutant.empty() ? "" : ", model mutant " + h.mutant),
        " Shrunk from " + std::to_string(f.original.steps.size()) + " to " + std::to_string(f.shrunk.steps.size()) +
            " operations; the original: " + reproduce,
        " Expected outcomes are the model's.",
    };
    Sequence original = f.original;
    original.header_comments = {" Sequence " + std::to_string(f.index) + " of " + reproduce};
    auto write = [&](const fs::path& p, const std::string& text) {
        auto failed = write_file_atomically(p.string(), text);
        if (failed) error = *failed;
        return !failed;
    };
    std::ostringstream report;
    report << "signature: " << f.signature << "\nstatus: " << verdict_status_name(f.verdict.status)
           << "\ndetail: " << f.verdict.detail
           << "\noracle: " << h.oracle << "\nkernel: " << h.kernel_release << "\nprofile: " << profile.name
           << "\nmutant: " << h.mutant << "\ncampaign seed: " << h.seed << "\nsequence index: " << f.index
           << "\nsequence seed: " << f.sequence_seed << "\nfound after: " << f.found_after_s << " s\nshrink: "
           << f.original.steps.size() << " -> " << f.shrunk.steps.size() << " operations, " << f.shrink_candidates
           << " candidates, " << f.shrink_s << " s" << (f.shrink_cut_short ? " (cut short by the time limit)" : "")
           << "\nreproduction: "
           << (f.verdict.reproduction.runs > 1 ? f.verdict.reproduction.text() : "not re-run") << "\nreproduce: " << reproduce << "\n";
    if (!write(dir / "original.seq", print(original)) || !write(dir / "minimized.seq", print(minimized)) ||
        !write(dir / "report.txt", report.str()))
        return "";
    return dir.string();
}

}  // namespace slotcheck::cli
