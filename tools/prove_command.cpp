#include "tools/prove_command.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "prover/induction.h"
#include "prover/prove.h"
#include "prover/counterexample.h"
#include "seq/quoted.h"
#include "seq/sequence.h"
#include "smt/solver.h"
#include "tools/command_line.h"
#include "tools/json_document.h"

namespace slotcheck::smt {

namespace {

constexpr const char* kSummary =
    "Proves the design properties, or prints a counterexample for each that does not hold\n"
    "(Z3), as a design x property matrix.";
constexpr const char* kNotes = "exit: 0 all proved, 1 counterexample, 2 bad input, 4 unknown (docs/output.md, \"Exit codes\")";

std::string seconds_text(double s) {
    char buf[32];
    if (s < 10) std::snprintf(buf, sizeof buf, "%.2fs", s);
    else std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
}

std::string short_cell(const Cell& c) {
    switch (c.status) {
    case CellStatus::Proved: return "PROVED " + seconds_text(c.seconds);
    case CellStatus::Counterexample: return "CEX(" + std::to_string(c.steps) + ") " + seconds_text(c.seconds);
    case CellStatus::Unknown: return "UNKNOWN " + seconds_text(c.seconds);
    case CellStatus::NotApplicable: return "n/a";
    }
    return "?";
}

std::string long_status(const Cell& c) {
    if (c.status == CellStatus::Counterexample) return "COUNTEREXAMPLE (" + std::to_string(c.steps) + " steps)";
    return cell_status_name(c.status);
}

std::string emit_name(const Cell& c) { return c.design + "." + c.property + ".seq"; }

void print_text(const std::vector<DesignResult>& rs, const ProveOptions& opts, double total, std::ostream& out) {
    out << "slotcheck prove (" << (opts.bitvectors ? "bit-vector" : "integer") << " encoding of 64-bit values): induction over " << kInductionSlots << " symbolic slots and " << kInductionCache
        << " cache entry; shortest counterexamples by BMC up to " << opts.depth << " steps\n\n";
    out << "designs:";
    for (const DesignResult& d : rs) out << "  " << d.number << " " << d.design;
    out << "\n\n";
    const size_t name_w = 22, cell_w = 15;
    out << std::left << std::setw(name_w) << "property";
    for (const DesignResult& d : rs) out << std::setw(cell_w) << std::to_string(d.number);
    out << "\n";
    if (!rs.empty())
        for (size_t p = 0; p < rs.front().cells.size(); ++p) {
            out << std::setw(name_w) << rs.front().cells[p].property;
            for (const DesignResult& d : rs) out << std::setw(cell_w) << short_cell(d.cells[p]);
            out << "\n";
        }
    out << std::right << "\nCEX(k) = COUNTEREXAMPLE (k steps); times are each cell's own solver work.\n";

    for (const DesignResult& d : rs)
        for (const Cell& c : d.cells) {
            if (c.status == CellStatus::Counterexample && c.cex) {
                out << "\n" << long_status(c) << ": design " << d.number << " " << c.design << ", " << c.property
                    << "\n" << format_counterexample(*c.cex, "  ");
                if (opts.emit_dir) out << "  sequence: " << (*opts.emit_dir + "/" + emit_name(c)) << "\n";
                if (opts.emit_private_dir)
                    out << "  private sequence: " << (*opts.emit_private_dir + "/" + emit_name(c)) << "\n";
            } else if (c.status == CellStatus::Unknown) {
                out << "\nUNKNOWN: design " << d.number << " " << c.design << ", " << c.property << ": " << c.detail
                    << "\n";
            }
        }

    out << "\npremises of the small-model argument (docs/proofs.md), per design:\n";
    for (const DesignResult& d : rs) {
        out << "  " << d.number << " " << std::left << std::setw(18) << d.design << std::right;
        for (const PremiseResult& p : d.premises)
            out << " " << p.name << "=" << (p.holds ? "ok" : (p.unknown ? "unknown" : "FAILS"));
        for (const InvariantResult& a : d.auxiliary)
            out << " " << (a.name == "well-formed" ? "well-formed" : "lemmas") << "="
                << (a.proved ? "ok" : (a.unknown ? "unknown" : "FAILS"));
        out << "  (" << seconds_text(d.seconds) << ")\n";
    }
    out << "\ntotal " << seconds_text(total) << ", " << Solver::total_queries() << " solver queries\n";
}

void print_json(const std::vector<DesignResult>& rs, const ProveOptions& opts, double total, std::ostream& out) {
    Json doc = json_document(kProveSchema, kProveSchemaVersion);
    doc["encoding"] = opts.bitvectors ? "bitvector" : "integer";
    doc["depth"] = opts.depth;
    doc["induction_slots"] = kInductionSlots;
    doc["induction_cache_entries"] = kInductionCache;
    doc["seconds"] = total;
    Json designs = Json::array();
    for (const DesignResult& d : rs) {
        Json premises = Json::array();
        for (const PremiseResult& p : d.premises) premises.push_back({{"name", p.name}, {"holds", p.holds}});
        Json cells = Json::array();
        for (const Cell& cell : d.cells) {
            Json c = {{"property", cell.property},
                      {"status", cell_status_name(cell.status)},
                      {"seconds", cell.seconds},
                      {"method", cell.method}};
            if (cell.status == CellStatus::Counterexample) c["steps"] = cell.steps;
            if (!cell.detail.empty()) c["detail"] = cell.detail;
            if (cell.cex) {
                Json trace = Json::array();
                for (size_t i = 0; i < cell.cex->trace.size(); ++i) trace.push_back(step_description(*cell.cex, i));
                c["trace"] = std::move(trace);
                c["violation"] = cell.cex->violation;
                if (opts.emit_dir) c["sequence"] = *opts.emit_dir + "/" + emit_name(cell);
                if (opts.emit_private_dir) c["private_sequence"] = *opts.emit_private_dir + "/" + emit_name(cell);
            }
            cells.push_back(std::move(c));
        }
        designs.push_back({{"number", d.number},
                           {"name", d.design},
                           {"summary", d.summary},
                           {"seconds", d.seconds},
                           {"premises", std::move(premises)},
                           {"cells", std::move(cells)}});
    }
    doc["designs"] = std::move(designs);
    write_json(out, doc, 2);
}

bool emit(const std::vector<DesignResult>& rs, const std::string& dir, VmForm form, std::ostream& err) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        err << "slotcheck prove: cannot create " << dir << ": " << ec.message() << "\n";
        return false;
    }
    for (const DesignResult& d : rs)
        for (const Cell& c : d.cells) {
            if (!c.cex) continue;
            std::string path = dir + "/" + emit_name(c);
            std::ofstream f(path);
            f << print(in_form(*c.cex, form));
            if (!f) {
                err << "slotcheck prove: cannot write " << path << "\n";
                return false;
            }
        }
    return true;
}

