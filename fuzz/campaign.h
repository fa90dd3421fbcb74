// A fuzzing campaign: J forked workers generate sequences from the model's
// state, judge each against the oracle (the kernel, each sequence in its own
// isolated child), shrink what fails, and stream statistics and findings
// back to the parent, which aggregates them. `slotcheck fuzz`, the mutation
// matrix (bench/mutation) and the fuzz tests all run through this.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fuzz/coverage.h"
#include "generators/boundary_census.h"
#include "model/kernel_memory.h"
#include "replay/finding.h"
#include "replay/sequence_oracle.h"
#include "seq/sequence.h"

namespace slotcheck::fuzz {

struct CampaignOptions {
    double seconds = 60;
    uint64_t seed = 1;
    unsigned jobs = 1;
    size_t max_ops = 64;
    std::optional<uint64_t> only;  // judge just the sequence with this index
    JudgeOptions judge;            // profile, oracle, mutant, invariants, time limit per sequence
    bool shrink = true;
    Sameness same = Sameness::Rule;
    double shrink_seconds = 60;  // budget per finding
    bool keep_going = false;     // go on after a finding (distinct failure signatures only)
    bool census = false;         // count the boundary situations of the judged sequences (Stats::census)
    // Set (by a signal handler) to stop the campaign early: the workers are
    // stopped and the result so far is returned, marked interrupted.
    const volatile std::sig_atomic_t* stop_requested = nullptr;
    // The kernel memory all workers' sequences may hold at once (the
    // model's estimate, model/kernel_memory.h): each worker's sequences get
    // an equal share (sequence_memory_budget()).
    uint64_t kernel_memory_budget = kDefaultKernelMemoryBudget;
    // Each worker judges on the kernel through one long-lived child
    // (replay/judging_child.h) unless this is set: then every run of every
    // sequence forks a child of its own, as before (`fuzz --fork-per-sequence`).
    bool fork_per_sequence = false;
};

// How far past `seconds` a campaign may run, shrinking and the judgement in
// flight included: the larger of 5 s and a tenth of the time.
double grace_seconds(double seconds);

// One sequence's share of the campaign's kernel memory budget: the budget
// over the workers running at once. Generation and shrinking keep to it;
// `fuzz --only N --kernel-memory-budget <share>` regenerates the sequence.
uint64_t sequence_memory_budget(const CampaignOptions& options);

// What the campaign spent and covered so far.
struct Stats {
    uint64_t sequences = 0, ops = 0, failures = 0;
    uint64_t slow = 0;  // sequences that outlived the time limit once and finished on the retry
    uint64_t flaky = 0;  // sequences whose failure most re-runs did not show (Verdict::Status::Flaky)
    double generate_s = 0, model_s = 0, judge_s = 0, oracle_ops_s = 0, oracle_observe_s = 0;
    // With CampaignOptions::census: the boundary situations the judged
    // sequences contain (generators/boundary_census.h); the time goes to model_s.
    gen::Census census;
    void add(const Stats& o);
};

using slotcheck::Finding;  // replay/finding.h

struct Progress {
    double elapsed_s = 0;
    Stats stats;
    const RuleCoverage* coverage = nullptr;
    size_t findings = 0;
    const std::vector<Finding>* finding_list = nullptr;  // every finding so far, oldest first
    // What each busy worker is doing beyond judging fresh sequences
    // ("worker 1: shrinking 34 -> 12 ops"); empty when none is.
    std::vector<std::string> activities;
};

struct CampaignResult {
    Stats stats;
    RuleCoverage coverage;
    std::vector<Finding> findings;
    std::vector<std::string> worker_errors;  // a worker that died, leaked fds or sent garbage
    long worker_peak_rss_kb = 0;             // the largest resident set of any worker
    double elapsed_s = 0;
    bool interrupted = false;      // stop_requested ended it
    unsigned stopped_in_flight = 0;  // workers stopped at the time limit or on request, mid-judgement
};

// The sequence a campaign judges at `index`: the same (seed, index,
// profile, max_ops) give the same sequence on every machine.
Sequence generate_sequence(const Profile& profile, uint64_t campaign_seed, uint64_t index, size_t max_ops,
                           uint64_t kernel_memory_budget = kDefaultKernelMemoryBudget);
uint64_t sequence_seed(uint64_t campaign_seed, uint64_t index);

// Runs the campaign; `on_progress` is called in the parent about once a
// second. Blocks until the time is up, a finding ends it, or every worker
// ended.
CampaignResult run_campaign(const CampaignOptions& options, const std::function<void(const Progress&)>& on_progress);

}  // namespace slotcheck::fuzz
