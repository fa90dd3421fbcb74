// The operations of a slotcheck sequence: one struct per operation, one
// variant for all of them. This is the single representation that the
// parser, printer, model, kernel backend, generators, minimizer, prover and
// C emitter share (docs/sequence-format.md describes the text form).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

namespace slotcheck {

// Named handles: v0 (VM), g0 (guest_memfd), f0 (memfd), m0 (host mapping).
enum class HandleKind : uint8_t { Vm, Gmem, Memfd, Mapping };

struct Handle {
    HandleKind kind = HandleKind::Vm;
    uint32_t index = 0;
    friend bool operator==(const Handle&, const Handle&) = default;
    friend auto operator<=>(const Handle&, const Handle&) = default;
};

// A file descriptor argument as a sequence names it. Besides live handles,
// a sequence can pass the /dev/kvm fd, -1, or an fd number that is never
// open, because the kernel's answers to those are part of the rules.
struct FdRef {
    enum class Kind : uint8_t { Handle, Kvm, Minus1, NeverOpen };
    Kind kind = Kind::Minus1;
    Handle handle{};
    friend bool operator==(const FdRef&, const FdRef&) = default;
};

// A host virtual address. Symbolic (mapping + offset) so that a file replays
// in any process; raw numbers exist for the values whose meaning does not
// depend on the process (0, unaligned values, kernel and non-canonical
// addresses). docs/model.md: raw addresses are assumed unmapped.
struct HostAddr {
    bool symbolic = false;
    Handle mapping{HandleKind::Mapping, 0};
    uint64_t value = 0;  // offset into the mapping, or the raw address
    friend bool operator==(const HostAddr&, const HostAddr&) = default;
};

struct CreateVm {
    Handle vm;
    uint64_t type = 0;
    friend bool operator==(const CreateVm&, const CreateVm&) = default;
};

struct CreateGmem {
    Handle gmem;
    Handle vm;
    uint64_t size = 0;
    uint64_t flags = 0;
    friend bool operator==(const CreateGmem&, const CreateGmem&) = default;
};

struct CreateMemfd {
    Handle memfd;
    uint64_t size = 0;
    friend bool operator==(const CreateMemfd&, const CreateMemfd&) = default;
};

// MAP_SHARED mapping of a memfd, a guest_memfd, or anonymous shared memory.
struct Mmap {
    enum class Source : uint8_t { File, Anonymous };
    Handle mapping;
    Source source = Source::Anonymous;
    Handle file{};  // when source == File
    uint64_t offset = 0;
    uint64_t size = 0;
    bool writable = true;
    bool exec = false;
    friend bool operator==(const Mmap&, const Mmap&) = default;
};

struct Munmap {
    Handle mapping;
    friend bool operator==(const Munmap&, const Munmap&) = default;
};

// KVM_SET_USER_MEMORY_REGION (version 1) or ..._REGION2 (version 2).
// `slot` is the raw ioctl field: (as_id << 16) | id.
struct SetRegion {
    int version = 2;
    Handle vm;
    uint32_t slot = 0;
    uint32_t flags = 0;
    uint64_t gpa = 0;
    uint64_t size = 0;
    HostAddr uaddr{};
    FdRef gmem{};             // version 2 only
    uint64_t gmem_offset = 0;  // version 2 only
    friend bool operator==(const SetRegion&, const SetRegion&) = default;
};

struct Fallocate {
    Handle file;  // guest_memfd or memfd
    uint32_t mode = 0;
    uint64_t offset = 0;
    uint64_t len = 0;
    friend bool operator==(const Fallocate&, const Fallocate&) = default;
};

// close(2) of any handle's fd (VM, guest_memfd or memfd). Mappings are
// removed with Munmap.
struct Close {
    Handle handle;
    friend bool operator==(const Close&, const Close&) = default;
};

struct HostWrite {
    HostAddr addr;
    uint8_t width = 8;  // 1 or 8 bytes
    uint64_t value = 0;
    friend bool operator==(const HostWrite&, const HostWrite&) = default;
};

struct HostRead {
    HostAddr addr;
    uint8_t width = 8;
    friend bool operator==(const HostRead&, const HostRead&) = default;
};

// A native (64-bit, CPL3) guest access of 8 bytes at gpa, through the
// probe vCPU of the VM.
struct GuestRead {
    Handle vm;
    uint64_t gpa = 0;
    friend bool operator==(const GuestRead&, const GuestRead&) = default;
};

struct GuestWrite {
    Handle vm;
    uint64_t gpa = 0;
    uint64_t value = 0;
    friend bool operator==(const GuestWrite&, const GuestWrite&) = default;
};

// KVM_SET_MEMORY_ATTRIBUTES.
struct SetAttributes {
    Handle vm;
    uint64_t address = 0;
    uint64_t size = 0;
    uint64_t attributes = 0;
    uint64_t flags = 0;
    friend bool operator==(const SetAttributes&, const SetAttributes&) = default;
};

// Observe everything: the guest view of every page the model considers
// interesting and the host view of every live mapping.
struct Check {
    friend bool operator==(const Check&, const Check&) = default;
};

using Op = std::variant<CreateVm, CreateGmem, CreateMemfd, Mmap, Munmap, SetRegion, Fallocate,
                        Close, HostWrite, HostRead, GuestRead, GuestWrite, SetAttributes, Check>;

// The keyword that starts the op's line in the text form ("region", "gread").
std::string op_keyword(const Op& op);

}  // namespace slotcheck
