#include "prover/op_projection.h"

#include "seq/kvm_flags.h"
#include "seq/layout.h"

namespace slotcheck::smt {

namespace {

bool page_aligned(uint64_t v) { return v % kPageSize == 0; }

std::optional<uint64_t> gmem_file(const Handle& h) {
    if (h.kind != HandleKind::Gmem) return std::nullopt;
    return h.index;
}

Expr is(const StepVars& v, OpKind k) { return v.kind == static_cast<uint64_t>(k); }

std::optional<ProjectedStep> region(const SetRegion& r, const StepVars& v) {
    const uint64_t id = r.slot & 0xffff, as = r.slot >> 16;
    if (!page_aligned(r.gpa) || !page_aligned(r.size)) return std::nullopt;
    if (r.size == 0) return ProjectedStep{OpKind::Delete, is(v, OpKind::Delete) && v.slot == id};
    std::vector<Expr> fix{is(v, OpKind::Register), v.slot == id, v.as == as, v.base == r.gpa / kPageSize,
                          v.npages == r.size / kPageSize};
    if (r.flags == 0) {
        fix.push_back(v.gmem == Expr::boolean(false));
    } else {
        if (r.flags != kMemGuestMemfd || r.gmem.kind != FdRef::Kind::Handle || !page_aligned(r.gmem_offset))
            return std::nullopt;
        std::optional<uint64_t> file = gmem_file(r.gmem.handle);
        if (!file) return std::nullopt;
        fix.insert(fix.end(), {v.gmem == Expr::boolean(true), v.file == *file, v.pgoff == r.gmem_offset / kPageSize});
    }
    return ProjectedStep{OpKind::Register, all_of(fix)};
}

std::optional<ProjectedStep> access(uint64_t gpa, const StepVars& v, const State& before) {
    if (!page_aligned(gpa)) return std::nullopt;
    return ProjectedStep{OpKind::Access,
                         is(v, OpKind::Access) && v.gfn == gpa / kPageSize && slot_at(before, v.slot).as == 0};
}

}  // namespace

std::optional<ProjectedStep> project(const Op& op, const StepVars& v, const State& before) {
    if (const auto* r = std::get_if<SetRegion>(&op)) return region(*r, v);
    if (const auto* c = std::get_if<Close>(&op)) {
        std::optional<uint64_t> file = gmem_file(c->handle);
        if (!file) return std::nullopt;
        return ProjectedStep{OpKind::Close, is(v, OpKind::Close) && v.file == *file};
    }
    if (const auto* f = std::get_if<Fallocate>(&op)) {
        std::optional<uint64_t> file = gmem_file(f->file);
        if (!file || f->mode != (kFallocKeepSize | kFallocPunchHole) || !page_aligned(f->offset) ||
            !page_aligned(f->len))
            return std::nullopt;
        const uint64_t start = f->offset / kPageSize;
        return ProjectedStep{OpKind::Punch, is(v, OpKind::Punch) && v.file == *file && v.start == start &&
                                                v.end == start + f->len / kPageSize};
    }
    if (const auto* w = std::get_if<GuestWrite>(&op)) return access(w->gpa, v, before);
    if (const auto* r = std::get_if<GuestRead>(&op)) return access(r->gpa, v, before);
    return std::nullopt;
}

}  // namespace slotcheck::smt
