#include "tools/replay_result.h"

#include <sstream>

#include "seq/text_scan.h"
#include "sys/json_document.h"

namespace slotcheck::cli {

Totals totals(const std::vector<FileResult>& results) {
    Totals t;
    for (const auto& r : results) {
        if (r.verdict.status == Verdict::Status::Agree) ++t.passed;
        else if (r.skipped()) ++t.skipped;
        else if (r.not_reached()) ++t.not_reached;
        else if (r.flaky()) ++t.flaky;
        else ++t.failed;
    }
    return t;
}

std::string FileResult::verdict_text() const {
    const std::string name = verdict_status_name(verdict.status);
    if (verdict.reproduction.runs > 1) return name + " (" + verdict.reproduction.text() + ")";
    if (!skipped() || verdict.needs.empty()) return name;
    std::string text = name + " (needs ";
    for (size_t i = 0; i < verdict.needs.size(); ++i) text += (i ? ", " : "") + verdict.needs[i];
    return text + ")";
}

FileResult skipped_for(const std::string& file, const std::vector<std::string>& needs) {
    FileResult r;
    r.file = file;
    r.verdict.status = Verdict::Status::Skipped;
    r.verdict.needs = needs;
    r.verdict.detail = "needs";
    for (size_t i = 0; i < needs.size(); ++i) r.verdict.detail += (i ? ", " : " ") + needs[i];
    return r;
}

std::vector<ReportedFinding> reported_findings(const Verdict& v) {
    std::vector<ReportedFinding> found;
    auto of_divergence = [](const Divergence& d, const std::string& kind, const std::string& summary) {
        ReportedFinding f;
        f.kind = kind;
        f.op = d.op_text;
        f.step = d.step;
        f.line = d.line;
        f.rule = d.rule == RuleId::Count ? "" : rule(d.rule).name;
        f.summary = summary;
        if (d.kind != Divergence::Kind::View && d.kind != Divergence::Kind::Invariant) {
            f.model = to_string(d.model);
            f.other = to_string(d.other);
        }
        return f;
    };
    if (v.divergence) {
        // A flaky verdict's detail says in how many runs it showed.
        found.push_back(of_divergence(*v.divergence, divergence_kind_name(v.divergence->kind), v.detail));
    } else if (v.status == Verdict::Status::NotReached) {
        found.push_back({"not reached", "", "", "", "", v.detail, v.stopped_step.value_or(0), v.stopped_line});
    } else if (!v.detail.empty() && v.status != Verdict::Status::Skipped) {  // a skip's needs are in its verdict text
        const auto status = v.status == Verdict::Status::Flaky ? v.first_status : v.status;
        found.push_back({verdict_status_name(status), "", "", "", "", v.detail, v.stopped_step.value_or(0),
                         v.stopped_line});
    }
    // Known kernel deviations (`!kernel:` in the file) are listed; the file still agrees.
    for (const auto& d : v.deviations_as_recorded)
        found.push_back(of_divergence(d, "deviation as recorded", d.summary()));
    return found;
}

void print_table(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                 bool kernel, std::optional<size_t> stopped_of) {
    const Totals t = totals(results);
    size_t width = 4;
    for (const auto& r : results) width = std::max(width, r.file.size());
    out << "profile " << profile_name << (kernel ? ", model vs /dev/kvm" : ", model only") << "\n";
    out << "file" << std::string(width - 4 + 2, ' ') << "steps  verdict\n";
    for (const auto& r : results) {
        std::string steps = std::to_string(r.verdict.steps_run);
        out << r.file << std::string(width - r.file.size() + 2, ' ') << std::string(5 - std::min<size_t>(5, steps.size()), ' ')
            << steps << "  " << r.verdict_text() << "\n";
        for (const auto& f : reported_findings(r.verdict)) out << "    " << f.kind << ": " << f.summary << "\n";
        for (const auto& t : r.verdict.trace) out << "    " << t << "\n";
    }
    out << t.passed << " passed, " << t.failed << " failed, " << t.skipped << " skipped, " << t.not_reached
        << " not reached";
    // A flaky file neither passed nor failed: counted apart, where there is one.
    if (t.flaky) out << ", " << t.flaky << " flaky";
    out << "\n";
    if (stopped_of)
        out << "stopped by a signal after " << results.size() << " of " << *stopped_of << " files"
            << (results.size() < *stopped_of ? "; the rest did not run" : "") << "\n";
}

void print_json(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                bool kernel, std::optional<size_t> stopped_of) {
    Json doc = json_document(kReplaySchema, kReplaySchemaVersion);
    doc["profile"] = profile_name;
    doc["kernel"] = kernel;
    doc["interrupted"] = stopped_of.has_value();
    doc["files_given"] = stopped_of.value_or(results.size());
    Json files = Json::array();
    for (const auto& r : results) {
        Json findings = Json::array();
        for (const auto& f : reported_findings(r.verdict))
            findings.push_back({{"kind", f.kind}, {"step", f.step + 1}, {"line", f.line}, {"op", f.op},
                                {"model", f.model}, {"rule", f.rule}, {"other", f.other}, {"summary", f.summary}});
        files.push_back({{"file", r.file},
                         {"verdict", verdict_status_name(r.verdict.status)},
                         {"steps", r.verdict.steps_run},
                         {"observations", r.verdict.observations},
                         {"needs", r.verdict.needs},
                         {"runs", r.verdict.reproduction.runs},
                         {"reproduced", r.verdict.reproduction.reproduced},
                         {"findings", std::move(findings)}});
    }
    doc["files"] = std::move(files);
    const Totals t = totals(results);
    doc["totals"] = {{"passed", t.passed},
                     {"failed", t.failed},
                     {"skipped", t.skipped},
                     {"not_reached", t.not_reached},
                     {"flaky", t.flaky}};
    write_json(out, doc);
}

}  // namespace slotcheck::cli
