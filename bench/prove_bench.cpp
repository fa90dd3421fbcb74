// Prover speed: the full design x property matrix (7 designs, 7 properties,
// induction plus shortest counterexamples to depth 6), with each cell's own
// solver time, each design's total (shared work included) and the wall
// time. Target (issue 3): the full matrix within 30 s on the 2-core machine.
// Usage: prove_bench [--depth K] [--repeat N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "prover/prove.h"
#include "smt/solver.h"

using namespace slotcheck::smt;

int main(int argc, char** argv) {
    int depth = 6, repeat = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--depth")) depth = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--repeat")) repeat = std::max(1, std::atoi(argv[i + 1]));
    }
    constexpr double kTargetSeconds = 30.0;
    double worst = 0;
    for (int r = 0; r < repeat; ++r) {
        uint64_t queries = Solver::total_queries();
        auto t0 = std::chrono::steady_clock::now();
        std::vector<DesignResult> rs = prove_matrix({{}, {}, depth});
        double wall = seconds_since(t0);
        worst = std::max(worst, wall);
        std::printf("run %d: full matrix in %.2f s (%llu solver queries)\n", r + 1, wall,
                    static_cast<unsigned long long>(Solver::total_queries() - queries));
        for (const DesignResult& d : rs) {
            std::printf("  %d %-18s %6.2f s total\n", d.number, d.design.c_str(), d.seconds);
            for (const Cell& c : d.cells) {
                std::string status = cell_status_name(c.status);
                if (c.status == CellStatus::Counterexample) status += " (" + std::to_string(c.steps) + " steps)";
                std::printf("      %-22s %-26s %8.1f ms\n", c.property.c_str(), status.c_str(), c.seconds * 1000);
            }
        }
    }
    std::printf("worst wall time %.2f s, target %.0f s: %s\n", worst, kTargetSeconds,
                worst <= kTargetSeconds ? "met" : "MISSED");
    return worst <= kTargetSeconds ? 0 : 1;
}
