#include "smt/solver.h"

#include <memory>
#include <unordered_set>

#include "smt/ctx.h"

namespace slotcheck::smt {

namespace {

SolverConfig g_config;
z3::context* g_context = nullptr;  // never destroyed: Exprs may outlive main()
uint64_t g_queries = 0;
double g_seconds = 0;

// The one place where the solver limits are applied.
void apply_global_params(const SolverConfig& c) {
    z3::set_param("memory_max_size", static_cast<int>(c.memory_limit_mb));
    z3::set_param("smt.random_seed", static_cast<int>(c.random_seed));
    z3::set_param("sat.random_seed", static_cast<int>(c.random_seed));
}

void apply_solver_params(z3::solver& s, const SolverConfig& c) {
    z3::params p(ctx());
    p.set("timeout", c.timeout_ms);
    p.set("random_seed", c.random_seed);
    s.set(p);
}

}  // namespace

z3::context& ctx() {
    if (!g_context) {
        apply_global_params(g_config);
        g_context = new z3::context();
    }
    return *g_context;
}

void configure(const SolverConfig& c) {
    g_config = c;
    apply_global_params(c);
}

const SolverConfig& config() { return g_config; }

// --- Model

struct Model::Impl {
    z3::model m;
    explicit Impl(const z3::model& model) : m(model) {}
};

Model::Model() = default;
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

bool Model::valid() const { return impl_ != nullptr; }

Expr Model::eval(const Expr& e) const { return Expr::from_ast(impl_->m.eval(wrap(e.ast()), true)); }

uint64_t Model::uint(const Expr& e) const {
    z3::expr v = impl_->m.eval(wrap(e.ast()), true);
    return v.get_numeral_uint64();
}

bool Model::boolean(const Expr& e) const { return impl_->m.eval(wrap(e.ast()), true).is_true(); }

// --- Solver

struct Solver::Impl {
    z3::solver s;
    // Integer encoding: every 64-bit leaf (variable or array read) is confined
    // to [0, 2^64) once per solver scope.
    std::unordered_set<unsigned> seen;
    std::vector<unsigned> seen_order;
    std::vector<size_t> scopes;

    Impl() : s(ctx()) { apply_solver_params(s, g_config); }

    void bound_leaves(const z3::expr& root) {
        std::vector<z3::expr> todo{root};
        while (!todo.empty()) {
            z3::expr e = todo.back();
            todo.pop_back();
            if (!e.is_app()) continue;
            unsigned id = Z3_get_ast_id(ctx(), e);
            if (!seen.insert(id).second) continue;
            seen_order.push_back(id);
            Z3_decl_kind k = e.decl().decl_kind();
            bool leaf = (k == Z3_OP_UNINTERPRETED && e.num_args() == 0) || k == Z3_OP_SELECT;
            if (leaf && e.is_int()) s.add(e >= 0 && e < ctx().int_val("18446744073709551616"));
            for (unsigned i = 0; i < e.num_args(); ++i) todo.push_back(e.arg(i));
        }
    }
};

Solver::Solver() : impl_(std::make_unique<Impl>()) {}
Solver::~Solver() = default;

void Solver::add(const Expr& e) {
    z3::expr x = wrap(e.ast());
    if (encoding() == Encoding::Integer) impl_->bound_leaves(x);
    impl_->s.add(x);
}

void Solver::push() {
    impl_->scopes.push_back(impl_->seen_order.size());
    impl_->s.push();
}

void Solver::pop() {
    impl_->s.pop();
    size_t keep = impl_->scopes.back();
    impl_->scopes.pop_back();
    while (impl_->seen_order.size() > keep) {
        impl_->seen.erase(impl_->seen_order.back());
        impl_->seen_order.pop_back();
    }
}

Result Solver::check() { return check({}); }

Result Solver::check(const std::vector<Expr>& assumptions) {
    z3::expr_vector as(ctx());
    for (const Expr& a : assumptions) {
        as.push_back(wrap(a.ast()));
        if (encoding() == Encoding::Integer) impl_->bound_leaves(as.back());
    }
    auto start = std::chrono::steady_clock::now();
    Result r;
    z3::check_result cr;
    try {
        cr = as.empty() ? impl_->s.check() : impl_->s.check(as);
    } catch (const z3::exception& e) {
        r.answer_ = Result::Answer::Unknown;
        r.reason_ = e.msg();
        r.seconds_ = seconds_since(start);
        ++g_queries;
        g_seconds += r.seconds_;
        return r;
    }
    r.seconds_ = seconds_since(start);
    ++g_queries;
    g_seconds += r.seconds_;
    switch (cr) {
    case z3::sat:
        r.answer_ = Result::Answer::Sat;
        r.model_.impl_ = std::make_unique<Model::Impl>(impl_->s.get_model());
        break;
    case z3::unsat:
        r.answer_ = Result::Answer::Unsat;
        break;
    default:
        r.answer_ = Result::Answer::Unknown;
        r.reason_ = impl_->s.reason_unknown();
        break;
    }
    return r;
}

uint64_t Solver::total_queries() { return g_queries; }
double Solver::total_seconds() { return g_seconds; }

}  // namespace slotcheck::smt
