// The design x property matrix: induction first, and for every property the
// induction could not prove, bounded model checking for the shortest
// counterexample. Every PROVED cell is an unsat answer from Z3 for the
// property's negation (plus the premises it needs); nothing is assumed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "prover/bmc.h"

namespace slotcheck::smt {

enum class CellStatus { Proved, Counterexample, Unknown, NotApplicable };
const char* cell_status_name(CellStatus s);  // PROVED, COUNTEREXAMPLE, UNKNOWN, N/A

struct Cell {
    std::string design;
    std::string property;
    CellStatus status = CellStatus::Unknown;
    int steps = 0;            // counterexample length
    double seconds = 0;       // this cell's own queries (induction + step checks + BMC)
    std::string method;       // "induction", "bmc"
    std::string detail;       // why UNKNOWN, or why induction failed
    std::optional<Counterexample> cex;
};

struct DesignResult {
    std::string design;
    int number = 0;
    std::string summary;
    std::vector<Cell> cells;                // in the order of the requested properties
    std::vector<PremiseResult> premises;    // premises of the small-model argument, non-vacuity
    std::vector<InvariantResult> auxiliary; // well-formedness, design lemmas
    double seconds = 0;                     // the whole design, shared work included
};

struct ProveRequest {
    std::vector<std::string> designs;     // names or numbers; empty: all
    std::vector<std::string> properties;  // names; empty: all
    int depth = 6;                        // BMC depth
};

// Throws std::invalid_argument for an unknown design or property name.
std::vector<DesignResult> prove_matrix(const ProveRequest& req);

}  // namespace slotcheck::smt
