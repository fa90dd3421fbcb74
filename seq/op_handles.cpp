#include "seq/op_handles.h"

#include "seq/op_table.h"

namespace slotcheck {

namespace {

// Calls `fn` on the handle a field of `op` holds, if it holds one: a handle,
// a symbolic address's mapping, an fd that is a handle, a file mapping's file.
template <class F>
void with_field_handle(const FieldSpec& f, Op& op, F&& fn) {
    switch (f.kind) {
    case FieldKind::Handle: fn(f.handle(op)); break;
    case FieldKind::HostAddress:
        if (HostAddr& a = f.address(op); a.symbolic) fn(a.mapping);
        break;
    case FieldKind::Fd:
        if (FdRef& fd = f.fd(op); fd.kind == FdRef::Kind::Handle) fn(fd.handle);
        break;
    case FieldKind::MmapSource:
        if (Mmap& m = f.mmap(op); m.source == Mmap::Source::File) fn(m.file);
        break;
    default: break;
    }
}

}  // namespace

std::optional<Handle> created_handle(const Op& op) {
    for (const FieldSpec& f : op_form(op).fields)
        if (f.role == HandleRole::Creates) return field_handle(f, op);
    return std::nullopt;
}

std::vector<Handle> used_handles(const Op& op) {
    std::vector<Handle> out;
    // Read only: the accessors take Op& so that one table serves rename_handles too.
    Op& fields_of = const_cast<Op&>(op);
    for (const FieldSpec& f : op_form(op).fields)
        if (f.role == HandleRole::Uses) with_field_handle(f, fields_of, [&](const Handle& h) { out.push_back(h); });
    return out;
}

void rename_handles(Op& op, const std::function<void(Handle&)>& rename) {
    for (const FieldSpec& f : op_form(op).fields) with_field_handle(f, op, rename);
}

}  // namespace slotcheck
