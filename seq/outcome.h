// What one operation did, as userspace can see it. The model predicts an
// Outcome, the kernel backend measures one, and the differ compares them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seq/ops.h"

namespace slotcheck {

struct Outcome {
    enum class Kind : uint8_t {
        Ok,            // the call succeeded (a new fd counts as success)
        Errno,         // the call failed with `err`
        Value,         // a read returned `value`
        Sigbus,        // a host access raised SIGBUS
        Sigsegv,       // a host access raised SIGSEGV (no mapping)
        Mmio,          // the guest access left the vCPU with KVM_EXIT_MMIO at `gpa`
        MemoryFault,   // KVM_RUN failed with `err` and KVM_EXIT_MEMORY_FAULT {flags, gpa, size}
        RunError,      // KVM_RUN failed with `err`, exit reason `exit_reason`
        Timeout,       // KVM_RUN did not come back within its time limit
        NoProbe,       // the harness slot is gone, so the probe vCPU cannot run
    };
    Kind kind = Kind::Ok;
    int err = 0;
    uint64_t value = 0;
    uint64_t gpa = 0;
    uint64_t size = 0;
    uint64_t flags = 0;
    uint32_t exit_reason = 0;
    bool is_write = false;

    static Outcome ok() { return {}; }
    static Outcome error(int e) { Outcome o; o.kind = Kind::Errno; o.err = e; return o; }
    static Outcome read_value(uint64_t v) { Outcome o; o.kind = Kind::Value; o.value = v; return o; }
    static Outcome sigbus() { Outcome o; o.kind = Kind::Sigbus; return o; }
    static Outcome sigsegv() { Outcome o; o.kind = Kind::Sigsegv; return o; }
    static Outcome mmio(uint64_t gpa, bool is_write) {
        Outcome o; o.kind = Kind::Mmio; o.gpa = gpa; o.is_write = is_write; return o;
    }
    static Outcome memory_fault(int e, uint64_t flags, uint64_t gpa, uint64_t size) {
        Outcome o; o.kind = Kind::MemoryFault; o.err = e; o.flags = flags; o.gpa = gpa; o.size = size;
        return o;
    }
    static Outcome run_error(int e, uint32_t exit_reason) {
        Outcome o; o.kind = Kind::RunError; o.err = e; o.exit_reason = exit_reason; return o;
    }
    static Outcome timeout() { Outcome o; o.kind = Kind::Timeout; return o; }
    static Outcome no_probe() { Outcome o; o.kind = Kind::NoProbe; return o; }

    friend bool operator==(const Outcome&, const Outcome&) = default;
};

// A rejection: a refused call (an errno), a host access that faulted
// (sigbus, sigsegv) or a KVM_RUN that failed (memfault, run ERRNO). Written
// expectations of rejections name the rule that decides them
// (docs/sequence-format.md "Naming the rule"): several rules answer EINVAL
// or SIGBUS, and a test should fail when the wrong one does. Successes,
// values and MMIO exits are not rejections, nor are a timeout and noprobe
// (no rule of the kernel decides those).
bool is_rejection(const Outcome& o);

// Text form used after "=>" in sequence files: ok, EINVAL, 0x2a, sigbus,
// sigsegv, mmio read 0x1000, memfault EFAULT flags=0x0 gpa=0x1000 size=0x1000,
// run EFAULT exit=0x0, timeout, noprobe.
std::string to_string(const Outcome& o);
// Parses the text form; nullopt with `error` set on bad input.
std::optional<Outcome> parse_outcome(const std::string& text, std::string& error);

// errno <-> symbolic name ("EINVAL").
std::string errno_name(int err);
std::optional<int> errno_from_name(const std::string& name);

// One observed place in a `check`: the guest's view of a page (digest of its
// 4096 bytes, or how the access failed) or the host's view of a page of a
// mapping.
struct Observation {
    enum class Where : uint8_t { Guest, Host };
    Where where = Where::Guest;
    Handle handle{};      // the VM (guest) or the mapping (host)
    uint64_t address = 0;  // gpa (guest) or offset in the mapping (host)
    Outcome outcome{};
    friend bool operator==(const Observation&, const Observation&) = default;
};

// The digest of one 4096-byte page as both the model and the guest probe
// compute it: FNV-1a-style over the 512 little-endian u64 words,
// h = (h ^ w) * 0x100000001b3, starting at 0, so an all-zero page digests
// to 0. The guest probe computes it with the same two instructions per word.
uint64_t page_digest(const uint8_t* page);
inline constexpr uint64_t kDigestPrime = 0x100000001b3ull;

}  // namespace slotcheck
