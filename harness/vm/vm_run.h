// One VM under test: boot a kernel in qemu (harness/vm/run), run a
// slotcheck command inside it, and watch it from the host.
//
// Two channels come back. The console (the guest's ttyS0) carries the
// kernel log, in which the guest's slotcheck writes one marker line per
// sequence (harness/event_log.h); every kernel report on it (WARNING, BUG,
// KASAN, lockdep, RCU stall, hung task, panic: harness/vm/kernel_log.h) is
// tied to the sequence whose marker was open when the report began. The
// event file (the guest's ttyS1) carries framed events: the probe, every
// sequence's text before it runs, how it ended, findings, statistics and
// the final result. A VM that goes silent for too long is hung and is
// killed; one that ends without its trailer died.
#pragma once

#include <csignal>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/vm/kernel_log.h"
#include "sys/frames.h"

namespace slotcheck::vm {

struct KernelUnderTest {
    std::string name;     // as the user gave it: a Debian version ("7", "6.12") or a bzImage path
    std::string bzimage;  // the kernel image qemu boots
    std::string modules;  // directory with the KVM modules and modules.order; empty when KVM is built in
};

struct VmSpec {
    KernelUnderTest kernel;
    std::vector<std::string> command;  // run in the guest; its stdout and stderr go to the console
    std::vector<std::string> payloads;  // "SRC:DEST" files for the initramfs
    unsigned memory_mb = 2048;
    unsigned smp = 1;
    std::string accel = "auto";    // auto, kvm, tcg (harness/vm/run)
    // More kernel command line words; MODULE.PARAM=VALUE reaches the KVM
    // modules too (the image's init passes them to insmod, as modprobe would).
    std::vector<std::string> kernel_params;
    double time_limit_s = 600;     // the whole run, boot included
    double silence_limit_s = 150;  // no console and no event output for this long: hung
    // After the kernel reported a lockup (soft lockup, hung task, RCU stall),
    // no event output for this long: wedged, killed as hung, even while the
    // kernel keeps repeating its report on the console.
    double lockup_grace_s = 30;
    std::string work_dir;          // console.log, events.bin and run.log are written here
    std::string runner;            // path of harness/vm/run
    // Set (by a signal handler) to stop the VM: the runner is told to stop
    // qemu and clean up, and the run ends as Stopped.
    const volatile std::sig_atomic_t* stop_requested = nullptr;
};

// A sequence as the guest logged it before running it.
struct SequenceRecord {
    std::string id, label, text;
};

// Reads a begin frame's payload ("ID LABEL\n" + the sequence's text).
SequenceRecord parse_begin_frame(const std::string& payload);

struct SplatRecord {
    Splat splat;
    // The sequence whose marker was open when the report began (the last
    // one begun, if several were); otherwise the last one that had ended.
    std::optional<SequenceRecord> culprit;
    bool culprit_in_flight = false;
};

enum class VmEnd : uint8_t {
    Exited,      // the guest command ran to its end; guest_exit holds its code
    Died,        // the VM ended without the trailer: a panic, a dead init, a qemu error
    Hung,        // no output for silence_limit_s: killed
    TimedOut,    // time_limit_s passed: killed
    NoKvm,       // the guest booted but has no /dev/kvm (KVM modules missing or no nested virtualization)
    StartFailed,  // the runner could not be started
    Stopped       // stop_requested: killed on the user's request (SIGINT, SIGTERM)
};
std::string vm_end_name(VmEnd e);  // exited, died, hung, timeout, no-kvm, start-failed, stopped

struct FinishedSequence {
    std::string label, status;  // status as the guest wrote it: agree, diverge, crashed, timeout, ...
    // The verdict's record (replay/verdict.h decode_verdict() reads it), as
    // the guest wrote it; may be empty.
    std::string verdict;
};

struct VmRunResult {
    VmEnd end = VmEnd::StartFailed;
    int guest_exit = -1;
    std::string detail;  // one line on how it ended
    std::vector<SplatRecord> splats;
    std::vector<frames::Frame> events;  // the P, F, S and R frames in arrival order
    std::vector<FinishedSequence> finished;
    std::optional<SequenceRecord> in_flight_at_end;  // begun and never ended (the VM died or hung in it)
    uint64_t sequences_begun = 0;
    double boot_to_first_sequence_s = -1;  // from qemu's start to the first sequence's event
    double wall_s = 0;
    std::string console_path, events_path;
    std::vector<std::string> errors;  // lost framing, unreadable files
};

// Boots, watches and returns when the VM is gone. `on_console` sees every
// console line as it arrives (for a live view).
VmRunResult run_vm(const VmSpec& spec, const std::function<void(std::string_view)>& on_console = {});

}  // namespace slotcheck::vm
