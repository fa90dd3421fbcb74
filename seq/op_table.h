// Every operation's text form described once: its keyword and its fields in
// order, each with its kind, its key (or its place among the positional
// words), its default, which handle role it plays and what its value means
// to the minimizer. The parser, the printer, the handle bookkeeping
// (op_handles.h, hence validation and the minimizer's repairs) and the
// minimizer's value simplification all walk this table, so a new operation
// is a struct in ops.h and a row in op_table.cpp, plus its semantics
// (docs/sequence-format.md, "Adding an operation").
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "seq/ops.h"

namespace slotcheck {

enum class FieldKind : uint8_t {
    Handle,       // v0, g1, f2, m3: one of `handle_kinds`
    Number,       // a number up to `max`
    HostAddress,  // m0+0x1000 or a raw number
    Fd,           // a handle, kvm, -1 or never-open
    Width,        // u8 or u64
    MmapSource,   // anon, gN or fN: an Mmap's source and file
    Prot,         // r, rw, rx or rwx: an Mmap's writable and exec
};

// The part a handle field plays in the sequence's handle discipline.
enum class HandleRole : uint8_t { None, Creates, Uses };

// What a value means, so that the minimizer moves values of one meaning
// together (two bindings' file offsets, a slot's gpa and an access's).
enum class ValueMeaning : uint8_t { None, Type, Size, Flags, Offset, Slot, Gpa, HostAddress, Written, Mode, Attributes };

// The handle kinds a Handle field accepts, a bit per HandleKind.
constexpr unsigned handle_kind_bit(HandleKind k) { return 1u << static_cast<unsigned>(k); }

struct FieldSpec {
    FieldKind kind = FieldKind::Number;
    const char* key = nullptr;           // "size" for size=...; nullptr: a positional word
    const char* what = nullptr;          // a positional word: "a VM handle (v0)", for "expected ..."
    const char* what_instead = nullptr;  // the text after "expected " for a wrong word, where it says more
    bool required = false;               // a keyed field that must be given (else `dflt` or the blank value)
    uint64_t dflt = 0;                   // a keyed Number that is not given
    HandleRole role = HandleRole::None;
    unsigned handle_kinds = 0;
    ValueMeaning meaning = ValueMeaning::None;
    bool may_unmap = false;  // a HostAddress the minimizer may replace by raw 0 (a region's uaddr)

    // Number and Width: the value, and the largest one allowed (a member's
    // width; a hwrite's value depends on its width, hence a function).
    uint64_t (*get)(const Op&) = nullptr;
    void (*set)(Op&, uint64_t) = nullptr;
    uint64_t (*max)(const Op&) = nullptr;
    const char* too_big = nullptr;  // the error above max (default: "field 'K' does not fit in N bits")
    // The other kinds: the member itself (for MmapSource and Prot, the whole Mmap).
    Handle& (*handle)(Op&) = nullptr;
    HostAddr& (*address)(Op&) = nullptr;
    FdRef& (*fd)(Op&) = nullptr;
    Mmap& (*mmap)(Op&) = nullptr;
};

struct OpForm {
    const char* keyword;
    Op blank;                    // what parsing fills in (region1 is a SetRegion of version 1)
    bool (*is)(const Op&);       // the op is printed in this form
    std::vector<FieldSpec> fields;
};

// Every form, in the order the docs list them.
const std::vector<OpForm>& op_forms();
// The form of a keyword, or nullptr.
const OpForm* op_form(std::string_view keyword);
// The form an op is printed in.
const OpForm& op_form(const Op& op);

// Read access to a field's member for a const op (the accessors take Op&
// so that one table serves reading and writing; reading changes nothing).
inline const Handle& field_handle(const FieldSpec& f, const Op& op) { return f.handle(const_cast<Op&>(op)); }
inline const HostAddr& field_address(const FieldSpec& f, const Op& op) { return f.address(const_cast<Op&>(op)); }
inline const FdRef& field_fd(const FieldSpec& f, const Op& op) { return f.fd(const_cast<Op&>(op)); }
inline const Mmap& field_mmap(const FieldSpec& f, const Op& op) { return f.mmap(const_cast<Op&>(op)); }

}  // namespace slotcheck
