// A failure found and kept: the sequence that failed, the smaller one that
// still fails the same way, the verdict on that one, and where it came
// from. A fuzz campaign's workers send findings over the wire (fuzz/wire.h)
// as records (sys/record.h) holding the verdict's own record.
#pragma once

#include <cstdint>
#include <string>

#include "replay/verdict.h"
#include "seq/sequence.h"

namespace slotcheck {

struct Finding {
    Sequence original;
    Sequence shrunk;   // the original when not shrunk (a flaky finding never is)
    Verdict verdict;   // on `shrunk`: its status, divergence and how often it reproduced
    std::string signature;  // failure_signature(verdict)

    // Where it came from: the index of the sequence in its campaign
    // (`fuzz --only` regenerates it) and the generator seed derived from the
    // campaign's seed and that index, and when in the campaign it was judged.
    uint64_t index = 0;
    uint64_t sequence_seed = 0;
    double found_after_s = 0;

    // What shrinking it took.
    uint64_t shrink_candidates = 0;
    double shrink_s = 0;
    bool shrink_cut_short = false;  // the time ran out before the shrunk form was 1-minimal

    bool flaky() const { return verdict.status == Verdict::Status::Flaky; }
};

}  // namespace slotcheck
