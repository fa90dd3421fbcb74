#include "csource/emit_c_text.h"

#include <cctype>
#include <cstdio>
#include <sstream>

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
    std::ostringstream o;
    o << "/* The numbers this program shares with the slotcheck harness beyond the executor's own. */\n"
         "#include <errno.h>\n#include <stdint.h>\n\n"
         "/* Host layout (seq/layout.h): mapping mN lives at SC_MAPPING_ARENA + N * SC_MAPPING_STRIDE. */\n";
    define(o, "SC_MAPPING_ARENA", kMappingArenaBase);
    define(o, "SC_MAPPING_STRIDE", kMappingStride);
    o << "#define SC_NEVER_OPEN_FD " << kNeverOpenFd << "\n";

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
