// One fuzz worker: a forked process that generates, judges and shrinks
// sequences and reports over its pipe (fuzz/wire.h) until its deadline. It
// starts no sequence after `deadline` and ends its shrinking in time for
// `end`, when the campaign stops every worker.
#pragma once

#include <chrono>

#include "fuzz/campaign.h"

namespace slotcheck::fuzz {

using Clock = std::chrono::steady_clock;

[[noreturn]] void worker_main(int out_fd, unsigned job, const CampaignOptions& options, Clock::time_point start,
                              Clock::time_point deadline, Clock::time_point end);

}  // namespace slotcheck::fuzz
