#include "model/op_handles.h"

namespace slotcheck {

namespace {

struct Creates {
    std::optional<Handle> operator()(const CreateVm& x) const { return x.vm; }
    std::optional<Handle> operator()(const CreateGmem& x) const { return x.gmem; }
    std::optional<Handle> operator()(const CreateMemfd& x) const { return x.memfd; }
    std::optional<Handle> operator()(const Mmap& x) const { return x.mapping; }
    std::optional<Handle> operator()(const auto&) const { return std::nullopt; }
};

struct Uses {
    std::vector<Handle>& out;
    void add(const HostAddr& a) const {
        if (a.symbolic) out.push_back(a.mapping);
    }
    void add(const FdRef& f) const {
        if (f.kind == FdRef::Kind::Handle) out.push_back(f.handle);
    }
    void operator()(const CreateVm&) const {}
    void operator()(const CreateGmem& x) const { out.push_back(x.vm); }
    void operator()(const CreateMemfd&) const {}
    void operator()(const Mmap& x) const {
        if (x.source == Mmap::Source::File) out.push_back(x.file);
    }
    void operator()(const Munmap& x) const { out.push_back(x.mapping); }
    void operator()(const SetRegion& x) const {
        out.push_back(x.vm);
        add(x.uaddr);
        if (x.version != 1) add(x.gmem);
    }
    void operator()(const Fallocate& x) const { out.push_back(x.file); }
    void operator()(const Close& x) const { out.push_back(x.handle); }
    void operator()(const HostWrite& x) const { add(x.addr); }
    void operator()(const HostRead& x) const { add(x.addr); }
    void operator()(const GuestRead& x) const { out.push_back(x.vm); }
    void operator()(const GuestWrite& x) const { out.push_back(x.vm); }
    void operator()(const SetAttributes& x) const { out.push_back(x.vm); }
    void operator()(const Check&) const {}
};

struct Renames {
    const std::function<void(Handle&)>& rename;
    void fix(HostAddr& a) const {
        if (a.symbolic) rename(a.mapping);
    }
    void fix(FdRef& f) const {
        if (f.kind == FdRef::Kind::Handle) rename(f.handle);
    }
    void operator()(CreateVm& x) const { rename(x.vm); }
    void operator()(CreateGmem& x) const { rename(x.gmem), rename(x.vm); }
    void operator()(CreateMemfd& x) const { rename(x.memfd); }
    void operator()(Mmap& x) const {
        rename(x.mapping);
        if (x.source == Mmap::Source::File) rename(x.file);
    }
    void operator()(Munmap& x) const { rename(x.mapping); }
    void operator()(SetRegion& x) const { rename(x.vm), fix(x.uaddr), fix(x.gmem); }
    void operator()(Fallocate& x) const { rename(x.file); }
    void operator()(Close& x) const { rename(x.handle); }
    void operator()(HostWrite& x) const { fix(x.addr); }
    void operator()(HostRead& x) const { fix(x.addr); }
    void operator()(GuestRead& x) const { rename(x.vm); }
    void operator()(GuestWrite& x) const { rename(x.vm); }
    void operator()(SetAttributes& x) const { rename(x.vm); }
    void operator()(Check&) const {}
};

}  // namespace

void rename_handles(Op& op, const std::function<void(Handle&)>& rename) { std::visit(Renames{rename}, op); }

std::optional<Handle> created_handle(const Op& op) { return std::visit(Creates{}, op); }

std::vector<Handle> used_handles(const Op& op) {
    std::vector<Handle> out;
    std::visit(Uses{out}, op);
    return out;
}

}  // namespace slotcheck