void list(std::ostream& out) {
    out << "designs:\n";
    if (designs().empty()) out << "  (none registered: link slotcheck_smt whole-archive, docs/proofs.md)\n";
    for (const Design* d : designs()) out << "  " << d->number() << " " << d->name() << ": " << d->summary() << "\n";
    out << "properties:\n";
    for (const Property& p : properties()) out << "  " << p.name << ": " << p.summary << "\n";
}

}  // namespace

int run_prove(const ProveOptions& opts, std::ostream& out, std::ostream& err) {
    SolverConfig cfg = config();
    cfg.timeout_ms = opts.timeout_ms;
    configure(cfg);
    Encoding saved = encoding();
    set_encoding(opts.bitvectors ? Encoding::BitVector : Encoding::Integer);
    struct Restore {
        Encoding e;
        ~Restore() { set_encoding(e); }
    } restore{saved};
    ProveRequest req{opts.designs, opts.properties, opts.depth};
    auto start = std::chrono::steady_clock::now();
    std::vector<DesignResult> rs;
    try {
        rs = prove_matrix(req);
    } catch (const std::invalid_argument& e) {
        err << "slotcheck prove: " << e.what() << "\n";
        return cli::kExitBadInput;
    }
    double total = seconds_since(start);
    if (opts.emit_dir && !emit(rs, *opts.emit_dir, VmForm::Default, err)) return cli::kExitBadInput;
    if (opts.emit_private_dir && !emit(rs, *opts.emit_private_dir, VmForm::Private, err)) return cli::kExitBadInput;
    if (opts.json) print_json(rs, opts, total, out);
    else print_text(rs, opts, total, out);
    bool cex = false, unknown = false;
    for (const DesignResult& d : rs)
        for (const Cell& c : d.cells) {
            cex = cex || c.status == CellStatus::Counterexample;
            unknown = unknown || c.status == CellStatus::Unknown;
        }
    if (unknown) return cli::kExitUnknown;
    return cex ? cli::kExitDivergence : cli::kExitOk;
}

int prove_main(int argc, char** argv) {
    ProveOptions opts;
    bool list_only = false;
    cli::CommandLine line("prove", kSummary, kNotes);
    line.add_repeated("--design", opts.designs, "a design by name or number (repeatable; default all)")
        ->type_name("D");
    line.add_repeated("--property", opts.properties, "a property by name (repeatable; default all)")->type_name("P");
    line.add_number("--depth", opts.depth, 1, 12, "bounded model checking depth for counterexamples (default 6)")
        ->type_name("K");
    line.add_text("--emit", opts.emit_dir, "DIR", "write every counterexample as DIR/<design>.<property>.seq");
    line.add_text("--emit-private", opts.emit_private_dir, "DIR",
                  "write each on a software-protected VM (type 1, files without\n"
                  "flags, bound gfns private) as DIR/<design>.<property>.seq");
    line.add_switch("--json", opts.json, "print the results as JSON instead of text");
    line.add_number("--timeout-ms", opts.timeout_ms, 1, 3600000, "limit per solver query (default 20000)");
    line.add_switch("--bitvectors", opts.bitvectors,
                    "encode values as Z3 bit-vectors instead of range-bounded integers\n"
                    "(same semantics, much slower: expect UNKNOWN cells)");
    line.add_switch("--list", list_only, "list the designs and properties");
    if (auto code = line.parse(argc, argv)) return *code;
    if (list_only) {
        list(std::cout);
        return cli::kExitOk;
    }
    return run_prove(opts, std::cout, std::cerr);
}

}  // namespace slotcheck::smt
