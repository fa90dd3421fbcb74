#include "tools/replay_result.h"

#include <sstream>

#include "seq/text_scan.h"
#include "tools/json_document.h"

namespace slotcheck::cli {

namespace {

std::string field(const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '\t' || c == '\n') ? ' ' : c;
    return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : line) {
        if (c == '\t') {
            parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    parts.push_back(cur);
    return parts;
}

}  // namespace

Totals totals(const std::vector<FileResult>& results) {
    Totals t;
    for (const auto& r : results) {
        if (r.verdict == "agree") ++t.passed;
        else if (r.skipped()) ++t.skipped;
        else if (r.not_reached()) ++t.not_reached;
        else if (r.flaky()) ++t.flaky;
        else ++t.failed;
    }
    return t;
}

std::string FileResult::verdict_text() const {
    if (reproduction.runs > 1) return verdict + " (" + reproduction.text() + ")";
    if (!skipped() || needs.empty()) return verdict;
    std::string text = verdict + " (needs ";
    for (size_t i = 0; i < needs.size(); ++i) text += (i ? ", " : "") + needs[i];
    return text + ")";
}

FileResult skipped_for(const std::string& file, const std::vector<std::string>& needs) {
    FileResult r;
    r.file = file;
    r.verdict = "skip";
    r.needs = needs;
    return r;
}

FileResult from_report(const std::string& file, const ReplayReport& report, const PointReach& reach, bool with_trace) {
    FileResult r;
    r.file = file;
    r.verdict = !report.agreed() ? "diverge" : reach.reached ? "agree" : "not-reached";
    r.steps = report.steps_run;
    r.observations = report.observations_compared;
    auto finding = [](const Divergence& d, const std::string& kind) {
        FileResult::Finding f;
        f.kind = kind;
        f.op = d.op_text;
        f.step = d.step;
        f.line = d.line;
        f.rule = d.rule == RuleId::Count ? "" : rule(d.rule).name;
        f.summary = d.summary();
        if (d.kind != Divergence::Kind::View && d.kind != Divergence::Kind::Invariant) {
            f.model = to_string(d.model);
            f.other = to_string(d.other);
        }
        return f;
    };
    for (const auto& d : report.divergences) r.findings.push_back(finding(d, divergence_kind_name(d.kind)));
    if (report.agreed() && !reach.reached) {
        FileResult::Finding f;
        f.kind = "not reached";
        f.step = reach.blocked_at.value_or(0);
        f.line = reach.blocked_line;
        f.summary = reach.why;
        r.findings.push_back(f);
    }
    // Known kernel deviations (`!kernel:` in the file) are listed; the file still agrees.
    for (const auto& d : report.deviations_as_recorded) r.findings.push_back(finding(d, "deviation as recorded"));
    if (with_trace) {
        for (const auto& s : report.steps) {
            std::ostringstream o;
            o << "step " << s.index + 1 << ": " << print_op(s.op) << "  model " << to_string(s.model);
            if (s.rule != RuleId::Count) o << " [" << rule(s.rule).name << "]";
            if (s.kernel) o << "  kernel " << (std::holds_alternative<Check>(s.op) ? (s.kernel->kind == Outcome::Kind::Ok ? "same view" : "view differs") : to_string(*s.kernel));
            if (s.expected) o << "  expected " << to_string(*s.expected);
            r.trace.push_back(o.str());
        }
    }
    return r;
}

std::string serialize(const FileResult& r) {
    std::ostringstream o;
    o << "verdict\t" << field(r.verdict) << "\nsteps\t" << r.steps << "\nobservations\t" << r.observations << "\n";
    for (const auto& f : r.findings)
        o << "finding\t" << field(f.kind) << "\t" << f.step << "\t" << f.line << "\t" << field(f.op) << "\t"
          << field(f.model) << "\t" << field(f.rule) << "\t" << field(f.other) << "\t" << field(f.summary) << "\n";
    for (const auto& n : r.needs) o << "needs\t" << field(n) << "\n";
    for (const auto& t : r.trace) o << "trace\t" << field(t) << "\n";
    return o.str();
}

std::optional<FileResult> deserialize(const std::string& text) {
    FileResult r;
    std::istringstream in(text);
    std::string line;
    bool saw_verdict = false;
    while (std::getline(in, line)) {
        auto p = split_tabs(line);
        if (p[0] == "verdict" && p.size() == 2) {
            r.verdict = p[1];
            saw_verdict = true;
        } else if (p[0] == "steps" && p.size() == 2) {
            r.steps = parse_u64(p[1]).value_or(0);
        } else if (p[0] == "observations" && p.size() == 2) {
            r.observations = parse_u64(p[1]).value_or(0);
        } else if (p[0] == "finding" && p.size() == 9) {
            FileResult::Finding f;
            f.kind = p[1];
            f.step = parse_u64(p[2]).value_or(0);
            f.line = static_cast<int>(parse_u64(p[3]).value_or(0));
            f.op = p[4];
            f.model = p[5];
            f.rule = p[6];
            f.other = p[7];
            f.summary = p[8];
            r.findings.push_back(f);
        } else if (p[0] == "needs" && p.size() == 2) {
            r.needs.push_back(p[1]);
        } else if (p[0] == "trace" && p.size() == 2) {
            r.trace.push_back(p[1]);
        } else {
            return std::nullopt;
        }
    }
    if (!saw_verdict) return std::nullopt;
    return r;
}

void print_table(std::ostream& out, const std::vector<FileResult>& results, const std::string& profile_name,
                 bool kernel, std::optional<size_t> stopped_of) {
    const Totals t = totals(results);
    size_t width = 4;
    for (const auto& r : results) width = std::max(width, r.file.size());
    out << "profile " << profile_name << (kernel ? ", model vs /dev/kvm" : ", model only") << "\n";
    out << "file" << std::string(width - 4 + 2, ' ') << "steps  verdict\n";
    for (const auto& r : results) {
        std::string steps = std::to_string(r.steps);
        out << r.file << std::string(width - r.file.size() + 2, ' ') << std::string(5 - std::min<size_t>(5, steps.size()), ' ')
            << steps << "  " << r.verdict_text() << "\n";
        for (const auto& f : r.findings) out << "    " << f.kind << ": " << f.summary << "\n";
        for (const auto& t : r.trace) out << "    " << t << "\n";
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
        for (const auto& f : r.findings)
            findings.push_back({{"kind", f.kind}, {"step", f.step + 1}, {"line", f.line}, {"op", f.op},
                                {"model", f.model}, {"rule", f.rule}, {"other", f.other}, {"summary", f.summary}});
        files.push_back({{"file", r.file},
                         {"verdict", r.verdict},
                         {"steps", r.steps},
                         {"observations", r.observations},
                         {"needs", r.needs},
                         {"runs", r.reproduction.runs},
                         {"reproduced", r.reproduction.reproduced},
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
