// One step of the symbolic world: KVM's own checks and effects around the
// design's hooks. A step is an operation kind plus its parameters; its guard
// says whether the kernel (and the design) accept it, and its next state is
// what the world looks like after.
#pragma once

#include <string>
#include <vector>

#include "prover/design.h"

namespace slotcheck::smt {

enum class OpKind : uint8_t { Register = 0, Delete = 1, Close = 2, Access = 3, Punch = 4 };

const char* op_name(OpKind k);
// The operations a design's world has: register, access and punch always;
// delete and close when the design models them.
std::vector<OpKind> op_kinds(const Design& d);

// The parameters of one step (a field is meaningful only for the kinds that
// use it).
struct StepVars {
    Expr kind;    // OpKind as a number
    Expr slot;    // register/delete: the slot entry; access: the slot it goes through
    Expr as, base, npages, gmem, file, pgoff;  // register (file: also punch and close)
    Expr cache;   // access: the cache entry it fills
    Expr gfn;     // access
    Expr start, end;  // punch: file pages [start, end)
};

StepVars fresh_step(const std::string& prefix);

struct Transition {
    OpKind kind = OpKind::Register;
    Expr taken;              // the step's guard
    State next;              // the state after it
    Obligations ob;          // arithmetic that must not wrap (under `taken`)
    std::vector<Zap> zaps;   // what the step invalidates
    Punch punch;             // for Punch steps
};

Transition make_transition(const Design& d, const World& w, const State& s, OpKind kind,
                           const StepVars& v);

// The full registration guard (KVM's checks and the design's), for a slot
// registered into entry v.slot of s.
Expr registration_guard(const Design& d, const World& w, const State& s, const StepVars& v,
                        Obligations& ob);

// s -> next is some allowed step with parameters v (v.kind selects it).
Expr transition_relation(const Design& d, const World& w, const State& s, const State& next,
                         const StepVars& v);

}  // namespace slotcheck::smt
