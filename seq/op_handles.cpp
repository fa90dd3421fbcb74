#include "seq/op_handles.h"

#include "seq/op_table.h"

namespace slotcheck {

std::optional<Handle> created_handle(const Op& op) {
    for (const FieldSpec& f : op_form(op).fields)
        if (f.role == HandleRole::Creates) return field_handle(f, op);
    return std::nullopt;
}

std::vector<Handle> used_handles(const Op& op) {
    std::vector<Handle> out;
    for (const FieldSpec& f : op_form(op).fields) {
        if (f.role != HandleRole::Uses) continue;
        switch (f.kind) {
        case FieldKind::Handle: out.push_back(field_handle(f, op)); break;
        case FieldKind::HostAddress:
            if (const HostAddr& a = field_address(f, op); a.symbolic) out.push_back(a.mapping);
            break;
        case FieldKind::Fd:
            if (const FdRef& fd = field_fd(f, op); fd.kind == FdRef::Kind::Handle) out.push_back(fd.handle);
            break;
        case FieldKind::MmapSource:
            if (const Mmap& m = field_mmap(f, op); m.source == Mmap::Source::File) out.push_back(m.file);
            break;
        default: break;
        }
    }
    return out;
}

void rename_handles(Op& op, const std::function<void(Handle&)>& rename) {
    for (const FieldSpec& f : op_form(op).fields) {
        switch (f.kind) {
        case FieldKind::Handle: rename(f.handle(op)); break;
        case FieldKind::HostAddress:
            if (HostAddr& a = f.address(op); a.symbolic) rename(a.mapping);
            break;
        case FieldKind::Fd:
            if (FdRef& fd = f.fd(op); fd.kind == FdRef::Kind::Handle) rename(fd.handle);
            break;
        case FieldKind::MmapSource:
            if (Mmap& m = f.mmap(op); m.source == Mmap::Source::File) rename(m.file);
            break;
        default: break;
        }
    }
}

}  // namespace slotcheck
