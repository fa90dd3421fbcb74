// Minimizing a failing sequence: delta debugging over its operations, then
// simplification of its values, until the result is 1-minimal: removing any
// single operation, or simplifying any single value, loses the failure.
//
// Each round tries, in order: removing chunks of steps of halving size
// (from the end backwards; the uses of a removed creation are dropped or
// repaired), simplifying each value alone (simpler_values()), moving a
// value that several fields of one meaning share (two bindings' offset),
// sliding all gpas or all file offsets down together, and renumbering the
// handles. Rounds repeat until one changes nothing.
//
// Pure: whether a candidate "still fails" is a predicate the caller gives
// (the real kernel through replay/sequence_oracle.h, the model with a
// mutant rule, or an external command), so the same minimizer serves every
// oracle. Every candidate it judges passes validate_handles().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "seq/sequence.h"

namespace slotcheck {

// True when the candidate still shows the failure being minimized.
using FailurePredicate = std::function<bool(const Sequence&)>;

struct MinimizeProgress {
    size_t candidates = 0;  // candidates judged so far
    size_t length = 0;      // steps of the smallest failing sequence so far
    std::string phase;      // "removing 8-step chunks", "simplifying values", "renumbering handles"
};

struct MinimizeOptions {
    std::function<void(const MinimizeProgress&)> progress;  // called after every judged candidate
    size_t max_candidates = 0;                               // 0: no limit
    std::optional<std::chrono::steady_clock::time_point> deadline;
    // Asked before each candidate; true ends the search as the deadline
    // does (the smallest failing sequence so far, not 1-minimal). The
    // command answers it from a signal (SIGINT, SIGTERM).
    std::function<bool()> stop;
};

struct MinimizeResult {
    Sequence sequence;  // the smallest failing sequence found: no expectations, no comments
    size_t original_length = 0;
    size_t candidates = 0;     // candidates judged (invalid and repeated ones are not judged)
    bool one_minimal = false;  // false when the candidate budget or the deadline ran out first
};

// `failing` must satisfy `still_fails` once its expectations and comments
// are gone (the caller checks; the minimizer never judges the input).
MinimizeResult minimize(const Sequence& failing, const FailurePredicate& still_fails,
                        const MinimizeOptions& options = {});

// The candidate moves, exposed for tests and for other shrinkers.

// `seq` without its expectations and comments: a candidate's outcomes are
// the model's to decide.
Sequence without_expectations(const Sequence& seq);

// What happens to an operation that names a handle whose creating step was
// removed: Drop removes it (and, in turn, the uses of whatever it created);
// Repair first rewrites the references that have a neutral stand-in (a
// region's guest_memfd fd becomes -1, the fd a failed creation leaves, and
// its uaddr becomes the unmapped raw address 0) and drops only the rest.
enum class HandleRepair : uint8_t { Drop, Repair };

// `seq` without steps [begin, end), with the uses of vanished handles
// dropped or repaired.
Sequence without_steps(const Sequence& seq, size_t begin, size_t end, HandleRepair how);

// Simpler values than `v`, smallest first; each is smaller than `v`, so
// repeated simplification ends: 0, 1, powers of 16 from a page (0x1000,
// 0x10000, ...), the top bit of `v`, `v` rounded down to those powers, and
// half of an even `v`; a page-aligned `v` gets page-aligned values only.
std::vector<uint64_t> simpler_values(uint64_t v);

// For each value field of `op` (sizes, offsets, gpas, slot ids, flags,
// modes, written values, host addresses), the op with that one value
// simplified, simplest first. A region's mapping-relative uaddr may also
// become the raw address 0, which frees the mapping for removal.
std::vector<std::vector<Op>> value_simplifications(const Op& op);

// `seq` with the handles of each kind renumbered 0, 1, 2... in order of
// creation.
Sequence with_renumbered_handles(const Sequence& seq);

}  // namespace slotcheck
