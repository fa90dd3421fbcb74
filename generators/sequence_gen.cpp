#include "generators/sequence_gen.h"

#include <cerrno>

#include "generators/values.h"
#include "model/profile.h"
#include "seq/layout.h"

namespace slotcheck::gen {

namespace {

// The handles created so far, per kind.
struct Pool {
    uint32_t count[4] = {0, 0, 0, 0};
    uint32_t& of(HandleKind k) { return count[static_cast<int>(k)]; }
};

Handle fresh(Pool& pool, HandleKind kind) { return Handle{kind, pool.of(kind)++}; }

// An existing handle of the kind, or a new one created by a step pushed
// first (so the sequence stays valid).
Handle existing(Pool& pool, HandleKind kind, std::vector<Step>& steps) {
    if (pool.of(kind) == 0) {
        Handle h = fresh(pool, kind);
        Step s;
        switch (kind) {
        case HandleKind::Vm: s.op = CreateVm{h, 0}; break;
        case HandleKind::Gmem: s.op = CreateGmem{h, existing(pool, HandleKind::Vm, steps), 0x4000, 3}; break;
        case HandleKind::Memfd: s.op = CreateMemfd{h, 0x4000}; break;
        case HandleKind::Mapping: {
            Mmap m;
            m.mapping = h;
            m.size = 0x4000;
            s.op = m;
            break;
        }
        }
        steps.push_back(s);
        return h;
    }
    return Handle{kind, *rc::gen::inRange<uint32_t>(0, pool.of(kind))};
}

HostAddr host_addr(Pool& pool, std::vector<Step>& steps, bool allow_raw) {
    HostAddr a;
    if (allow_raw && *rc::gen::inRange(0, 4) == 0) {
        a.value = *interesting_u64();
        return a;
    }
    a.symbolic = true;
    a.mapping = existing(pool, HandleKind::Mapping, steps);
    a.value = *page_value(16, 0);
    return a;
}

FdRef fd_ref(Pool& pool, std::vector<Step>& steps) {
    FdRef f;
    switch (*rc::gen::inRange(0, 8)) {
    case 0: f.kind = FdRef::Kind::Kvm; break;
    case 1: f.kind = FdRef::Kind::Minus1; break;
    case 2: f.kind = FdRef::Kind::NeverOpen; break;
    case 3:
        f.kind = FdRef::Kind::Handle;
        f.handle = existing(pool, *rc::gen::element(HandleKind::Vm, HandleKind::Memfd), steps);
        break;
    default:
        f.kind = FdRef::Kind::Handle;
        f.handle = existing(pool, HandleKind::Gmem, steps);
    }
    return f;
}

Op any_op(Pool& pool, std::vector<Step>& steps) {
    switch (*rc::gen::inRange(0, 14)) {
    case 0: return CreateVm{fresh(pool, HandleKind::Vm), *rc::gen::element<uint64_t>(0, 0, 0, 1, 5, 64)};
    case 1: {
        Handle vm = existing(pool, HandleKind::Vm, steps);
        return CreateGmem{fresh(pool, HandleKind::Gmem), vm, *size_value(), *rc::gen::inRange<uint64_t>(0, 8)};
    }
    case 2: return CreateMemfd{fresh(pool, HandleKind::Memfd), *size_value()};
    case 3: {
        Mmap m;
        if (*rc::gen::inRange(0, 3) == 0) {
            m.source = Mmap::Source::Anonymous;
        } else {
            m.source = Mmap::Source::File;
            m.file = existing(pool, *rc::gen::element(HandleKind::Gmem, HandleKind::Memfd), steps);
        }
        m.offset = *page_value(8, 10);
        m.size = *rc::gen::inRange<uint64_t>(0, 17) * kPageSize;
        m.writable = *rc::gen::inRange(0, 4) != 0;
        m.exec = *rc::gen::inRange(0, 10) == 0;
        m.mapping = fresh(pool, HandleKind::Mapping);
        return m;
    }
    case 4: return Munmap{existing(pool, HandleKind::Mapping, steps)};
    case 5:
    case 6: {
        SetRegion r;
        r.version = *rc::gen::inRange(0, 5) == 0 ? 1 : 2;
        r.vm = existing(pool, HandleKind::Vm, steps);
        r.slot = *rc::gen::weightedOneOf<uint32_t>({{8, rc::gen::inRange<uint32_t>(0, 8)},
                                                    {1, rc::gen::element<uint32_t>(32763, 32764, 65535, 0x10001)}});
        r.flags = *rc::gen::weightedOneOf<uint32_t>({{6, rc::gen::element<uint32_t>(0, 4, 4, 1, 2)},
                                                     {1, rc::gen::inRange<uint32_t>(0, 16)}});
        r.gpa = *rc::gen::weightedOneOf<uint64_t>({{6, page_value(64, 5)}, {1, interesting_u64()}});
        r.size = *size_value();
        r.uaddr = host_addr(pool, steps, true);
        if (r.version == 2) {
            r.gmem = fd_ref(pool, steps);
            r.gmem_offset = *rc::gen::weightedOneOf<uint64_t>({{6, page_value(8, 5)}, {1, interesting_u64()}});
        }
        return r;
    }
    case 7: {
        Fallocate f;
        f.file = existing(pool, *rc::gen::element(HandleKind::Gmem, HandleKind::Gmem, HandleKind::Memfd), steps);
        f.mode = *rc::gen::weightedOneOf<uint32_t>({{6, rc::gen::element<uint32_t>(3, 3, 1, 0, 2)},
                                                    {1, rc::gen::inRange<uint32_t>(0, 256)}});
        f.offset = *rc::gen::weightedOneOf<uint64_t>({{6, page_value(8, 5)}, {1, interesting_u64()}});
        f.len = *rc::gen::weightedOneOf<uint64_t>({{6, page_value(8, 5)}, {1, interesting_u64()}});
        // A real allocation of a huge range would exhaust the machine; the
        // sequence check refuses it, so generate only what it accepts.
        if (!(f.mode & 2) && f.len > (1ull << 30)) f.len = kPageSize;
        return f;
    }
    case 8: return Close{existing(pool, *rc::gen::element(HandleKind::Vm, HandleKind::Gmem, HandleKind::Memfd), steps)};
    case 9: {
        uint8_t width = *rc::gen::element<uint8_t>(1, 8);
        HostAddr a = host_addr(pool, steps, false);
        a.value -= a.value % width;
        return HostWrite{a, width, width == 1 ? *rc::gen::inRange<uint64_t>(0, 256) : *rc::gen::arbitrary<uint64_t>()};
    }
    case 10: {
        uint8_t width = *rc::gen::element<uint8_t>(1, 8);
        return HostRead{host_addr(pool, steps, false), width};
    }
    case 11: return GuestRead{existing(pool, HandleKind::Vm, steps), *page_value(64, 0)};
    case 12: return GuestWrite{existing(pool, HandleKind::Vm, steps), *page_value(64, 0), *rc::gen::arbitrary<uint64_t>()};
    default: {
        if (*rc::gen::inRange(0, 2) == 0) return Check{};
        SetAttributes a;
        a.vm = existing(pool, HandleKind::Vm, steps);
        a.address = *page_value(64, 10);
        a.size = *size_value();
        a.attributes = *rc::gen::element<uint64_t>(0, 8, 1);
        a.flags = *rc::gen::element<uint64_t>(0, 0, 1);
        return a;
    }
    }
}

}  // namespace

rc::Gen<Outcome> outcome() {
    return rc::gen::exec([]() -> Outcome {
        switch (*rc::gen::inRange(0, 10)) {
        case 0: return Outcome::ok();
        case 1: return Outcome::error(*rc::gen::element(EINVAL, EEXIST, EBADF, ENOTTY, EFBIG, EOPNOTSUPP, 200));
        case 2: return Outcome::read_value(*rc::gen::arbitrary<uint64_t>());
        case 3: return Outcome::sigbus();
        case 4: return Outcome::sigsegv();
        case 5: return Outcome::mmio(*rc::gen::arbitrary<uint64_t>(), *rc::gen::arbitrary<bool>());
        case 6:
            return Outcome::memory_fault(EFAULT, *rc::gen::arbitrary<uint64_t>(), *rc::gen::arbitrary<uint64_t>(),
                                         *rc::gen::arbitrary<uint64_t>());
        case 7: return Outcome::run_error(*rc::gen::element(EFAULT, EINTR), *rc::gen::inRange<uint32_t>(0, 64));
        case 8: return Outcome::timeout();
        default: return Outcome::no_probe();
        }
    });
}

rc::Gen<Sequence> any_sequence(size_t max_steps) {
    return rc::gen::exec([max_steps]() {
        Sequence seq;
        Pool pool;
        size_t n = *rc::gen::inRange<size_t>(0, max_steps + 1);
        if (*rc::gen::inRange(0, 4) == 0) seq.header_comments.push_back(" a header comment");
        for (size_t i = 0; i < n; ++i) {
            std::vector<Step> prefix;
            Op op = any_op(pool, prefix);
            for (auto& p : prefix) seq.steps.push_back(p);
            Step s;
            s.op = op;
            if (!std::holds_alternative<Check>(op) && *rc::gen::inRange(0, 3) == 0) {
                // Any rule may be named after any outcome: the text form
                // round-trips it; replay decides whether it holds.
                auto maybe_rule = []() -> std::optional<RuleId> {
                    if (*rc::gen::inRange(0, 3) != 0) return std::nullopt;
                    return static_cast<RuleId>(*rc::gen::inRange<size_t>(0, kRuleCount));
                };
                Expectation e;
                e.outcome = *outcome();
                e.rule = maybe_rule();
                if (*rc::gen::inRange(0, 4) == 0) {
                    const auto& variants = variant_table();
                    e.alternatives.push_back(
                        {variants[*rc::gen::inRange<size_t>(0, variants.size())].name, *outcome(), maybe_rule()});
                }
                if (*rc::gen::inRange(0, 6) == 0) e.kernel_deviation = *outcome();
                s.expect = e;
            }
            if (*rc::gen::inRange(0, 8) == 0) s.comment = " note " + std::to_string(i);
            // Comments before the first step belong to the header.
            if (!seq.steps.empty() && *rc::gen::inRange(0, 12) == 0) s.leading_comments.push_back(" section");
            s.point = *rc::gen::inRange(0, 10) == 0;
            seq.steps.push_back(s);
        }
        return seq;
    });
}

}  // namespace slotcheck::gen
