// The sequence generator of `slotcheck fuzz`: sequences built step by step on
// the reference model's state, so each operation is chosen from what exists
// (live VMs, files and their sizes, slots and bindings, mappings) and aimed
// at the boundaries where kernels break. docs/fuzzing.md describes what it
// aims at, its budgets and its measured reach.
#pragma once

#include <rapidcheck.h>

#include <cstddef>

#include "model/kernel_memory.h"
#include "model/profile.h"
#include "seq/sequence.h"

namespace slotcheck::gen {

struct FuzzShape {
    size_t max_ops = 64;        // steps per sequence (upper bound; RapidCheck size scales it)
    int invalid_percent = 15;   // share of deliberately implausible operations
    // What the kernel may hold for the sequence's objects at any moment, by
    // the model's estimate (model/kernel_memory.h).
    uint64_t kernel_memory_budget = kDefaultKernelMemoryBudget;
};

// A sequence built step by step on the reference model's state under
// `profile`: mostly plausible operations on live handles, plus a controlled
// share of invalid ones, biased toward the boundaries where kernels break.
// Deterministic: the same rc::Random and size give the same sequence. Every
// sequence passes validate_handles(), round-trips through print() and
// parse(), ends with a `check`, and keeps to the memory budget of
// generators/generation_state.h and to the kernel memory budget.
rc::Gen<Sequence> stateful_sequence(const Profile& profile, FuzzShape shape = {});

}  // namespace slotcheck::gen
