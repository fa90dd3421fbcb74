// Runs a deviation probe's sequence (model/deviation_probe.h) on /dev/kvm:
// in a forked child with a fresh KvmBackend and a time limit, as replay runs
// a file, so a kernel that kills or hangs the process costs the probe only.
#pragma once

#include <chrono>

#include "model/deviation_probe.h"

namespace slotcheck {

KernelAnswers run_on_kvm(const Sequence& seq, std::chrono::milliseconds limit = std::chrono::seconds(30));

}  // namespace slotcheck
