// Judging one sequence: replay it on the model and on an oracle, and say
// whether and where they differ. Fuzzing, minimizing, replaying files and
// the mutation matrix all ask this one question, so it is answered in one
// place, with one Verdict (replay/verdict.h).
//
// The oracle is the real kernel (/dev/kvm, each sequence in a fresh forked
// child with a fresh KvmBackend and a time limit, so a crash or a hung
// vCPU costs one sequence) or the unmutated reference model itself. The
// latter is for measuring how well generated sequences reach a mutated
// rule without a kernel at hand, and for tests; it never stands in for a
// kernel verdict.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/profile.h"
#include "replay/differ.h"
#include "replay/point.h"
#include "replay/verdict.h"
#include "seq/sequence.h"
#include "seq/step_source.h"

namespace slotcheck {

class EventLog;
class JudgingChild;

// Kernel: /dev/kvm (or JudgeOptions::make_kernel) in a child. Model: the
// unmutated reference model. None: the model alone, held to the sequence's
// own expectations and invariants (`slotcheck replay --model-only`).
enum class OracleKind : uint8_t { Kernel, Model, None };

// One time limit for every command that judges a sequence on a kernel
// (replay, fuzz, minimize, vm): a finding made by one command reproduces
// with the command it prints, under the same limit.
inline constexpr std::chrono::milliseconds kDefaultSequenceTimeout{10000};
// How many runs a failing verdict gets before it is reported (the first
// included): one slow or crashed run on a loaded host is not a kernel bug.
inline constexpr unsigned kDefaultReproductionRuns = 3;
std::string oracle_kind_name(OracleKind k);  // "kernel", "model", "none"

struct JudgeOptions {
    Profile profile = upstream_profile();
    OracleKind oracle = OracleKind::Kernel;
    std::optional<RuleId> mutant;     // the model under test runs with this rule mutated
    bool check_expectations = false;  // also compare with the sequence's own `=>` outcomes
    std::chrono::milliseconds timeout = kDefaultSequenceTimeout;  // per sequence, kernel oracle only
    // Runs a failing verdict gets (the first included) before it stands;
    // see confirm_by_reruns(). 1 judges once (shrink candidates).
    unsigned runs = kDefaultReproductionRuns;
    // A sequence that outlives `timeout` is judged once more with
    // kTimeoutRetryFactor times the limit before it counts as a hang: a
    // loaded host can stall one memslot ioctl for 15 s (docs/findings.md E3),
    // and one slow run is not a hung kernel.
    bool confirm_timeouts = true;
    bool check_invariants = true;     // the model's own invariants after every step
    // Where each sequence is logged before the kernel runs it (inside a VM
    // under test: the host's channel and the kernel log), or none.
    EventLog* events = nullptr;
    // The kernel a replay child judges against: a fresh KvmBackend when
    // unset. Tests put a scripted kernel here (one that crashes, hangs or
    // answers wrongly on some runs) to hold judge, fuzz and minimize to the
    // verdicts they report. Called in the child.
    std::function<std::unique_ptr<Executor>()> make_kernel;
    // Told what the judgement is busy with beyond its first run ("re-running
    // a slow sequence for 30 s", "re-running a failure, run 2 of 3"), for a
    // progress line; may be unset.
    std::function<void(const std::string&)> on_activity;
    // Where the kernel runs happen. Unset: each run in a freshly forked
    // child (harness/isolation.h). Set: each run sent to this long-lived
    // child (replay/judging_child.h), still on a fresh kernel per run, the
    // child replaced after a crash, a timeout or a failed leak check. The
    // verdicts are the same; the child must have been made from options
    // with this profile and make_kernel.
    std::shared_ptr<JudgingChild> judging_child;
};

// `label` names the sequence in the event log ("fuzz seed 5 index 17").
Verdict judge(const Sequence& seq, const JudgeOptions& options, std::string_view label = "sequence");

// What judging a file adds (`slotcheck replay`): its point, and a trace.
struct FileJudging {
    // The file's point (PointFinder): a file that agrees without reaching it
    // is NotReached, never a pass. Unset: the sequence states no point.
    std::optional<PointFinder::Last> point;
    bool trace = false;  // keep one line per step in Verdict::trace
};
// The same judgement over steps read one at a time (a file of any length is
// held a stretch at a time, in the child too). The caller logs the file
// (JudgeOptions::events is not used here).
Verdict judge(const StepSource& steps, const JudgeOptions& options, const FileJudging& file);

constexpr int kTimeoutRetryFactor = 3;
// The confirmation of a timeout: `attempt(limit)` judges the sequence once
// with that time limit. A first run that times out is run again with
// kTimeoutRetryFactor times the limit when `confirm` is set; only a second
// timeout is a timeout verdict.
Verdict judge_confirming_timeouts(const std::function<Verdict(std::chrono::milliseconds)>& attempt,
                                  std::chrono::milliseconds limit, bool confirm);
// Re-runs the sequence of a failing `first` verdict (`rerun()` judges it
// once more) until `runs` runs in all have judged it. A failure most runs
// do not show (same failure_signature()) becomes Flaky, carrying the
// first run's status, divergence and detail. Agreeing verdicts pass through.
Verdict confirm_by_reruns(Verdict first, unsigned runs, const std::function<Verdict()>& rerun);

// One run of the steps on a fresh kernel (options.make_kernel, or a
// KvmBackend) in the calling process: the verdict's record a judging child
// sends back, and verdict_of_child() the verdict the parent reads from it
// (or from how the child ended).
std::string kernel_run_report(const StepSource& steps, const JudgeOptions& options, const FileJudging& file);
struct IsolatedResult;
Verdict verdict_of_child(const IsolatedResult& child);

// The longest one judge() call with these options can take (every run,
// each with its timeout retry).
std::chrono::milliseconds longest_judgement(const JudgeOptions& options);

// How much of a failure must stay the same for a smaller sequence to count
// as "the same bug" (minimizing, fuzz shrinking):
//   Any:  any failure;
//   Op:   the same status and divergence kind at the same kind of operation;
//   Rule: that, and the model's deciding rule is the same too.
enum class Sameness : uint8_t { Any, Op, Rule };
std::optional<Sameness> sameness_from_name(const std::string& name);  // any, op, rule
// Whether `b` is the failure `a` is, as much as `how` asks (the operation
// kind is read from the diverging step).
bool same_failure(const Verdict& a, const Verdict& b, Sameness how);

}  // namespace slotcheck
