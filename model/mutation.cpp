#include "model/mutation.h"

#include <cerrno>

#include "seq/outcome.h"

namespace slotcheck {

namespace {

// The rules whose mutation is about memory semantics rather than an errno:
// each names the concrete mistake (the stale page after a punch, aliases
// that do not share, a released file the guest still reaches...).
struct Special {
    RuleId rule;
    MutationKind kind;
    const char* description;
};
constexpr Special kSpecial[] = {
    {RuleId::GmemPunch, MutationKind::SkipsEffect,
     "a guest_memfd punch-hole keeps the pages: the guest and the host read the old bytes"},
    {RuleId::MemfdPunch, MutationKind::SkipsEffect, "a memfd punch-hole keeps the bytes"},
    {RuleId::HostAccess, MutationKind::SkipsEffect,
     "aliasing host mappings are not shared: a host write lands in a private copy of its mapping"},
    {RuleId::GuestGmemFile, MutationKind::SkipsEffect, "guest writes to a guest_memfd page are lost"},
    {RuleId::GuestHva, MutationKind::SkipsEffect, "guest writes through userspace_addr are lost"},
    {RuleId::GuestGmemReleased, MutationKind::SkipsCheck,
     "the guest still reaches a released guest_memfd (reads zeros) instead of a memory-fault exit"},
    {RuleId::GuestReadonlyWrite, MutationKind::SkipsCheck, "a guest write to a read-only slot reaches memory"},
    {RuleId::GuestPrivateFile, MutationKind::SkipsEffect, "guest writes to a private gfn's guest_memfd page are lost"},
    {RuleId::AttrsSet, MutationKind::SkipsEffect,
     "KVM_SET_MEMORY_ATTRIBUTES succeeds but the gfns keep their old attribute"},
    {RuleId::HostReadonly, MutationKind::SkipsCheck, "a host write through a PROT_READ mapping succeeds"},
    {RuleId::HostBeyondEof, MutationKind::SkipsCheck, "a host access past the end of the file succeeds"},
    {RuleId::HostGmemPrivate, MutationKind::SkipsCheck,
     "a host access to a guest_memfd without INIT_SHARED succeeds"},
    // Disabling these two would be equivalent mutants: a later check
    // (region.max-gfn, or the as-id bound itself) answers the same EINVAL,
    // so no sequence could tell. Their mutant reports success instead.
    {RuleId::RegionAsId, MutationKind::WrongOutcome,
     "an address space id past the limit is reported as success (and nothing happens)"},
    {RuleId::RegionGpaWrap, MutationKind::WrongOutcome,
     "a wrapping gpa range is reported as success (and nothing happens)"},
    // The model cannot bind what is not a guest_memfd, so a disabled type
    // check would fall through to the same EINVAL.
    {RuleId::BindNotGmem, MutationKind::WrongOutcome,
     "a binding to an fd that is not a guest_memfd is reported as success (and nothing happens)"},
    {RuleId::RegionDelete, MutationKind::SkipsEffect,
     "deleting a guest_memfd slot leaves its binding behind in the file"},
};

std::vector<Mutation> build() {
    std::vector<Mutation> table;
    for (const Rule& r : rule_table()) {
        Mutation m{r.id, r.err ? MutationKind::NeverFires : MutationKind::WrongOutcome,
                   r.err ? "the check never fires" : "the rule reports a wrong outcome"};
        for (const Special& s : kSpecial)
            if (s.rule == r.id) m = {r.id, s.kind, s.description};
        table.push_back(m);
    }
    return table;
}

}  // namespace

const std::vector<Mutation>& mutation_table() {
    static const std::vector<Mutation> table = build();
    return table;
}

const Mutation& mutation(RuleId id) { return mutation_table()[static_cast<size_t>(id)]; }

Outcome wrong_outcome(const Outcome& correct) {
    switch (correct.kind) {
    case Outcome::Kind::Ok: return Outcome::error(EINVAL);
    case Outcome::Kind::Errno: return Outcome::ok();
    case Outcome::Kind::Value: return Outcome::read_value(correct.value ^ 1);
    default: return Outcome::read_value(0);
    }
}

}  // namespace slotcheck
