#include "prover/prove.h"

#include <stdexcept>

#include "smt/solver.h"
#include "sys/quoted.h"

namespace slotcheck::smt {

const char* cell_status_name(CellStatus s) {
    switch (s) {
    case CellStatus::Proved: return "PROVED";
    case CellStatus::Counterexample: return "COUNTEREXAMPLE";
    case CellStatus::Unknown: return "UNKNOWN";
    case CellStatus::NotApplicable: return "N/A";
    }
    return "?";
}

namespace {

std::vector<const Design*> selected_designs(const std::vector<std::string>& names) {
    if (names.empty()) return designs();
    std::vector<const Design*> out;
    for (const std::string& n : names) {
        const Design* d = find_design(n);
        if (!d) throw std::invalid_argument("unknown design " + quote(n));
        out.push_back(d);
    }
    return out;
}

std::vector<const Property*> selected_properties(const std::vector<std::string>& names) {
    std::vector<const Property*> out;
    if (names.empty()) {
        for (const Property& p : properties()) out.push_back(&p);
        return out;
    }
    for (const std::string& n : names) {
        const Property* p = find_property(n);
        if (!p) throw std::invalid_argument("unknown property " + quote(n));
        out.push_back(p);
    }
    return out;
}

const PremiseResult* find_premise(const std::vector<PremiseResult>& ps, const std::string& name) {
    for (const PremiseResult& p : ps)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace

std::vector<DesignResult> prove_matrix(const ProveRequest& req) {
    std::vector<const Design*> ds = selected_designs(req.designs);
    std::vector<const Property*> ps = selected_properties(req.properties);
    std::vector<DesignResult> out;
    for (const Design* d : ds) {
        auto start = std::chrono::steady_clock::now();
        DesignResult dr;
        dr.design = d->name();
        dr.number = d->number();
        dr.summary = d->summary();
        InductionReport ind = prove_by_induction(*d);
        dr.premises = ind.premises;
        dr.premises.push_back(check_non_vacuous(*d));
        for (const InvariantResult& r : ind.invariants)
            if (!find_property(r.name)) dr.auxiliary.push_back(r);
        const PremiseResult* non_vacuous = find_premise(dr.premises, "non-vacuous");

        for (const Property* p : ps) {
            Cell c;
            c.design = d->name();
            c.property = p->name;
            if (!p->applies(*d)) {
                c.status = CellStatus::NotApplicable;
                c.detail = "the design has no binding table";
                dr.cells.push_back(c);
                continue;
            }
            const InvariantResult* r = ind.find(p->name);
            c.seconds = r ? r->seconds : 0;
            c.method = "induction";
            std::string missing;
            for (const std::string& need : premises_needed(p->name)) {
                const PremiseResult* pr = find_premise(dr.premises, need);
                if (!pr || !pr->holds) missing += (missing.empty() ? "" : ", ") + need;
            }
            if (!non_vacuous || !non_vacuous->holds) missing += (missing.empty() ? "" : ", ") + std::string("non-vacuous");
            if (r && r->proved && missing.empty()) {
                c.status = CellStatus::Proved;
                dr.cells.push_back(c);
                continue;
            }
            if (r && r->proved) c.detail = "inductive with " + std::to_string(ind.nslots) + " slots, but premise " +
                                           missing + " fails";
            else if (r) c.detail = "induction: " + r->detail;
            BmcResult b = shortest_counterexample(*d, *p, req.depth);
            c.seconds += b.seconds;
            c.method = r && r->proved ? "induction+bmc" : "bmc";
            switch (b.status) {
            case BmcResult::Status::Found: {
                PremiseResult bv = recheck_with_bitvectors(*d, *p, b.cex);
                c.seconds += bv.seconds;
                c.steps = b.depth;
                c.cex = b.cex;
                if (bv.holds) {
                    c.status = CellStatus::Counterexample;
                } else {
                    c.status = CellStatus::Unknown;
                    c.detail += (c.detail.empty() ? "" : "; ") + std::string("counterexample not confirmed by the ") +
                                "bit-vector re-check: " + bv.detail;
                }
                break;
            }
            case BmcResult::Status::NoneWithinDepth:
                c.status = CellStatus::Unknown;
                c.detail += (c.detail.empty() ? "" : "; ") + std::string("no counterexample within ") +
                            std::to_string(req.depth) + " steps";
                break;
            case BmcResult::Status::Unknown:
                c.status = CellStatus::Unknown;
                c.detail += (c.detail.empty() ? "" : "; ") + std::string("bmc: ") + b.reason;
                break;
            }
            dr.cells.push_back(c);
        }
        dr.seconds = seconds_since(start);
        out.push_back(std::move(dr));
    }
    return out;
}

}  // namespace slotcheck::smt
