#include "harness/guest_probe.h"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include "harness/kvm_uapi.h"
#include "harness/run_timer.h"
#include "seq/layout.h"

namespace slotcheck {
namespace {

using namespace probe_layout;

constexpr uint64_t kCodeGva = kHarnessGpa + kCodeOffset;
constexpr uint64_t kControlGva = kHarnessGpa + kControlOffset;
constexpr uint64_t kStackTopGva = kHarnessGpa + kStackTopOffset;
// RFLAGS: bit 1 is always 1; IOPL = 3 lets CPL3 code use `out`.
constexpr uint64_t kRflags = 0x3002;
// A vCPU that keeps returning EINTR without our timer firing is being
// signalled by someone else; after this many we call it a timeout.
constexpr int kMaxStrayInterrupts = 1000;

std::string errno_text(const char* step, int err) {
    return std::string(step) + ": " + std::strerror(err);
}

uint64_t access_length(const ProbeAccess& a) {
    return a.kind == ProbeAccess::Kind::Digest ? kPageSize : 8;
}

void set_segment(struct kvm_segment& s, uint16_t selector, uint8_t type, bool code) {
    std::memset(&s, 0, sizeof s);
    s.base = 0;
    s.limit = 0xffffffff;
    s.selector = selector | 3;  // RPL 3
    s.type = type;
    s.present = 1;
    s.dpl = 3;  // CPL3: the native path on every backend
    s.s = 1;
    s.g = 1;
    s.l = code ? 1 : 0;   // 64-bit code segment
    s.db = code ? 0 : 1;  // L=1 requires D=0
}

// KVM_GET_SUPPORTED_CPUID with a growing buffer (E2BIG means "more").
// uapi::ScCpuid2 header, then the entries (kvm_uapi.h says why not
// struct kvm_cpuid2).
struct CpuidBuffer {
    std::vector<uint8_t> bytes;
    uapi::ScCpuid2* get() { return reinterpret_cast<uapi::ScCpuid2*>(bytes.data()); }
    struct kvm_cpuid_entry2* entries() {
        return reinterpret_cast<struct kvm_cpuid_entry2*>(bytes.data() + sizeof(uapi::ScCpuid2));
    }
};

bool query_supported_cpuid(int kvm_fd, CpuidBuffer& buf, std::string& error) {
    for (uint32_t nent = 128; nent <= 8192; nent *= 2) {
        buf.bytes.assign(sizeof(uapi::ScCpuid2) + nent * sizeof(struct kvm_cpuid_entry2), 0);
        buf.get()->nent = nent;
        if (ioctl(kvm_fd, uapi::kScGetSupportedCpuid, buf.get()) == 0) return true;
        if (errno != E2BIG) break;
    }
    error = errno_text("KVM_GET_SUPPORTED_CPUID", errno);
    return false;
}

// What /dev/kvm supports does not change while the process runs: asked
// once, not once per VM (under nested TCG every ioctl is emulated work).
bool supported_cpuid(int kvm_fd, CpuidBuffer& buf, std::string& error) {
    static std::mutex mutex;
    static std::optional<CpuidBuffer> cached;
    std::lock_guard lock(mutex);
    if (!cached) {
        CpuidBuffer fresh;
        if (!query_supported_cpuid(kvm_fd, fresh, error)) return false;
        cached = std::move(fresh);
    }
    buf = *cached;
    return true;
}

const struct kvm_cpuid_entry2* find_leaf(CpuidBuffer& cpuid, uint32_t function) {
    for (uint32_t i = 0; i < cpuid.get()->nent; ++i) {
        if (cpuid.entries()[i].function == function) return &cpuid.entries()[i];
    }
    return nullptr;
}

bool has_pdpe1gb(CpuidBuffer& cpuid) {
    const auto* e = find_leaf(cpuid, 0x80000001);
    return e != nullptr && ((e->edx >> 26) & 1);
}

// MAXPHYADDR; 36 is the architectural default without leaf 0x80000008.
unsigned phys_bits(CpuidBuffer& cpuid) {
    const auto* e = find_leaf(cpuid, 0x80000008);
    unsigned bits = e != nullptr ? (e->eax & 0xff) : 36;
    return bits < 32 ? 36 : (bits > 52 ? 52 : bits);
}

}  // namespace

unsigned supported_guest_phys_bits(int kvm_fd) {
    CpuidBuffer cpuid;
    std::string error;
    return supported_cpuid(kvm_fd, cpuid, error) ? phys_bits(cpuid) : 36;
}

std::unique_ptr<GuestProbe> GuestProbe::create(int kvm_fd, int vm_fd, const ProbeOptions& options,
                                               std::string& error) {
    std::unique_ptr<GuestProbe> probe(new GuestProbe());
    probe->options_ = options;
    if (!probe->setup(kvm_fd, vm_fd, error)) return nullptr;
    return probe;
}

GuestProbe::~GuestProbe() = default;  // members release vCPU, run page, memory

ProbeControl* GuestProbe::control() const {
    return reinterpret_cast<ProbeControl*>(memory_.bytes() + kControlOffset);
}

ProbeEntry* GuestProbe::entries() const {
    return reinterpret_cast<ProbeEntry*>(memory_.bytes() + kEntriesOffset);
}

bool GuestProbe::setup(int kvm_fd, int vm_fd, std::string& error) {
    // Harness-private memory, placed by the kernel (never in the mapping
    // arena, so no sequence address can name it).
    memory_ = Mapping::map(nullptr, kHarnessSize, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (!memory_) {
        error = errno_text("mmap harness memory", errno);
        return false;
    }
    auto code = guest_code();
    std::memcpy(memory_.bytes() + kCodeOffset, code.data(), code.size());

    // The highest user slot id of address space 0 (seq/layout.h).
    int nr = ioctl(vm_fd, KVM_CHECK_EXTENSION, uapi::kScCapNrMemslots);
    if (nr <= 0) nr = ioctl(kvm_fd, KVM_CHECK_EXTENSION, uapi::kScCapNrMemslots);
    if (nr <= 0) {
        error = "KVM_CAP_NR_MEMSLOTS is " + std::to_string(nr);
        return false;
    }
    harness_slot_ = static_cast<uint32_t>(nr - 1);
    uapi::ScRegion1 region{harness_slot_, 0, kHarnessGpa, kHarnessSize, memory_.address()};
    if (ioctl(vm_fd, uapi::kScSetUserMemoryRegion, &region) != 0) {
        error = errno_text("KVM_SET_USER_MEMORY_REGION (harness slot)", errno);
        return false;
    }

    CpuidBuffer cpuid;
    if (!supported_cpuid(kvm_fd, cpuid, error)) return false;
    guest_phys_bits_ = phys_bits(cpuid);
    bool one_gib = has_pdpe1gb(cpuid) && !options_.force_2m_pages;
    tables_ = std::make_unique<GuestPageTables>(memory_.bytes(), one_gib, access_limit(),
                                                options_.table_pool_limit);
    cpuid_ = std::move(cpuid.bytes);
    kvm_fd_ = kvm_fd;
    vm_fd_ = vm_fd;
    return true;
}

bool GuestProbe::ensure_vcpu() {
    if (vcpu_) return true;
    if (!vcpu_error_.empty()) return false;
    std::string error;
    if (!create_vcpu(error)) {
        vcpu_error_ = error;
        vcpu_.reset();
        return false;
    }
    return true;
}

bool GuestProbe::create_vcpu(std::string& error) {
    const int vm_fd = vm_fd_, kvm_fd = kvm_fd_;
    vcpu_.reset(ioctl(vm_fd, KVM_CREATE_VCPU, 0));
    if (!vcpu_) {
        error = errno_text("KVM_CREATE_VCPU", errno);
        return false;
    }
    int run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0) {
        error = errno_text("KVM_GET_VCPU_MMAP_SIZE", errno);
        return false;
    }
    run_map_ = Mapping::map(nullptr, static_cast<size_t>(run_size), PROT_READ | PROT_WRITE,
                            MAP_SHARED, vcpu_.get(), 0);
    if (!run_map_) {
        error = errno_text("mmap kvm_run", errno);
        return false;
    }
    run_ = static_cast<struct kvm_run*>(run_map_.get());

    // CPUID first: SVM and VMX kernels refuse long-mode sregs (EINVAL) on a
    // vCPU whose CPUID does not advertise long mode (probes/README.md).
    CpuidBuffer cpuid{cpuid_};
    if (ioctl(vcpu_.get(), uapi::kScSetCpuid2, cpuid.get()) != 0) {
        error = errno_text("KVM_SET_CPUID2", errno);
        return false;
    }
    if (!enter_long_mode(error)) return false;
    if (!set_entry_registers(0)) {
        error = errno_text("KVM_SET_REGS", errno);
        return false;
    }
    return true;
}

bool GuestProbe::enter_long_mode(std::string& error) {
    if (ioctl(vcpu_.get(), KVM_GET_SREGS, &sregs_) != 0) {
        error = errno_text("KVM_GET_SREGS", errno);
        return false;
    }
    sregs_.cr0 = 0x80050033;  // PG | AM | WP | NE | ET | MP | PE
    sregs_.cr4 = 0x620;       // OSXMMEXCPT | OSFXSR | PAE
    sregs_.efer = 0x500;      // LMA | LME
    sregs_.cr3 = tables_->cr3();
    set_segment(sregs_.cs, 0x08, 11, true);  // execute/read, accessed
    set_segment(sregs_.ds, 0x10, 3, false);  // read/write, accessed
    sregs_.es = sregs_.ss = sregs_.fs = sregs_.gs = sregs_.ds;
    if (ioctl(vcpu_.get(), KVM_SET_SREGS, &sregs_) != 0) {
        error = errno_text("KVM_SET_SREGS (long mode, CPL3)", errno);
        return false;
    }
    cr3_stale_ = false;
    return true;
}

void GuestProbe::load_cr3() {
    // A CR3 change through KVM_SET_SREGS resets the vCPU's MMU context,
    // which flushes what the guest cached of the old tables.
    sregs_.cr3 = tables_->cr3();
    ioctl(vcpu_.get(), KVM_SET_SREGS, &sregs_);
    cr3_stale_ = false;
}

bool GuestProbe::set_entry_registers(uint64_t next_index) {
    struct kvm_regs regs {};
    regs.rip = kCodeGva;
    regs.rsp = kStackTopGva;
    regs.rflags = kRflags;
    regs.r12 = next_index;
    regs.r13 = kControlGva;
    regs.r14 = kDigestPrime;
    return ioctl(vcpu_.get(), KVM_SET_REGS, &regs) == 0;
}

void GuestProbe::restart_after(uint64_t index) {
    ++stats_.resets;
    // Complete anything the kernel still holds for userspace (an MMIO or
    // PIO completion is applied at the start of the next KVM_RUN, before
    // immediate_exit is honoured) so it cannot land on the fresh registers.
    run_->immediate_exit = 1;
    ioctl(vcpu_.get(), KVM_RUN, 0);
    run_->immediate_exit = 0;
    // Drop any event KVM still means to deliver: an exception whose
    // delivery failed (KVM_EXIT_INTERNAL_ERROR, suberror 3) stays injected
    // and would be delivered again at every entry, hanging every later run.
    struct kvm_vcpu_events events {};
    ioctl(vcpu_.get(), KVM_SET_VCPU_EVENTS, &events);
    struct kvm_mp_state mp {KVM_MP_STATE_RUNNABLE};
    ioctl(vcpu_.get(), KVM_SET_MP_STATE, &mp);
    // Full state: an exit such as SHUTDOWN leaves the vCPU reset to real
    // mode (SVM reinitialises the VMCB), so sregs are loaded again too.
    ioctl(vcpu_.get(), KVM_SET_SREGS, &sregs_);
    cr3_stale_ = false;
    set_entry_registers(index);
}

uint64_t GuestProbe::access_limit() const {
    return guest_phys_bits_ >= 47 ? kGuestAccessLimit : (1ull << guest_phys_bits_);
}

bool GuestProbe::accessible(uint64_t gpa, uint64_t len) const {
    uint64_t end = gpa + len;
    if (end < gpa || end > access_limit()) return false;
    return end <= kHarnessGpa || gpa >= kHarnessGpa + kHarnessSize;
}

size_t GuestProbe::prepare_chunk(const std::vector<ProbeAccess>& accesses,
                                 const std::vector<size_t>& todo, size_t first) {
    size_t n = 0;
    while (first + n < todo.size() && n < kMaxEntries) {
        const ProbeAccess& a = accesses[todo[first + n]];
        if (!tables_->try_map(a.gpa, access_length(a))) {
            // Table pool full: run what we have; the next chunk starts with
            // fresh tables (guest_page_tables.h).
            if (n > 0) break;
            tables_->reset();
            cr3_stale_ = true;
            tables_->try_map(a.gpa, access_length(a));
        }
        ProbeEntry& e = entries()[n];
        e.op = a.kind == ProbeAccess::Kind::Read    ? kOpRead
               : a.kind == ProbeAccess::Kind::Write ? kOpWrite
                                                    : kOpDigest;
        e.addr = a.gpa;
        e.value = a.value;
        e.result = 0;
        ++n;
    }
    ProbeControl* ctl = control();
    ctl->count = n;
    ctl->skip = 0;
    ctl->current = 0;
    ctl->report_each = options_.report_each_entry ? 1 : 0;
    return n;
}

void GuestProbe::run_chunk(const std::vector<size_t>& todo, size_t first, size_t count,
                           std::vector<std::optional<Outcome>>& out) {
    ProbeControl* ctl = control();
    // The first event of an entry is its outcome (an 8-byte access that
    // crosses pages may cause two).
    auto record = [&](uint64_t i, const Outcome& o) {
        auto& slot = out[todo[first + i]];
        if (!slot) slot = o;
    };
    if (cr3_stale_) load_cr3();
    if (!at_batch_start_) set_entry_registers(0);
    at_batch_start_ = false;
    uint64_t next = 0;  // the index the current run started from
    int stray = 0;
    while (next < count) {
        auto limit = options_.run_timeout_base +
                     options_.run_timeout_per_entry * static_cast<int64_t>(count - next);
        int rc, err;
        bool fired;
        {
            RunTimer timer(run_, limit);
            rc = ioctl(vcpu_.get(), KVM_RUN, 0);
            err = errno;
            fired = timer.fired();
        }
        ++stats_.runs;
        // Every entry done, and the run ended at the batch's final `out`
        // in some other way than its PIO exit (a kvm_pvm host shuts the
        // vCPU down there when the `out` runs natively): the batch is
        // complete; the vCPU is reset for the next one.
        if (ctl->current == count &&
            !(rc == 0 && run_->exit_reason == KVM_EXIT_IO && run_->io.port == kPortBatchDone)) {
            ++stats_.shutdown_ends;
            restart_after(0);
            break;
        }
        // The guest publishes its index before each access; a run that never
        // reached the guest leaves an older value, hence the clamp.
        uint64_t cur = ctl->current;
        if (cur < next || cur >= count) cur = next;

        if (rc < 0) {
            if (err == EINTR && !fired && ++stray < kMaxStrayInterrupts) continue;
            if (err == EINTR) {
                record(cur, Outcome::timeout());
            } else if (run_->exit_reason == uapi::kScExitMemoryFault) {
                const auto& mf = uapi::memory_fault_of(*run_);
                record(cur, Outcome::memory_fault(err, mf.flags, mf.gpa, mf.size));
            } else {
                // x86 resets exit_reason at each KVM_RUN: this is what the
                // kernel left (0 for the hva path's EFAULT).
                record(cur, Outcome::run_error(err, run_->exit_reason));
            }
            next = cur + 1;
            restart_after(next);
            continue;
        }

        if (run_->exit_reason == KVM_EXIT_IO && run_->io.direction == KVM_EXIT_IO_OUT) {
            if (run_->io.port == kPortBatchDone) {
                at_batch_start_ = true;
                break;
            }
            if (run_->io.port == kPortEntryDone) continue;
        }
        if (run_->exit_reason == KVM_EXIT_MMIO) {
            ++stats_.mmio_exits;
            record(cur, Outcome::mmio(run_->mmio.phys_addr, run_->mmio.is_write != 0));
            if (!run_->mmio.is_write) {
                // Answer the read (it completes at the next KVM_RUN, which
                // must come before any other use of the vCPU).
                uint32_t len = run_->mmio.len > 8 ? 8 : run_->mmio.len;
                std::memcpy(run_->mmio.data, &kMmioFiller, len);
                if (entries()[cur].op == kOpDigest) ctl->skip = 1;
            }
            continue;
        }
        // Any other exit: this entry's outcome, then go on with the next.
        record(cur, Outcome::run_error(0, run_->exit_reason));
        next = cur + 1;
        restart_after(next);
    }

    // Entries with no event completed in the guest.
    for (size_t i = 0; i < count; ++i) {
        const ProbeEntry& e = entries()[i];
        if (e.op == kOpWrite) {
            record(i, Outcome::ok());
        } else {
            record(i, Outcome::read_value(e.result));
        }
    }
}

std::vector<Outcome> GuestProbe::run_batch(const std::vector<ProbeAccess>& accesses) {
    std::vector<std::optional<Outcome>> out(accesses.size());
    std::vector<size_t> todo;
    for (size_t i = 0; i < accesses.size(); ++i) {
        if (intact_ && accessible(accesses[i].gpa, access_length(accesses[i]))) {
            todo.push_back(i);
        } else {
            out[i] = Outcome::no_probe();
        }
    }
    // The vCPU is made at the first access that needs it: a sequence that
    // never reaches the guest (most minimizer candidates, many fuzzed ones)
    // costs no vCPU creation, CPUID or long-mode setup.
    if (!todo.empty() && !ensure_vcpu()) {
        for (size_t i : todo) out[i] = Outcome::no_probe();
        todo.clear();
    }
    for (size_t first = 0; first < todo.size();) {
        size_t count = prepare_chunk(accesses, todo, first);
        run_chunk(todo, first, count, out);
        first += count;
    }
    std::vector<Outcome> result;
    result.reserve(out.size());
    for (auto& o : out) result.push_back(o.value_or(Outcome::no_probe()));
    return result;
}

}  // namespace slotcheck
