// Judging one sequence file on a kernel for `slotcheck replay`, under the
// policy every command shares (replay/sequence_oracle.h): the file runs in
// a child with the time limit, a timeout is confirmed with a longer limit,
// and a failure stands only when most of its runs show it.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "replay/differ.h"
#include "replay/point.h"
#include "replay/sequence_oracle.h"
#include "seq/step_source.h"
#include "tools/replay_result.h"

namespace slotcheck::cli {

// One replay of a file's steps on `kernel` (nullptr: the model alone) as
// replay reports it. The file's point (`point`, PointFinder) is followed step
// by step, and the report keeps the steps only for --trace (`trace`), so a
// long file is replayed in the memory of one stretch of it. A file that can
// no longer be read (changed since it was checked) is an error.
FileResult replay_file(const std::string& file, const StepSource& steps, const std::optional<PointFinder::Last>& point,
                       const Profile& profile, Executor* kernel, ReplayOptions options, bool trace);

// One run of replay_file() on a fresh kernel (judging.make_kernel, or
// KvmBackend) in a child with the time limit `limit`; a child that died or
// outlived it is a result too (crashed, timeout).
FileResult run_file_isolated(const std::string& file, const StepSource& steps,
                             const std::optional<PointFinder::Last>& point, const Profile& profile,
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
