#include "harness/kvm_backend.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/host_access.h"
#include "harness/kvm_uapi.h"
#include "seq/kvm_flags.h"
#include "seq/layout.h"

namespace slotcheck {
namespace {

Outcome from_rc(long rc) { return rc < 0 ? Outcome::error(errno) : Outcome::ok(); }

// FdRef::NeverOpen must name a closed fd for the whole run. Capping the
// soft RLIMIT_NOFILE at kNeverOpenFd makes the kernel unable to hand that
// number out; an fd already open there (inherited) is closed, since the
// number is reserved by seq/layout.h.
void reserve_never_open_fd() {
    struct rlimit rl {};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > static_cast<rlim_t>(kNeverOpenFd)) {
        rl.rlim_cur = kNeverOpenFd;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (fcntl(kNeverOpenFd, F_GETFD) != -1) close(kNeverOpenFd);
}

template <typename Map>
void retire_into(Map& table, uint32_t index, std::vector<typename Map::mapped_type>& graveyard) {
    auto it = table.find(index);
    if (it == table.end()) return;
    graveyard.push_back(std::move(it->second));
    table.erase(it);
}

}  // namespace

KvmBackend::KvmBackend(ProbeOptions probe_options) : probe_options_(probe_options) {
    reserve_never_open_fd();
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
    int fd = ioctl(kvm_.get(), KVM_CREATE_VM, static_cast<unsigned long>(op.type));
    if (fd < 0) return Outcome::error(errno);
    retire_into(vms_, op.vm.index, retired_vms_);
    Vm& vm = vms_[op.vm.index];
    vm.fd.reset(fd);
    // The harness slot exists from the VM's first moment, as in the model.
    vm.probe = GuestProbe::create(kvm_.get(), fd, probe_options_, vm.probe_error);
    return Outcome::ok();
}

Outcome KvmBackend::run(const CreateGmem& op) {
    uapi::ScCreateGuestMemfd args{};
    args.size = op.size;
    args.flags = op.flags;
    int fd = ioctl(fd_of(op.vm), uapi::kScCreateGuestMemfd, &args);
    if (fd < 0) return Outcome::error(errno);
    retire_into(gmems_, op.gmem.index, retired_fds_);
    gmems_[op.gmem.index].reset(fd);
    return Outcome::ok();
}

Outcome KvmBackend::run(const CreateMemfd& op) {
    UniqueFd fd(memfd_create("slotcheck", MFD_CLOEXEC));
    if (!fd) return Outcome::error(errno);
    if (ftruncate(fd.get(), static_cast<off_t>(op.size)) != 0) return Outcome::error(errno);
    retire_into(memfds_, op.memfd.index, retired_fds_);
    memfds_[op.memfd.index] = std::move(fd);
    return Outcome::ok();
}

// ---------------------------------------------------------------- mappings

Outcome KvmBackend::run(const Mmap& op) {
    int prot = PROT_READ | (op.writable ? PROT_WRITE : 0) | (op.exec ? PROT_EXEC : 0);
    int flags = MAP_SHARED | MAP_FIXED_NOREPLACE;
    int fd = -1;
    if (op.source == Mmap::Source::Anonymous) {
        flags |= MAP_ANONYMOUS;
    } else {
        fd = fd_of(op.file);
    }
    void* want = reinterpret_cast<void*>(mapping_address(op.mapping.index));
    Mapping m = Mapping::map(want, op.size, prot, flags, fd,
                             static_cast<off_t>(op.offset));  // as given, even for anonymous memory
    if (!m) return Outcome::error(errno);
    if (m.get() != want) return Outcome::error(EEXIST);  // pre-4.17 kernels treat it as a hint
    retire_into(mappings_, op.mapping.index, retired_mappings_);
    mappings_[op.mapping.index] = std::move(m);
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
    long rc;
    if (op.version == 1) {
        uapi::ScRegion1 r{op.slot, op.flags, op.gpa, op.size, address_of(op.uaddr)};
        rc = ioctl(vm_fd, uapi::kScSetUserMemoryRegion, &r);
    } else {
        uapi::ScRegion2 r{};
        r.slot = op.slot;
        r.flags = op.flags;
        r.guest_phys_addr = op.gpa;
        r.memory_size = op.size;
        r.userspace_addr = address_of(op.uaddr);
        r.guest_memfd_offset = op.gmem_offset;
        r.guest_memfd = static_cast<uint32_t>(fd_of(op.gmem));
        rc = ioctl(vm_fd, uapi::kScSetUserMemoryRegion2, &r);
    }
    Outcome result = from_rc(rc);
    if (rc == 0) {
        GuestProbe* p = probe(op.vm.index);
        if (p != nullptr && op.vm.kind == HandleKind::Vm && op.slot == p->harness_slot())
            p->harness_memory_lost();  // (as 0, id nr-1): the raw slot equals the id
    }
    return result;
}

Outcome KvmBackend::run(const SetAttributes& op) {
    uapi::ScMemoryAttributes a{op.address, op.size, op.attributes, op.flags};
    const long rc = ioctl(fd_of(op.vm), uapi::kScSetMemoryAttributes, &a);
    Outcome result = from_rc(rc);
    // Private harness pages (code, page tables, command page) would fault
    // before the probe reached its access: the probe of this VM is done,
    // as the model knows (guest.no-probe).
    if (rc == 0 && (op.attributes & kAttributePrivate) && touches_harness(op.address, op.size)) {
        if (GuestProbe* p = probe(op.vm.index); p != nullptr && op.vm.kind == HandleKind::Vm)
            p->harness_memory_lost();
    }
    return result;
}

// ---------------------------------------------------------------- files

Outcome KvmBackend::run(const Fallocate& op) {
    return from_rc(fallocate(fd_of(op.file), static_cast<int>(op.mode),
                             static_cast<off_t>(op.offset), static_cast<off_t>(op.len)));
}

Outcome KvmBackend::run(const Close& op) {
    UniqueFd* owner = nullptr;
    switch (op.handle.kind) {
    case HandleKind::Vm: {
        auto it = vms_.find(op.handle.index);
        if (it == vms_.end()) return Outcome::error(EBADF);
        it->second.probe.reset();  // the probe vCPU goes with its VM fd
        int rc = it->second.fd.reset();
        int err = errno;
        vms_.erase(it);
        return rc == 0 ? Outcome::ok() : Outcome::error(err);
    }
    case HandleKind::Gmem: {
        auto it = gmems_.find(op.handle.index);
        if (it != gmems_.end()) owner = &it->second;
        break;
    }
    case HandleKind::Memfd: {
        auto it = memfds_.find(op.handle.index);
        if (it != memfds_.end()) owner = &it->second;
        break;
    }
    case HandleKind::Mapping:
        break;
    }
    if (owner == nullptr) return Outcome::error(EBADF);
    int rc = owner->reset();
    int err = errno;
    if (op.handle.kind == HandleKind::Gmem) gmems_.erase(op.handle.index);
    else memfds_.erase(op.handle.index);
    return rc == 0 ? Outcome::ok() : Outcome::error(err);
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
    // Guest pages: one probe batch per VM, in request order.
    std::map<uint32_t, std::vector<size_t>> by_vm;
    for (size_t i = 0; i < requests.size(); ++i) {
        const auto& r = requests[i];
        out[i] = Observation{r.where, r.handle, r.address, Outcome::no_probe()};
        if (r.where == Observation::Where::Host) {
            out[i].outcome = host_digest_page(mapping_address(r.handle.index) + r.address);
        } else if (r.handle.kind == HandleKind::Vm) {
            by_vm[r.handle.index].push_back(i);
        }
    }
    for (const auto& [vm_index, indices] : by_vm) {
        GuestProbe* p = live_probe(Handle{HandleKind::Vm, vm_index});
        if (p == nullptr) continue;  // already no_probe
        std::vector<ProbeAccess> batch;
        batch.reserve(indices.size());
        for (size_t i : indices) batch.push_back({ProbeAccess::Kind::Digest, requests[i].address, 0});
        std::vector<Outcome> results = p->run_batch(batch);
        for (size_t k = 0; k < indices.size(); ++k) out[indices[k]].outcome = results[k];
    }
    return out;
}

}  // namespace slotcheck
