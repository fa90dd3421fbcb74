// A counterexample: its concrete trace as a slotcheck Sequence, written once
// while the model is read out of Z3 (bmc.cpp) by a TraceWriter. The sequence
// is what `prove --emit` writes and what `replay` runs on a kernel: a VM,
// guest_memfd files with MMAP|INIT_SHARED (so the guest's native accesses go
// to the file), KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD for
// every registration (uaddr 0, which gmem-only slots allow), a guest write
// of a marker for every cached access, the punch (KEEP_SIZE|PUNCH_HOLE), and
// guest reads afterwards, so a stale page or an accepted aliasing
// registration would show. Expected outcomes are left empty: the reference
// model computes them. Each of the prover's steps is one op of the sequence
// (`trace`), commented "step n: <what it did in the design's world>"; the
// projection back to the prover's step is op_projection.h.
//
// The private form is the same sequence on a software-protected VM (type 1)
// for kernels where only that type binds guest_memfd (6.12 with
// KVM_SW_PROTECTED_VM): files without flags (no MMAP before 6.18, no
// INIT_SHARED for a private VM ever) and every guest_memfd-bound gfn made
// PRIVATE right after the VM is created, so the guest's accesses still go to
// the file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "seq/kvm_flags.h"
#include "seq/sequence.h"

namespace slotcheck::smt {

inline constexpr uint64_t kGmemFlags = kGmemFlagMmap | kGmemFlagInitShared;
inline constexpr uint32_t kPunchMode = kFallocKeepSize | kFallocPunchHole;
inline constexpr uint64_t kMarkerBase = 0x5107510700000000ull;  // guest write n stores kMarkerBase + n

struct Counterexample {
    std::string design;
    std::string property;
    Sequence sequence;                   // the default form (VmForm::Default), as --emit writes it
    std::vector<size_t> trace;           // sequence.steps index of each prover step, in order
    std::vector<std::string> violation;  // what goes wrong, with numbers
};

// What the trace prints for prover step i (its op's comment after "step n: ").
std::string step_description(const Counterexample& c, size_t i);
// The whole trace, one step a line, then the violation, indented by `indent`.
std::string format_counterexample(const Counterexample& c, const std::string& indent = "  ");

enum class VmForm {
    Default,  // type 0, files with MMAP|INIT_SHARED
    Private,  // type 1, files without flags, bound gfns PRIVATE
};

// c.sequence, or its private form.
Sequence in_form(const Counterexample& c, VmForm form);

struct GfnRef {
    uint64_t as = 0;
    uint64_t gfn = 0;
    friend bool operator==(const GfnRef&, const GfnRef&) = default;
};

// Writes a counterexample's sequence step by step. File ids are the
// prover's; each file becomes a guest_memfd handle in order of first use.
// Every step takes the line the trace prints for it.
class TraceWriter {
public:
    TraceWriter(std::string design, std::string property);

    void registration(uint32_t id, uint64_t as, uint64_t base, uint64_t npages, bool gmem, uint64_t file,
                      uint64_t pgoff, const std::string& description);
    void deletion(uint32_t id, uint64_t as, uint64_t base, const std::string& description);
    void close(uint64_t file, const std::string& description);
    // Only address space 0 has an op (the probe vCPU's): false for another.
    bool access(uint64_t as, uint64_t gfn, const std::string& description);
    void punch(uint64_t file, uint64_t start, uint64_t end, const std::string& description);
    // File `file` is at least `pages` pages (every file at least one).
    void need_pages(uint64_t file, uint64_t pages);

    // Where the sequence looks to make the flaw visible: guest writes of a
    // marker just before the last step, guest writes after it, and guest
    // reads after it (every gfn written is read back too).
    void write_before_last(GfnRef g, const std::string& why) { before_last_.push_back({g, why}); }
    void write_after_last(GfnRef g) { after_last_.push_back(g); }
    void read_after_last(GfnRef g) { reads_.push_back(g); }
    void violation(const std::string& what) { violation_.push_back(what); }

    Counterexample finish() const;

private:
    Handle file(uint64_t id);
    void step(Op op, const std::string& description, std::vector<Step> before = {});

    std::string design_, property_;
    std::vector<std::vector<Step>> chunks_;  // per prover step: what it needs (a mapping), then its op
    std::map<uint64_t, Handle> files_;           // prover file id -> handle
    std::map<uint64_t, uint64_t> pages_;         // prover file id -> pages it needs
    std::vector<uint64_t> file_order_;           // prover file ids in order of first use
    uint32_t mappings_ = 0;
    std::vector<std::pair<GfnRef, std::string>> before_last_;
    std::vector<GfnRef> after_last_, reads_;
    std::vector<std::string> violation_;
};

std::string hex(uint64_t v);

}  // namespace slotcheck::smt
