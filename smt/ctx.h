// The one Z3 context of the process. Internal to smt/: only .cpp files
// in this directory include it, because it includes z3++.h.
#pragma once

#include <z3++.h>

namespace slotcheck::smt {

// Created on first use with the configuration of solver.cpp (timeout, seed,
// memory limit are applied there, in one place).
z3::context& ctx();

inline z3::expr wrap(Z3_ast a) { return z3::expr(ctx(), a); }

}  // namespace slotcheck::smt
