// Judging one sequence file on a kernel for `slotcheck replay`, under the
// policy every command shares (harness/sequence_oracle.h): the file runs in
// a child with the time limit, a timeout is confirmed with a longer limit,
// and a failure stands only when most of its runs show it.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "harness/sequence_oracle.h"
#include "model/differ.h"
#include "tools/replay_result.h"

namespace slotcheck::cli {

// One run of `seq` on a fresh kernel (judging.make_kernel, or KvmBackend)
// in a child with the time limit `limit`; a child that died or outlived it
// is a result too (crashed, timeout).
FileResult run_file_isolated(const std::string& file, const Sequence& seq, const Profile& profile,
                             const ReplayOptions& options, bool trace, std::chrono::milliseconds limit,
                             const JudgeOptions& judging);

// The verdict on a file: `attempt(limit)` runs it once. A timeout is run
// again with kTimeoutRetryFactor times the limit (judging.confirm_timeouts);
// a failure is run until judging.runs runs in all, and becomes `flaky` when
// most of them do not show it (the same file_signature()).
FileResult judge_file(const std::function<FileResult(std::chrono::milliseconds)>& attempt,
                      const JudgeOptions& judging);

// What must stay the same for a re-run to show the same failure: the
// verdict and the first finding's failure_signature().
std::string file_signature(const FileResult& r);

}  // namespace slotcheck::cli
