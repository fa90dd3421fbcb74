// Reproducing a kernel report, or a dead or hung VM, that `slotcheck vm`
// saw, as syzkaller's pkg/repro does: the report is tied to the sequence in
// flight, which is often not the one that broke the kernel. The sequences
// the boot ran up to the report (its events.bin) are replayed in fresh VMs,
// one boot per attempt, in the search of orchestration/repro_search.h until the
// smallest set that brings back the same report title (for a VM without a
// report: the same way of ending) is found; that set is replayed again for
// the rate, and its last sequence is minimized with the others replayed
// before it, each candidate in a fresh VM. The culprits, the minimized
// sequence and its C reproducer go into the finding's directory.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "harness/vm/vm_run.h"
#include "model/profile.h"
#include "orchestration/vm_report.h"
#include "orchestration/vm_session.h"

namespace slotcheck::cli {

// Every sequence a boot began, in order, from its event file: up to and
// including the one with id `last_id` when given. `error` names the file
// when it cannot be read or has lost its framing.
std::vector<vm::SequenceRecord> sequences_run(const std::string& events_path, const std::optional<std::string>& last_id,
                                              std::string& error);

struct ReproSettings {
    unsigned rate_runs = 3;  // replays of the culprits for the rate
    std::chrono::steady_clock::time_point deadline;
};

class VmReproducer {
public:
    // `profile`: the one the minimized sequence's expectations and C
    // reproducer are written under. `work_dir`: the attempts' consoles.
    VmReproducer(const VmGuest& guest, vm::KernelUnderTest kernel, Profile profile, std::string work_dir,
                 ReproSettings settings)
        : guest_(guest), kernel_(std::move(kernel)), profile_(std::move(profile)), work_dir_(std::move(work_dir)),
          settings_(settings) {}

    // Reproduces `request` (its boot's sequences read from its events.bin)
    // and writes what it finds into `finding_dir`.
    ReproSummary reproduce(const ReproRequest& request, const std::string& finding_dir);

private:
    // One fresh VM replays `files` (names and texts) in order. nullopt: no
    // time was left to boot it. Throws VmOracleBroken when the VM cannot
    // judge anything (no /dev/kvm inside, qemu missing).
    std::optional<bool> attempt(const std::vector<std::pair<std::string, std::string>>& files,
                                const ReproRequest& request);

    const VmGuest& guest_;
    vm::KernelUnderTest kernel_;
    Profile profile_;
    std::string work_dir_;
    ReproSettings settings_;
    size_t boots_ = 0;
};

}  // namespace slotcheck::cli
