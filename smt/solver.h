// A solver with a result object that carries a model. The timeout, the
// random seed and the memory limit are set in one place: SolverConfig, applied
// by configure() (and with the defaults on first use).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "smt/expr.h"

namespace slotcheck::smt {

struct SolverConfig {
    unsigned timeout_ms = 20000;     // per query; a query that runs out is UNKNOWN
    unsigned random_seed = 0;        // fixed, so runs are reproducible
    unsigned memory_limit_mb = 4096; // Z3's memory_max_size
};

// Sets the configuration for every solver created afterwards. Call before
// the first query (the Z3 context is created with the memory limit).
void configure(const SolverConfig& config);
const SolverConfig& config();

class Model {
public:
    Model();
    ~Model();
    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    bool valid() const;
    // Evaluates with model completion: unconstrained variables read as 0/false.
    Expr eval(const Expr& e) const;
    uint64_t uint(const Expr& e) const;
    bool boolean(const Expr& e) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    friend class Solver;
};

class Result {
public:
    enum class Answer { Sat, Unsat, Unknown };
    Answer answer() const { return answer_; }
    bool sat() const { return answer_ == Answer::Sat; }
    bool unsat() const { return answer_ == Answer::Unsat; }
    bool unknown() const { return answer_ == Answer::Unknown; }
    const std::string& reason() const { return reason_; }  // why unknown
    const Model& model() const { return model_; }          // valid when sat
    double seconds() const { return seconds_; }

private:
    Answer answer_ = Answer::Unknown;
    std::string reason_;
    Model model_;
    double seconds_ = 0;
    friend class Solver;
};

class Solver {
public:
    Solver();
    ~Solver();
    Solver(const Solver&) = delete;
    Solver& operator=(const Solver&) = delete;

    void add(const Expr& e);
    void push();
    void pop();
    Result check();
    Result check(const std::vector<Expr>& assumptions);

    // Totals over all solvers of the process (for the benchmark).
    static uint64_t total_queries();
    static double total_seconds();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Wall-clock seconds since `start`.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace slotcheck::smt
