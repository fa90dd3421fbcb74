// The one projection from a sequence operation to a step of the prover's
// world: which step (OpKind) an op is, and the constraint that a symbolic
// step's parameters (StepVars) are the op's values. The bit-vector re-check
// pins a counterexample's steps with it, and the conformance test
// (tests/smt_conformance_test.cpp) runs the same ops on the model and, through
// it, as design 7's transitions, so both read ops the same way.
//
//   region (size > 0)   register: slot (as << 16) | id, gfns [gpa, gpa + size)
//                       in pages, with KVM_MEM_GUEST_MEMFD the file is the
//                       gmem handle's index and pgoff its offset in pages
//   region (size 0)     delete: slot id
//   close gK            close: file K
//   fallocate gK mode=0x3 (KEEP_SIZE|PUNCH_HOLE)   punch: pages [offset, offset + len)
//   gwrite, gread       access: the gfn, through a slot of address space 0
//                       (the probe vCPU's)
//
// Everything else (the VM, the files, mappings, attributes, check) is not a
// step, and neither is an op with values the prover's world does not hold
// (unaligned addresses, other flags, fds that are not guest_memfd handles).
#pragma once

#include <optional>

#include "prover/transition.h"
#include "seq/ops.h"

namespace slotcheck::smt {

struct ProjectedStep {
    OpKind kind = OpKind::Register;
    Expr fixes;  // v's kind and the parameters the op determines equal its values
};

// `before` is the state the step is taken from: an access names a gfn, not
// the slot it goes through, so the projection says that slot is of address
// space 0.
std::optional<ProjectedStep> project(const Op& op, const StepVars& v, const State& before);

}  // namespace slotcheck::smt
