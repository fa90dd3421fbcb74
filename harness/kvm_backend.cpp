#include "harness/kvm_backend.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "harness/c_core.h"
#include "harness/host_access.h"
#include "seq/layout.h"

namespace slotcheck {
namespace {

template <typename Map>
void retire_into(Map& table, uint32_t index, std::vector<typename Map::mapped_type>& graveyard) {
    auto it = table.find(index);
    if (it == table.end()) return;
    graveyard.push_back(std::move(it->second));
    table.erase(it);
}

}  // namespace

KvmBackend::KvmBackend(ProbeOptions probe_options) : probe_options_(probe_options) {
    sc_reserve_never_open_fd(kNeverOpenFd);
    kvm_.reset(open("/dev/kvm", O_RDWR | O_CLOEXEC));
    if (!kvm_) open_error_ = std::string("/dev/kvm: ") + std::strerror(errno);
}

KvmBackend::~KvmBackend() = default;  // every table entry is an RAII owner

Outcome KvmBackend::apply(const Op& op) {
    return std::visit([this](const auto& o) { return run(o); }, op);
}

// ---------------------------------------------------------------- handles

int KvmBackend::fd_of(const Handle& h) const {
    switch (h.kind) {
    case HandleKind::Vm: {
        auto it = vms_.find(h.index);
        return it == vms_.end() ? -1 : it->second.fd.get();
    }
    case HandleKind::Gmem: {
        auto it = gmems_.find(h.index);
        return it == gmems_.end() ? -1 : it->second.get();
    }
    case HandleKind::Memfd: {
        auto it = memfds_.find(h.index);
        return it == memfds_.end() ? -1 : it->second.get();
    }
    case HandleKind::Mapping:
        return -1;  // a mapping has no fd
    }
    return -1;
}

int KvmBackend::fd_of(const FdRef& ref) const {
    switch (ref.kind) {
    case FdRef::Kind::Handle: return fd_of(ref.handle);
    case FdRef::Kind::Kvm: return kvm_.get();
    case FdRef::Kind::Minus1: return -1;
    case FdRef::Kind::NeverOpen: return kNeverOpenFd;
    }
    return -1;
}

uint64_t KvmBackend::address_of(const HostAddr& a) const {
    // Symbolic addresses do not depend on whether the mapping is live: an
    // unmapped arena address is a legitimate argument (EFAULT, SIGSEGV).
    return a.symbolic ? mapping_address(a.mapping.index) + a.value : a.value;
}

sc_probe* KvmBackend::raw_probe(const Handle& vm) {
    GuestProbe* p = vm.kind == HandleKind::Vm ? probe(vm.index) : nullptr;
    return p != nullptr ? p->raw() : nullptr;
}

GuestProbe* KvmBackend::probe(uint32_t vm_index) {
    auto it = vms_.find(vm_index);
    return it == vms_.end() ? nullptr : it->second.probe.get();
}

std::string KvmBackend::probe_error(uint32_t vm_index) const {
    auto it = vms_.find(vm_index);
    if (it == vms_.end()) return "no VM v" + std::to_string(vm_index);
    return it->second.probe_error;
}

// ---------------------------------------------------------------- create

Outcome KvmBackend::run(const CreateVm& op) {
    int fd = -1;
    sc_outcome o = sc_op_create_vm(kvm_.get(), op.type, &fd);
    if (o.kind != SC_OK) return to_outcome(o);
    retire_into(vms_, op.vm.index, retired_vms_);
    Vm& vm = vms_[op.vm.index];
    vm.fd.reset(fd);
    // The harness slot exists from the VM's first moment, as in the model.
    vm.probe = GuestProbe::create(kvm_.get(), fd, probe_options_, vm.probe_error);
    return Outcome::ok();
}

Outcome KvmBackend::run(const CreateGmem& op) {
    int fd = -1;
    sc_outcome o = sc_op_create_guest_memfd(fd_of(op.vm), op.size, op.flags, &fd);
    if (o.kind != SC_OK) return to_outcome(o);
    retire_into(gmems_, op.gmem.index, retired_fds_);
    gmems_[op.gmem.index].reset(fd);
    return Outcome::ok();
}

Outcome KvmBackend::run(const CreateMemfd& op) {
    int fd = -1;
    sc_outcome o = sc_op_create_memfd(op.size, &fd);
    if (o.kind != SC_OK) return to_outcome(o);
    retire_into(memfds_, op.memfd.index, retired_fds_);
    memfds_[op.memfd.index].reset(fd);
    return Outcome::ok();
}

// ---------------------------------------------------------------- mappings

Outcome KvmBackend::run(const Mmap& op) {
    int prot = PROT_READ | (op.writable ? PROT_WRITE : 0) | (op.exec ? PROT_EXEC : 0);
    const bool anonymous = op.source == Mmap::Source::Anonymous;
    void* want = reinterpret_cast<void*>(mapping_address(op.mapping.index));
    sc_outcome o = sc_op_mmap(want, op.size, prot, anonymous, anonymous ? -1 : fd_of(op.file), op.offset);
    if (o.kind != SC_OK) return to_outcome(o);
    retire_into(mappings_, op.mapping.index, retired_mappings_);
    mappings_[op.mapping.index] = Mapping(want, op.size);
    return Outcome::ok();
}

Outcome KvmBackend::run(const Munmap& op) {
    auto it = mappings_.find(op.mapping.index);
    if (it == mappings_.end()) return Outcome::ok();
    int err = it->second.unmap();
    mappings_.erase(it);
    return err == 0 ? Outcome::ok() : Outcome::error(err);
}

// ---------------------------------------------------------------- KVM ioctls

Outcome KvmBackend::run(const SetRegion& op) {
    int vm_fd = fd_of(op.vm);
    sc_outcome o = op.version == 1
        ? sc_op_set_region1(vm_fd, op.slot, op.flags, op.gpa, op.size, address_of(op.uaddr))
        : sc_op_set_region2(vm_fd, op.slot, op.flags, op.gpa, op.size, address_of(op.uaddr),
                            fd_of(op.gmem), op.gmem_offset);
    if (o.kind == SC_OK) sc_op_region_changed(raw_probe(op.vm), op.slot);
    return to_outcome(o);
}

Outcome KvmBackend::run(const SetAttributes& op) {
    return to_outcome(sc_op_set_attributes(fd_of(op.vm), raw_probe(op.vm), op.address, op.size,
                                           op.attributes, op.flags));
}

// ---------------------------------------------------------------- files

Outcome KvmBackend::run(const Fallocate& op) {
    return to_outcome(sc_op_fallocate(fd_of(op.file), static_cast<int>(op.mode), op.offset, op.len));
}

Outcome KvmBackend::run(const Close& op) {
    int fd = -1;  // a handle without an open fd: EBADF without a syscall
    switch (op.handle.kind) {
    case HandleKind::Vm:
        if (auto it = vms_.find(op.handle.index); it != vms_.end()) {
            it->second.probe.reset();  // the probe vCPU goes with its VM fd
            fd = it->second.fd.release();
            vms_.erase(it);
        }
        break;
    case HandleKind::Gmem:
        if (auto it = gmems_.find(op.handle.index); it != gmems_.end()) {
            fd = it->second.release();
            gmems_.erase(it);
        }
        break;
    case HandleKind::Memfd:
        if (auto it = memfds_.find(op.handle.index); it != memfds_.end()) {
            fd = it->second.release();
            memfds_.erase(it);
        }
        break;
    case HandleKind::Mapping:
        break;
    }
    return to_outcome(sc_op_close(&fd));
}

// ---------------------------------------------------------------- accesses

Outcome KvmBackend::run(const HostWrite& op) {
    return host_write(address_of(op.addr), op.width, op.value);
}

Outcome KvmBackend::run(const HostRead& op) { return host_read(address_of(op.addr), op.width); }

GuestProbe* KvmBackend::live_probe(const Handle& vm) {
    if (vm.kind != HandleKind::Vm) return nullptr;
    GuestProbe* p = probe(vm.index);
    return p != nullptr && p->intact() ? p : nullptr;
}

Outcome KvmBackend::guest_access(const Handle& vm, const ProbeAccess& access) {
    GuestProbe* p = live_probe(vm);
    if (p == nullptr) return Outcome::no_probe();
    return p->run_batch({access})[0];
}

Outcome KvmBackend::run(const GuestRead& op) {
    return guest_access(op.vm, {ProbeAccess::Kind::Read, op.gpa, 0});
}

Outcome KvmBackend::run(const GuestWrite& op) {
    return guest_access(op.vm, {ProbeAccess::Kind::Write, op.gpa, op.value});
}

Outcome KvmBackend::run(const Check&) {
    // Observation is the differ's job (observe()); as an op it does nothing.
    return Outcome::ok();
}

std::vector<Observation> KvmBackend::observe(const std::vector<ObservationRequest>& requests) {
    std::vector<Observation> out(requests.size());
    std::vector<sc_observed_page> pages(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        const auto& r = requests[i];
        out[i] = Observation{r.where, r.handle, r.address, Outcome::no_probe()};
        if (r.where == Observation::Where::Host) {
            pages[i].host = 1;
            pages[i].address = mapping_address(r.handle.index) + r.address;
        } else {
            pages[i].probe = raw_probe(r.handle);
            pages[i].address = r.address;
        }
    }
    GuestProbe::release_run_timer_at_thread_exit();
    if (sc_observe(pages.data(), pages.size()) != 0) throw std::bad_alloc();
    for (size_t i = 0; i < requests.size(); ++i) out[i].outcome = to_outcome(pages[i].out);
    return out;
}

}  // namespace slotcheck
