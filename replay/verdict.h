// What judging a sequence (or a sequence file) says, for every command:
// fuzz, minimize, replay, the mutation matrix and the runs inside a VM
// under test all answer with a Verdict, and it crosses every pipe (the
// replay child, the fuzz wire, the VM event channel) as one record
// (sys/record.h) through encode()/decode_verdict().
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "replay/differ.h"

namespace slotcheck {

// Where a judgement spent its time (seconds): the oracle's operations, its
// `check` observations, and the whole call (fork, model and reporting
// included).
struct JudgeTiming {
    double oracle_ops = 0, oracle_observe = 0, total = 0;
};

// How often a failure showed when its sequence was run again: `runs` runs
// in all, the first included, `reproduced` of them with the same failure.
// One rule for every command: a failure stands when most runs show it.
struct Reproduction {
    unsigned runs = 1, reproduced = 1;
    bool stands() const { return 2 * reproduced > runs; }
    std::string text() const;  // "reproduced 2/3", or "" when not re-run
};
// Runs `shows_again` (one more run: did it show the same failure?) until
// `runs` runs in all have been made.
Reproduction reproduce(unsigned runs, const std::function<bool()>& shows_again);

struct Verdict {
    enum class Status : uint8_t {
        Agree,
        Diverge,   // `divergence` says where and how
        Crashed,   // the replay child died (a kernel or harness crash); `detail` says how
        TimedOut,  // the replay child outlived the time limit and was killed
        // The first run failed (`first_status`), but most re-runs did not:
        // reported with its numbers, never as a divergence.
        Flaky,
        // Agreed without reaching the point of the file (replay/point.h):
        // its scenario never started, so it tested nothing. `detail` says
        // why, `stopped_step` and `stopped_line` where.
        NotReached,
        // Not run: the kernel lacks features the file's expectations need (`needs`).
        Skipped,
        // The file could not be read again after it was checked.
        Error,
    };
    Status status = Status::Agree;
    std::optional<Divergence> divergence;  // the first one, when Diverge
    std::string detail;                    // one line: the divergence summary, or how the child ended
    JudgeTiming timing;
    // The first run outlived the time limit and the retry with the longer
    // limit finished: the verdict is the retry's.
    bool slow = false;
    Reproduction reproduction;            // how often the failure showed (1/1: not re-run)
    Status first_status = Status::Agree;  // Flaky: what the first run showed
    size_t steps_run = 0;                 // steps both sides ran
    size_t observations = 0;              // `check` observations compared
    // Steps where the kernel answered as the file records it does
    // (`!kernel: OUTCOME`): listed, never failures.
    std::vector<Divergence> deviations_as_recorded;
    std::optional<size_t> stopped_step;  // NotReached, Error: where (0-based step)
    int stopped_line = 0;
    std::vector<std::string> needs;  // Skipped: the features the kernel lacks
    std::vector<std::string> trace;  // when asked for: one line per step

    // A failure of the kernel or the tool; agreeing, flaky, not reached and
    // skipped judgements are not (a file that did not reach its point is
    // counted apart, never as a pass).
    bool failed() const {
        return status != Status::Agree && status != Status::Flaky && status != Status::NotReached &&
               status != Status::Skipped;
    }
};

// agree, diverge, crashed, timeout, flaky, not-reached, skip, error
std::string verdict_status_name(Verdict::Status s);
std::optional<Verdict::Status> verdict_status_from_name(const std::string& name);

std::optional<Divergence::Kind> divergence_kind_from_name(const std::string& name);  // divergence_kind_name()

// The record of a verdict or a divergence, and back (nullopt with `error`
// set when the text is not one).
std::string encode(const Verdict& v);
std::optional<Verdict> decode_verdict(const std::string& text, std::string& error);
std::string encode(const Divergence& d);
std::optional<Divergence> decode_divergence(const std::string& text, std::string& error);

// A one-line key for a failure, for grouping findings and deciding whether
// a re-run showed the same one: "outcome gmem.bind-overlap at region".
std::string failure_signature(const Verdict& v);
// The same key from its parts (an empty rule is "no-rule").
std::string failure_signature(const std::string& divergence_kind, const std::string& rule_name,
                              const std::string& op_keyword);

}  // namespace slotcheck
