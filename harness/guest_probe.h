// The probe vCPU: one per VM, the harness's eyes inside the guest.
//
// At creation it adds the harness memslot (seq/layout.h: id
// KVM_CAP_NR_MEMSLOTS - 1, gpa kHarnessGpa, kHarnessSize bytes of
// harness-private anonymous memory outside the mapping arena) with the probe
// program, its control page and page tables (guest_page_tables.h), creates
// vCPU 0, sets CPUID and enters 64-bit long mode at CPL3 (runs natively on
// every backend; kernel-notes.md). Then run_batch() executes accesses
// (8-byte reads and writes, page digests) and reports one Outcome per access.
//
// Accesses the probe cannot make (at or above access_limit(), or inside
// the harness slot) are no_probe() without running. Per access, the
// outcomes are: read_value (read: the value; digest: the
// page_digest), ok (write), mmio (no memslot: reads are answered with
// kMmioFiller and the run continues), memory_fault / run_error (KVM_RUN
// failed), run_error(0, reason) for any other exit, timeout (the run hit
// its wall-clock limit, run_timer.h). After a failed or aborted run the probe
// resets the vCPU's registers to the loop entry with the next index, so one
// bad access never costs the rest of the batch.
#pragma once

#include <linux/kvm.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/guest_page_tables.h"
#include "harness/guest_program.h"
#include "harness/mapping.h"
#include "harness/unique_fd.h"
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
    std::chrono::microseconds run_timeout_base{std::chrono::seconds(5)};
    std::chrono::microseconds run_timeout_per_entry{std::chrono::milliseconds(5)};
    // `out` after every entry (one exit per access) instead of one exit per
    // batch. Outcomes are the same either way (the guest also publishes its
    // current index); this exists to measure and to debug.
    bool report_each_entry = false;
    // Use the 2 MiB on-demand tables even when 1 GiB pages are available,
    // and optionally cap their pool (tests of the fallback).
    bool force_2m_pages = false;
    uint64_t table_pool_limit = 0;
};

struct ProbeStats {
    uint64_t runs = 0;      // KVM_RUN calls
    uint64_t resets = 0;    // register resets after a failed or aborted run
    uint64_t mmio_exits = 0;
    uint64_t shutdown_ends = 0;  // batches whose final `out` ended the run otherwise (kvm_pvm)
};

// The guest MAXPHYADDR that KVM_GET_SUPPORTED_CPUID offers (36 when it
// says nothing): the probe touches only gpas below 2^bits, because an access
// at or above it wedges the vCPU (docs/harness.md).
unsigned supported_guest_phys_bits(int kvm_fd);

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
    uint32_t harness_slot() const { return harness_slot_; }
    bool one_gib_pages() const { return tables_->one_gib_pages(); }

    // A successful KVM_SET_USER_MEMORY_REGION(2) on harness_slot() deleted or
    // changed the probe's memory, or KVM_SET_MEMORY_ATTRIBUTES made some of
    // it private: from then on every access is no_probe().
    void harness_memory_lost() { intact_ = false; }
    bool intact() const { return intact_; }

    // The vCPU's MAXPHYADDR (CPUID 0x80000008 EAX[7:0] as set from
    // KVM_GET_SUPPORTED_CPUID; 40 under qemu -cpu max). A guest cannot
    // address physical memory at or above 2^bits: a page-table entry
    // pointing there has reserved bits set, and the access ends in a #PF
    // the probe cannot deliver (KVM_EXIT_INTERNAL_ERROR, suberror 3, seen on
    // 7.3). So the probe maps and touches only gpas below access_limit().
    unsigned guest_phys_bits() const { return guest_phys_bits_; }
    uint64_t access_limit() const;

    // True when `gpa .. gpa+len` is something the probe can touch: below
    // access_limit() and outside the harness slot.
    bool accessible(uint64_t gpa, uint64_t len) const;

    // One outcome per access, in order. Accesses that are not accessible()
    // get no_probe() without running.
    std::vector<Outcome> run_batch(const std::vector<ProbeAccess>& accesses);

    const ProbeStats& stats() const { return stats_; }

    // Why the vCPU could not be made at the first access ("" while it could,
    // or has not been needed yet); accesses are then no_probe().
    const std::string& vcpu_error() const { return vcpu_error_; }
    bool has_vcpu() const { return static_cast<bool>(vcpu_); }

private:
    GuestProbe() = default;
    // The harness slot, its memory and page tables: at once, because the
    // slot is part of every VM's state from its creation (seq/layout.h).
    bool setup(int kvm_fd, int vm_fd, std::string& error);
    // The vCPU in long mode at CPL3: at the first access.
    bool ensure_vcpu();
    bool create_vcpu(std::string& error);
    bool enter_long_mode(std::string& error);
    bool set_entry_registers(uint64_t next_index);
    void load_cr3();
    size_t prepare_chunk(const std::vector<ProbeAccess>& accesses,
                         const std::vector<size_t>& todo, size_t first);
    void run_chunk(const std::vector<size_t>& todo, size_t first, size_t count,
                   std::vector<std::optional<Outcome>>& out);
    void restart_after(uint64_t index);

    probe_layout::ProbeControl* control() const;
    probe_layout::ProbeEntry* entries() const;

    ProbeOptions options_;
    Mapping memory_;   // the harness slot's backing
    UniqueFd vcpu_;
    Mapping run_map_;  // struct kvm_run of vcpu_
    struct kvm_run* run_ = nullptr;
    std::unique_ptr<GuestPageTables> tables_;
    struct kvm_sregs sregs_ {};  // long mode at CPL3, loaded again after resets
    bool cr3_stale_ = false;
    // The vCPU stopped at the batch-done `out`: the next run starts a new
    // batch by itself, so no KVM_SET_REGS is needed.
    bool at_batch_start_ = false;
    uint32_t harness_slot_ = 0;
    unsigned guest_phys_bits_ = 36;
    // For the vCPU made later: the VM it belongs to (the backend drops the
    // probe before it closes that fd), /dev/kvm and the CPUID to give it.
    int kvm_fd_ = -1, vm_fd_ = -1;
    std::vector<uint8_t> cpuid_;
    std::string vcpu_error_;
    bool intact_ = true;
    ProbeStats stats_;
};

}  // namespace slotcheck
