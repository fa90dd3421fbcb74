#include "harness/guest_probe.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace slotcheck {
namespace {

struct FreeCpuid {
    void operator()(sc_kvm_cpuid2* c) const { std::free(c); }
};
using CpuidPtr = std::unique_ptr<sc_kvm_cpuid2, FreeCpuid>;

// What /dev/kvm supports does not change while the process runs: asked
// once, not once per VM (under nested TCG every ioctl is emulated work).
// nullptr with `error` when the query fails (asked again next time).
const sc_kvm_cpuid2* supported_cpuid(int kvm_fd, std::string& error) {
    static std::mutex mutex;
    static CpuidPtr cached;
    std::lock_guard lock(mutex);
    if (!cached) {
        cached.reset(sc_supported_cpuid(kvm_fd));
        if (!cached) error = std::string("KVM_GET_SUPPORTED_CPUID: ") + std::strerror(errno);
    }
    return cached.get();
}

// The core's run timer is per thread; this deletes the thread's timer when
// the thread ends.
struct ThreadRunTimer {
    ~ThreadRunTimer() { sc_run_timer_release(); }
};

sc_probe_options c_options(const ProbeOptions& o) {
    sc_probe_options c = sc_probe_default_options();
    c.run_timeout_base_us = static_cast<uint64_t>(o.run_timeout_base.count());
    c.run_timeout_per_entry_us = static_cast<uint64_t>(o.run_timeout_per_entry.count());
    c.report_each_entry = o.report_each_entry ? 1 : 0;
    c.force_2m_pages = o.force_2m_pages ? 1 : 0;
    c.table_pool_limit = o.table_pool_limit;
    return c;
}

uint64_t c_op(ProbeAccess::Kind kind) {
    switch (kind) {
    case ProbeAccess::Kind::Read: return SC_PROBE_OP_READ;
    case ProbeAccess::Kind::Write: return SC_PROBE_OP_WRITE;
    case ProbeAccess::Kind::Digest: return SC_PROBE_OP_DIGEST;
    }
    return SC_PROBE_OP_READ;
}

}  // namespace

unsigned supported_guest_phys_bits(int kvm_fd) {
    std::string error;
    const sc_kvm_cpuid2* cpuid = supported_cpuid(kvm_fd, error);
    return cpuid != nullptr ? sc_cpuid_phys_bits(cpuid) : 36;
}

std::unique_ptr<GuestProbe> GuestProbe::create(int kvm_fd, int vm_fd, const ProbeOptions& options,
                                               std::string& error) {
    std::unique_ptr<GuestProbe> probe(new GuestProbe());
    char text[256] = "";
    const sc_probe_options c = c_options(options);
    probe->set_up_ = true;
    if (sc_probe_add_slot(&probe->probe_, kvm_fd, vm_fd, &c, text, sizeof text) != 0) {
        error = text;
        return nullptr;
    }
    const sc_kvm_cpuid2* cpuid = supported_cpuid(kvm_fd, error);
    if (cpuid == nullptr) return nullptr;
    if (sc_probe_set_cpuid(&probe->probe_, cpuid, text, sizeof text) != 0) {
        error = text;
        return nullptr;
    }
    return probe;
}

GuestProbe::~GuestProbe() {
    if (set_up_) sc_probe_release(&probe_);  // vCPU, run page, memory
}

void GuestProbe::release_run_timer_at_thread_exit() {
    thread_local ThreadRunTimer thread_timer;
    (void)thread_timer;
}

std::vector<Outcome> GuestProbe::run_batch(const std::vector<ProbeAccess>& accesses) {
    release_run_timer_at_thread_exit();
    std::vector<sc_access> batch(accesses.size());
    for (size_t i = 0; i < accesses.size(); ++i) {
        batch[i].op = c_op(accesses[i].kind);
        batch[i].gpa = accesses[i].gpa;
        batch[i].value = accesses[i].value;
    }
    sc_probe_run_batch(&probe_, batch.data(), batch.size());
    std::vector<Outcome> result;
    result.reserve(batch.size());
    for (const sc_access& a : batch) result.push_back(to_outcome(a.out));
    return result;
}

}  // namespace slotcheck
