#include "seq/outcome.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include "seq/text_scan.h"
#include "sys/quoted.h"

namespace slotcheck {

namespace {

struct ErrnoName {
    int value;
    const char* name;
};

// The errnos KVM, fallocate, mmap and close can give. Anything else prints
// as E<number> and parses back the same way.
constexpr ErrnoName kErrnoNames[] = {
    {EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EINTR, "EINTR"},   {EIO, "EIO"},
    {E2BIG, "E2BIG"},   {EBADF, "EBADF"},   {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"}, {EFAULT, "EFAULT"}, {EBUSY, "EBUSY"},   {EEXIST, "EEXIST"},
    {ENODEV, "ENODEV"}, {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"}, {EMFILE, "EMFILE"},
    {ENOTTY, "ENOTTY"}, {EFBIG, "EFBIG"},   {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},
    {ERANGE, "ERANGE"}, {ENOSYS, "ENOSYS"}, {EOPNOTSUPP, "EOPNOTSUPP"}, {EOVERFLOW, "EOVERFLOW"},
    {EHWPOISON, "EHWPOISON"}, {ENXIO, "ENXIO"}, {ETXTBSY, "ETXTBSY"},
};

}  // namespace

std::string errno_name(int err) {
    for (const auto& e : kErrnoNames)
        if (e.value == err) return e.name;
    return "E" + std::to_string(err);
}

std::optional<int> errno_from_name(const std::string& name) {
    for (const auto& e : kErrnoNames)
        if (name == e.name) return e.value;
    if (name.size() > 1 && name[0] == 'E') {
        auto n = parse_u64(name.substr(1));
        if (n && *n > 0 && *n < 4096) return static_cast<int>(*n);
    }
    return std::nullopt;
}

std::string to_string(const Outcome& o) {
    switch (o.kind) {
    case Outcome::Kind::Ok: return "ok";
    case Outcome::Kind::Errno: return errno_name(o.err);
    case Outcome::Kind::Value: return hex(o.value);
    case Outcome::Kind::Sigbus: return "sigbus";
    case Outcome::Kind::Sigsegv: return "sigsegv";
    case Outcome::Kind::Mmio:
        return std::string("mmio ") + (o.is_write ? "write " : "read ") + hex(o.gpa);
    case Outcome::Kind::MemoryFault:
        return "memfault " + errno_name(o.err) + " flags=" + hex(o.flags) + " gpa=" + hex(o.gpa) +
               " size=" + hex(o.size);
    case Outcome::Kind::RunError:
        return "run " + errno_name(o.err) + " exit=" + hex(o.exit_reason);
    case Outcome::Kind::Timeout: return "timeout";
    case Outcome::Kind::NoProbe: return "noprobe";
    }
    return "?";
}

bool is_rejection(const Outcome& o) {
    switch (o.kind) {
    case Outcome::Kind::Errno:
    case Outcome::Kind::Sigbus:
    case Outcome::Kind::Sigsegv:
    case Outcome::Kind::MemoryFault:
    case Outcome::Kind::RunError: return true;
    case Outcome::Kind::Ok:
    case Outcome::Kind::Value:
    case Outcome::Kind::Mmio:
    case Outcome::Kind::Timeout:
    case Outcome::Kind::NoProbe: return false;
    }
    return false;
}

std::optional<Outcome> parse_outcome(const std::string& text, std::string& error) {
    Scanner s(text);
    auto word = s.word();
    if (!word) {
        error = "expected an outcome (ok, an errno name, a value, sigbus, mmio, memfault, run, ...)";
        return std::nullopt;
    }
    Outcome out;
    auto finish = [&](Outcome o) -> std::optional<Outcome> {
        if (!s.at_end()) {
            error = "unexpected text after the outcome: " + quote(s.rest());
            return std::nullopt;
        }
        return o;
    };
    const std::string& w = *word;
    if (w == "ok") return finish(Outcome::ok());
    if (w == "sigbus") return finish(Outcome::sigbus());
    if (w == "sigsegv") return finish(Outcome::sigsegv());
    if (w == "timeout") return finish(Outcome::timeout());
    if (w == "noprobe") return finish(Outcome::no_probe());
    if (w == "mmio") {
        auto dir = s.word();
        auto gpa = s.number();
        if (!dir || (*dir != "read" && *dir != "write") || !gpa) {
            error = "expected 'mmio read|write GPA'";
            return std::nullopt;
        }
        return finish(Outcome::mmio(*gpa, *dir == "write"));
    }
    if (w == "memfault" || w == "run") {
        auto en = s.word();
        std::optional<int> err = en ? errno_from_name(*en) : std::nullopt;
        if (!err) {
            error = "expected an errno name after " + quote(w);
            return std::nullopt;
        }
        if (w == "run") {
            auto exit_reason = s.keyed_number("exit");
            if (!exit_reason) {
                error = "expected 'run ERRNO exit=N'";
                return std::nullopt;
            }
            return finish(Outcome::run_error(*err, static_cast<uint32_t>(*exit_reason)));
        }
        auto flags = s.keyed_number("flags");
        auto gpa = flags ? s.keyed_number("gpa") : std::nullopt;
        auto size = gpa ? s.keyed_number("size") : std::nullopt;
        if (!size) {
            error = "expected 'memfault ERRNO flags=N gpa=N size=N'";
            return std::nullopt;
        }
        return finish(Outcome::memory_fault(*err, *flags, *gpa, *size));
    }
    if (auto v = parse_u64(w)) return finish(Outcome::read_value(*v));
    if (auto e = errno_from_name(w)) return finish(Outcome::error(*e));
    error = "unknown outcome " + quote(w);
    return std::nullopt;
}

uint64_t page_digest(const uint8_t* page) {
    uint64_t h = 0;
    for (size_t i = 0; i < kPageWords; ++i) {
        uint64_t w;
        std::memcpy(&w, page + i * 8, 8);
        h = (h ^ w) * kDigestPrime;
    }
    return h;
}

}  // namespace slotcheck
