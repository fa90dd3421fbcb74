// The real-kernel Executor: runs each Op of seq/ops.h with the raw
// syscall it names and reports what userspace saw.
//
// Handles: v<i> is a VM fd (plus its GuestProbe and harness slot, set up at
// creation), g<i> a guest_memfd fd, f<i> a memfd, m<i> a MAP_SHARED mapping
// at mapping_address(i) (seq/layout.h). A handle that was never created,
// whose creation failed, or that was closed stands for fd -1 (or, for a
// mapping, for its arena address with nothing mapped), so every op has a
// defined kernel answer and nothing here can crash on any op values.
//
// Conventions the model must share (the lead records them in docs/):
// * Close of a handle without an open fd (closed, never created, mapping):
//   EBADF, without calling close(2) on a number that may be reused.
// * Close of a VM also releases its probe vCPU (the VM fd is then the
//   last reference the sequence can see; guest_memfd files keep the VM
//   object alive as usual). Guest accesses on it are no_probe afterwards.
// * Any successful SetRegion on the harness slot id in address space 0
//   (deleting, moving, re-flagging, or an identical re-set) retires the
//   probe: guest accesses on that VM are no_probe afterwards.
// * Munmap of a handle with no live mapping: ok, without a syscall
//   (munmap(2) of an empty range succeeds too, and the size is unknown).
// * A create op naming a handle that is still live keeps the old resource
//   open until the backend is destroyed (the name now means the new one).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/guest_probe.h"
#include "seq/executor.h"
#include "sys/mapping.h"
#include "sys/unique_fd.h"

namespace slotcheck {

// Create it in the process that runs the sequence (the isolated child, not
// before fork): KVM refuses VM and vCPU ioctls (EIO) from a process whose
// mm is not the VM creator's.
class KvmBackend : public Executor {
public:
    // Opens /dev/kvm and caps the soft RLIMIT_NOFILE at kNeverOpenFd, so
    // that FdRef::NeverOpen can never be an open fd in this process.
    explicit KvmBackend(ProbeOptions probe_options = {});
    ~KvmBackend() override;

    // Why /dev/kvm could not be opened ("" when it was). Ops still run and
    // get the kernel's answer for fd -1 (EBADF).
    const std::string& open_error() const { return open_error_; }

    Outcome apply(const Op& op) override;
    std::vector<Observation> observe(const std::vector<ObservationRequest>& requests) override;

    // The probe of v<index>, or nullptr (no VM, or its setup failed: see
    // probe_error()).
    GuestProbe* probe(uint32_t vm_index);
    std::string probe_error(uint32_t vm_index) const;

    // Outcome of apply() for each Op kind.
    Outcome run(const CreateVm& op);
    Outcome run(const CreateGmem& op);
    Outcome run(const CreateMemfd& op);
    Outcome run(const Mmap& op);
    Outcome run(const Munmap& op);
    Outcome run(const SetRegion& op);
    Outcome run(const Fallocate& op);
    Outcome run(const Close& op);
    Outcome run(const HostWrite& op);
    Outcome run(const HostRead& op);
    Outcome run(const GuestRead& op);
    Outcome run(const GuestWrite& op);
    Outcome run(const SetAttributes& op);
    Outcome run(const Check& op);

private:
    struct Vm {
        UniqueFd fd;
        std::unique_ptr<GuestProbe> probe;
        std::string probe_error;
    };

    int fd_of(const Handle& h) const;  // -1 when the handle has no open fd
    int fd_of(const FdRef& ref) const;
    uint64_t address_of(const HostAddr& a) const;
    GuestProbe* live_probe(const Handle& vm);
    sc_probe* raw_probe(const Handle& vm);  // the core's state of a VM handle's probe, or nullptr
    Outcome guest_access(const Handle& vm, const ProbeAccess& access);

    ProbeOptions probe_options_;
    UniqueFd kvm_;
    std::string open_error_;
    std::map<uint32_t, Vm> vms_;
    std::map<uint32_t, UniqueFd> gmems_;
    std::map<uint32_t, UniqueFd> memfds_;
    std::map<uint32_t, Mapping> mappings_;
    // Resources whose handle name was reused by a second create: kept
    // alive (the kernel state stays as the sequence left it) until the end.
    std::vector<UniqueFd> retired_fds_;
    std::vector<Vm> retired_vms_;
    std::vector<Mapping> retired_mappings_;
};

}  // namespace slotcheck
