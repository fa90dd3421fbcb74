#include "tools/emit_c_text.h"

#include <linux/kvm.h>

#include <cctype>
#include <cstdio>
#include <sstream>

#include "harness/guest_probe.h"
#include "harness/guest_program.h"
#include "harness/kvm_uapi.h"
#include "seq/layout.h"
#include "seq/text_scan.h"

namespace slotcheck::emit_c_text {

namespace {

// The errno names the sequence format knows (seq/outcome.cpp prints the
// rest as E<number>).
bool has_symbolic_name(int err) {
    std::string n = errno_name(err);
    return n.size() < 2 || !std::isdigit(static_cast<unsigned char>(n[1]));
}

void define(std::ostringstream& o, const char* name, uint64_t value, const char* suffix = "ull") {
    o << "#define " << name << " " << hex(value) << suffix << "\n";
}

}  // namespace

std::string numbers() {
    using namespace probe_layout;
    std::ostringstream o;
    o << "/* The numbers this program shares with the slotcheck harness. */\n"
         "#include <errno.h>\n#include <stdint.h>\n\n"
         "/* Host layout (seq/layout.h): mapping mN lives at SC_MAPPING_ARENA + N * SC_MAPPING_STRIDE. */\n";
    define(o, "SC_PAGE_SIZE", kPageSize);
    define(o, "SC_MAPPING_ARENA", kMappingArenaBase);
    define(o, "SC_MAPPING_STRIDE", kMappingStride);
    define(o, "SC_HARNESS_GPA", kHarnessGpa);
    define(o, "SC_HARNESS_SIZE", kHarnessSize);
    define(o, "SC_GUEST_ACCESS_LIMIT", kGuestAccessLimit);
    define(o, "SC_MMIO_FILLER", kMmioFiller);
    define(o, "SC_DIGEST_PRIME", kDigestPrime);
    o << "#define SC_NEVER_OPEN_FD " << kNeverOpenFd << "\n";

    o << "\n/* The probe's memslot layout (harness/guest_program.h) and time limits (harness/guest_probe.h). */\n";
    define(o, "SC_PROBE_CODE", kCodeOffset);
    define(o, "SC_PROBE_STACK_TOP", kStackTopOffset);
    define(o, "SC_PROBE_CONTROL", kControlOffset);
    define(o, "SC_PROBE_ENTRIES", kEntriesOffset);
    define(o, "SC_PROBE_PML4_0", kPml4Offset[0]);
    define(o, "SC_PROBE_PML4_1", kPml4Offset[1]);
    define(o, "SC_PROBE_TABLE_POOL", kTablePoolOffset);
    define(o, "SC_PROBE_TABLE_POOL_PAGES", kTablePoolPages);
    define(o, "SC_PROBE_MAX_ENTRIES", kMaxEntries);
    define(o, "SC_PROBE_OP_READ", kOpRead);
    define(o, "SC_PROBE_OP_WRITE", kOpWrite);
    define(o, "SC_PROBE_OP_DIGEST", kOpDigest);
    define(o, "SC_PORT_ENTRY_DONE", kPortEntryDone, "");
    define(o, "SC_PORT_BATCH_DONE", kPortBatchDone, "");
    const ProbeOptions defaults;
    define(o, "SC_RUN_TIMEOUT_BASE_US", static_cast<uint64_t>(defaults.run_timeout_base.count()));
    define(o, "SC_RUN_TIMEOUT_PER_ENTRY_US", static_cast<uint64_t>(defaults.run_timeout_per_entry.count()));

    o << "\n/* ioctl numbers (<linux/kvm.h>, harness/kvm_uapi.h) */\n";
    define(o, "SC_KVM_GET_API_VERSION", KVM_GET_API_VERSION, "ul");
    o << "#define SC_KVM_API_VERSION " << KVM_API_VERSION << "\n";
    define(o, "SC_KVM_CREATE_VM", KVM_CREATE_VM, "ul");
    define(o, "SC_KVM_CHECK_EXTENSION", KVM_CHECK_EXTENSION, "ul");
    define(o, "SC_KVM_GET_VCPU_MMAP_SIZE", KVM_GET_VCPU_MMAP_SIZE, "ul");
    define(o, "SC_KVM_CREATE_VCPU", KVM_CREATE_VCPU, "ul");
    define(o, "SC_KVM_RUN", KVM_RUN, "ul");
    define(o, "SC_KVM_SET_REGS", KVM_SET_REGS, "ul");
    define(o, "SC_KVM_GET_SREGS", KVM_GET_SREGS, "ul");
    define(o, "SC_KVM_SET_SREGS", KVM_SET_SREGS, "ul");
    define(o, "SC_KVM_SET_VCPU_EVENTS", KVM_SET_VCPU_EVENTS, "ul");
    define(o, "SC_KVM_SET_MP_STATE", KVM_SET_MP_STATE, "ul");
    define(o, "SC_KVM_GET_SUPPORTED_CPUID", uapi::kScGetSupportedCpuid, "ul");
    define(o, "SC_KVM_SET_CPUID2", uapi::kScSetCpuid2, "ul");
    define(o, "SC_KVM_SET_USER_MEMORY_REGION", uapi::kScSetUserMemoryRegion, "ul");
    define(o, "SC_KVM_SET_USER_MEMORY_REGION2", uapi::kScSetUserMemoryRegion2, "ul");
    define(o, "SC_KVM_CREATE_GUEST_MEMFD", uapi::kScCreateGuestMemfd, "ul");
    define(o, "SC_KVM_SET_MEMORY_ATTRIBUTES", uapi::kScSetMemoryAttributes, "ul");
    define(o, "SC_KVM_CAP_NR_MEMSLOTS", static_cast<uint64_t>(uapi::kScCapNrMemslots), "");
    define(o, "SC_KVM_CAP_READONLY_MEM", static_cast<uint64_t>(uapi::kScCapReadonlyMem), "");
    define(o, "SC_KVM_CAP_MULTI_ADDRESS_SPACE", static_cast<uint64_t>(uapi::kScCapMultiAddressSpace), "");
    define(o, "SC_KVM_CAP_GUEST_MEMFD", static_cast<uint64_t>(uapi::kScCapGuestMemfd), "");
    define(o, "SC_KVM_CAP_VM_TYPES", static_cast<uint64_t>(uapi::kScCapVmTypes), "");
    define(o, "SC_KVM_CAP_GUEST_MEMFD_FLAGS", static_cast<uint64_t>(uapi::kScCapGuestMemfdFlags), "");
    define(o, "SC_KVM_EXIT_IO", KVM_EXIT_IO, "");
    define(o, "SC_KVM_EXIT_IO_OUT", KVM_EXIT_IO_OUT, "");
    define(o, "SC_KVM_EXIT_MMIO", KVM_EXIT_MMIO, "");
    define(o, "SC_KVM_EXIT_MEMORY_FAULT", uapi::kScExitMemoryFault, "");
    define(o, "SC_KVM_MP_STATE_RUNNABLE", KVM_MP_STATE_RUNNABLE, "");

    o << "\n/* The probe's machine code (harness/guest_program.cpp lists it instruction by instruction). */\n"
         "static const uint8_t sc_guest_code[] = {";
    auto code = guest_code();
    for (size_t i = 0; i < code.size(); ++i) {
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02x,", code[i]);
        o << (i % 12 == 0 ? "\n\t" : " ") << byte;
    }
    o << "\n};\n";

    o << "\n/* errno names as the sequence format writes them (seq/outcome.cpp). */\n"
         "static const struct {\n\tint err;\n\tconst char *name;\n} sc_errno_names[] = {\n";
    for (int err = 1; err < 4096; ++err)
        if (has_symbolic_name(err)) o << "\t{" << errno_name(err) << ", \"" << errno_name(err) << "\"},\n";
    o << "};\n";
    return o.str();
}

std::string outcome(const Outcome& o) {
    auto err = [](int e) { return has_symbolic_name(e) ? errno_name(e) : std::to_string(e); };
    switch (o.kind) {
    case Outcome::Kind::Ok: return "sc_ok()";
    case Outcome::Kind::Errno: return "sc_error(" + err(o.err) + ")";
    case Outcome::Kind::Value: return "sc_value(" + hex(o.value) + ")";
    case Outcome::Kind::Sigbus: return "sc_sigbus()";
    case Outcome::Kind::Sigsegv: return "sc_sigsegv()";
    case Outcome::Kind::Mmio: return "sc_mmio(" + hex(o.gpa) + (o.is_write ? ", 1)" : ", 0)");
    case Outcome::Kind::MemoryFault:
        return "sc_memfault(" + err(o.err) + ", " + hex(o.flags) + ", " + hex(o.gpa) + ", " + hex(o.size) + ")";
    case Outcome::Kind::RunError: return "sc_run_error(" + err(o.err) + ", " + hex(o.exit_reason) + ")";
    case Outcome::Kind::Timeout: return "sc_timeout()";
    case Outcome::Kind::NoProbe: return "sc_noprobe()";
    }
    return "sc_ok()";
}

std::string string_literal(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\%03o", c);
            out += esc;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string comment_safe(const std::string& text) {
    std::string out;
    // "*/" would end the comment, "/*" inside one is a warning (-Wcomment).
    for (size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        bool pair = i + 1 < text.size() && ((text[i] == '*' && text[i + 1] == '/') || (text[i] == '/' && text[i + 1] == '*'));
        if (pair) out += ' ';
    }
    return out;
}

}  // namespace slotcheck::emit_c_text
