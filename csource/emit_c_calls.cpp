#include "csource/emit_c_calls.h"

#include <sstream>

#include "seq/sequence.h"
#include "seq/text_scan.h"

namespace slotcheck {

namespace {

std::string prot_flags(const Mmap& m) {
    std::string p = "PROT_READ";
    if (m.writable) p += " | PROT_WRITE";
    if (m.exec) p += " | PROT_EXEC";
    return p;
}

// Arguments joined with ", ".
template <typename... Args>
std::string args(const Args&... a) {
    std::string out;
    ((out += (out.empty() ? "" : ", ") + std::string(a)), ...);
    return out;
}

}  // namespace

std::string EmitCCalls::handle(const Handle& h) {
    used_.insert(h);
    return "&" + print_handle(h);
}

std::string EmitCCalls::fd(const Handle& h) {
    if (h.kind == HandleKind::Mapping) return "-1";
    used_.insert(h);
    return print_handle(h) + ".fd";
}

std::string EmitCCalls::fd(const FdRef& ref) {
    switch (ref.kind) {
    case FdRef::Kind::Handle: return fd(ref.handle);
    case FdRef::Kind::Kvm: return "sc_kvm";
    case FdRef::Kind::Minus1: return "-1";
    case FdRef::Kind::NeverOpen: return "SC_NEVER_OPEN_FD";
    }
    return "-1";
}

std::string EmitCCalls::address(const HostAddr& a) {
    // sc_arena() needs the index only, not the mapping's variable.
    if (!a.symbolic) return hex(a.value) + "ull";
    return "sc_arena(" + std::to_string(a.mapping.index) + ") + " + hex(a.value);
}

std::string EmitCCalls::call(const Op& op) {
    struct Writer {
        EmitCCalls& c;
        std::string operator()(const CreateVm& x) { return "sc_create_vm(" + args(c.handle(x.vm), hex(x.type)) + ")"; }
        std::string operator()(const CreateGmem& x) {
            return "sc_create_guest_memfd(" + args(c.handle(x.gmem), c.fd(x.vm), hex(x.size), hex(x.flags)) + ")";
        }
        std::string operator()(const CreateMemfd& x) {
            return "sc_create_memfd(" + args(c.handle(x.memfd), hex(x.size)) + ")";
        }
        std::string operator()(const Mmap& x) {
            bool anon = x.source == Mmap::Source::Anonymous;
            return "sc_mmap(" +
                   args(c.handle(x.mapping), anon ? "SC_ANONYMOUS" : "SC_FILE", anon ? "-1" : c.fd(x.file),
                        hex(x.offset), hex(x.size), prot_flags(x)) +
                   ")";
        }
        std::string operator()(const Munmap& x) { return "sc_munmap(" + c.handle(x.mapping) + ")"; }
        std::string operator()(const SetRegion& x) {
            std::string common = args(c.handle(x.vm), hex(x.slot), hex(x.flags), hex(x.gpa), hex(x.size),
                                      c.address(x.uaddr));
            if (x.version == 1) return "sc_set_user_memory_region(" + common + ")";
            return "sc_set_user_memory_region2(" + args(common, c.fd(x.gmem), hex(x.gmem_offset)) + ")";
        }
        std::string operator()(const Fallocate& x) {
            return "sc_fallocate(" + args(c.fd(x.file), hex(x.mode), hex(x.offset), hex(x.len)) + ")";
        }
        std::string operator()(const Close& x) {
            switch (x.handle.kind) {
            case HandleKind::Vm: return "sc_close_vm(" + c.handle(x.handle) + ")";
            case HandleKind::Gmem:
            case HandleKind::Memfd: return "sc_close_file(" + c.handle(x.handle) + ")";
            case HandleKind::Mapping: break;
            }
            return "sc_error(EBADF) /* a mapping has no fd */";
        }
        std::string operator()(const HostWrite& x) {
            return "sc_host_write(" + args(c.address(x.addr), std::to_string(x.width), hex(x.value)) + ")";
        }
        std::string operator()(const HostRead& x) {
            return "sc_host_read(" + args(c.address(x.addr), std::to_string(x.width)) + ")";
        }
        std::string operator()(const GuestRead& x) { return "sc_guest_read(" + args(c.handle(x.vm), hex(x.gpa)) + ")"; }
        std::string operator()(const GuestWrite& x) {
            return "sc_guest_write(" + args(c.handle(x.vm), hex(x.gpa), hex(x.value)) + ")";
        }
        std::string operator()(const SetAttributes& x) {
            return "sc_set_memory_attributes(" +
                   args(c.handle(x.vm), hex(x.address), hex(x.size), hex(x.attributes), hex(x.flags)) + ")";
        }
        std::string operator()(const Check&) { return "sc_ok() /* check: see sc_check */"; }
    };
    return std::visit(Writer{*this}, op);
}

std::string EmitCCalls::page(const ObservationRequest& r, const std::string& want) {
    if (r.where == Observation::Where::Host) {
        std::string name = "host " + print_handle(r.handle) + "+" + hex(r.address);
        return "{NULL, " + address(HostAddr{true, r.handle, r.address}) + ", \"" + name + "\", " + want + "}";
    }
    // The plan names VMs only for guest pages (World::observation_plan).
    std::string name = "guest " + print_handle(r.handle) + " gpa " + hex(r.address);
    return "{" + handle(r.handle) + ", " + hex(r.address) + ", \"" + name + "\", " + want + "}";
}

std::string EmitCCalls::declarations() const {
    std::ostringstream o;
    for (const Handle& h : used_) {
        std::string name = print_handle(h);
        switch (h.kind) {
        case HandleKind::Vm: o << "static struct sc_vm " << name << " = {.name = \"" << name << "\", .fd = -1};\n"; break;
        case HandleKind::Gmem:
        case HandleKind::Memfd: o << "static struct sc_file " << name << " = {.fd = -1};\n"; break;
        case HandleKind::Mapping: o << "static struct sc_map " << name << " = {.index = " << h.index << "};\n"; break;
        }
    }
    return o.str();
}

}  // namespace slotcheck
