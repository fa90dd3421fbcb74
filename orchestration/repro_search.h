// Which of the sequences a VM ran since boot bring a kernel report back, as
// syzkaller's pkg/repro looks for the program behind a crash: the report is
// tied to the sequence in flight, but the sequence that broke the kernel
// may have run many sequences before (a use-after-free that surfaces as a
// lockup later). Pure: whether a set of sequences, replayed in their order
// in a fresh VM, reproduces the report is a predicate the caller gives.
//
// The search, over the sequences 0..count-1 (count-1 the one in flight):
//   1. the last one alone, then the last 2, 4, 8... until a suffix
//      reproduces (none, the whole boot included: not reproduced);
//   2. bisection of that suffix: chunks of halving size are removed while
//      the rest still reproduces (delta debugging), down to single ones;
//   3. each remaining sequence alone, last first (what the bisection did not
//      get to try when time ran out).
// Every set is asked at most once.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace slotcheck::cli {

// Whether replaying these sequences (indexes, ascending) reproduces the
// report; nullopt: no time is left to find out.
using ReproducesFn = std::function<std::optional<bool>(const std::vector<size_t>&)>;

struct ReproSearchResult {
    bool reproduced = false;
    std::vector<size_t> culprits;  // the smallest set found that reproduces, ascending
    size_t attempts = 0;           // sets asked
    bool out_of_time = false;      // the search stopped early: `culprits` may not be minimal
};

ReproSearchResult find_culprits(size_t count, const ReproducesFn& reproduces);

}  // namespace slotcheck::cli
