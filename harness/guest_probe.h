// The probe vCPU: one per VM, the harness's eyes inside the guest.
//
// A thin RAII owner of the executor core's probe (harness/c/probe.h, which
// says what it does and which outcomes it reports): the logic lives in C,
// shared verbatim with every emitted reproducer (harness/c_core.h). This
// class owns the C probe's vCPU, run page and memory, caches what
// KVM_GET_SUPPORTED_CPUID says for the whole process, and turns the C
// outcomes into Outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/c_core.h"
#include "seq/outcome.h"

namespace slotcheck {

struct ProbeAccess {
    enum class Kind : uint8_t { Read, Write, Digest };
    Kind kind = Kind::Read;
    uint64_t gpa = 0;  // a digest's gpa is its page address
    uint64_t value = 0;
};

struct ProbeOptions {
    // Limit of one KVM_RUN: base plus a share per entry still to execute.
    std::chrono::microseconds run_timeout_base{SC_RUN_TIMEOUT_BASE_US};
    std::chrono::microseconds run_timeout_per_entry{SC_RUN_TIMEOUT_PER_ENTRY_US};
    // `out` after every entry (one exit per access) instead of one exit per
    // batch. Outcomes are the same either way (the guest also publishes its
    // current index); this exists to measure and to debug.
    bool report_each_entry = false;
    // Use the 2 MiB on-demand tables even when 1 GiB pages are available,
    // and optionally cap their pool (tests of the fallback).
    bool force_2m_pages = false;
    uint64_t table_pool_limit = 0;
};

// The guest MAXPHYADDR that KVM_GET_SUPPORTED_CPUID offers (36 when it
// says nothing): the probe touches only gpas below 2^bits, because an access
// at or above it wedges the vCPU (docs/harness.md).
unsigned supported_guest_phys_bits(int kvm_fd);

using ProbeStats = sc_probe_stats;

class GuestProbe {
public:
    // Sets the probe up on `vm_fd`, which stays owned by the caller (the
    // probe holds its own vCPU fd, so it may outlive the VM fd). nullptr
    // with `error` naming the failing step and errno.
    static std::unique_ptr<GuestProbe> create(int kvm_fd, int vm_fd, const ProbeOptions& options,
                                              std::string& error);
    ~GuestProbe();
    GuestProbe(const GuestProbe&) = delete;
    GuestProbe& operator=(const GuestProbe&) = delete;

    // The raw slot number of the harness memslot (address space 0).
    uint32_t harness_slot() const { return probe_.harness_slot; }
    bool one_gib_pages() const { return probe_.tables.one_gib != 0; }

    // A successful KVM_SET_USER_MEMORY_REGION(2) on harness_slot() deleted or
    // changed the probe's memory, or KVM_SET_MEMORY_ATTRIBUTES made some of
    // it private: from then on every access is no_probe().
    void harness_memory_lost() { probe_.intact = 0; }
    bool intact() const { return probe_.intact != 0; }
    // The core's state, for the operations of harness/c/ops.h that retire it.
    sc_probe* raw() { return &probe_; }

    // The vCPU's MAXPHYADDR (CPUID 0x80000008 EAX[7:0] as set from
    // KVM_GET_SUPPORTED_CPUID; 40 under qemu -cpu max); the probe maps and
    // touches only gpas below access_limit() (sc_probe_access_limit).
    unsigned guest_phys_bits() const { return probe_.guest_phys_bits; }
    uint64_t access_limit() const { return sc_probe_access_limit(&probe_); }

    // True when `gpa .. gpa+len` is something the probe can touch: below
    // access_limit() and outside the harness slot.
    bool accessible(uint64_t gpa, uint64_t len) const { return sc_probe_accessible(&probe_, gpa, len) != 0; }

    // One outcome per access, in order. Accesses that are not accessible()
    // get no_probe() without running.
    std::vector<Outcome> run_batch(const std::vector<ProbeAccess>& accesses);

    // The core's run timer is per thread and made at the first run: this
    // deletes the calling thread's when the thread ends. run_batch() calls
    // it; code that runs the core's batches itself (sc_observe) calls it first.
    static void release_run_timer_at_thread_exit();

    const sc_probe_stats& stats() const { return probe_.stats; }

    // Why the vCPU could not be made at the first access ("" while it could,
    // or has not been needed yet); accesses are then no_probe().
    std::string vcpu_error() const { return probe_.vcpu_error; }
    bool has_vcpu() const { return probe_.vcpu >= 0; }

private:
    GuestProbe() = default;

    sc_probe probe_{};
    bool set_up_ = false;  // sc_probe_add_slot ran: release at destruction
};

}  // namespace slotcheck
