#include "generators/generation_state.h"

#include "seq/layout.h"

namespace slotcheck::gen {

GenerationState::GenerationState(const Profile& profile, uint32_t vm_limit, uint64_t kernel_memory_budget)
    : world_(profile), kernel_memory_budget_(kernel_memory_budget), vm_limit_(vm_limit) {}

namespace {

bool names_existing_slot(const World& world, const SetRegion& r) {
    auto vit = world.vms().find(r.vm.index);
    if (vit == world.vms().end() || (r.slot >> 16) >= vit->second.address_spaces.size()) return false;
    return vit->second.address_spaces[r.slot >> 16].by_id.count(r.slot & 0xffff) != 0;
}

// The same request asking for half the memory: false when nothing smaller
// is left to ask for. A change of an existing slot keeps its size (a
// smaller one would be another request, refused as modify-immutable).
bool halve_request(const World& world, Op& op) {
    uint64_t* size = nullptr;
    if (auto* r = std::get_if<SetRegion>(&op); r && !names_existing_slot(world, *r)) size = &r->size;
    else if (auto* a = std::get_if<SetAttributes>(&op)) size = &a->size;
    if (!size || *size < 2 * kPageSize) return false;
    *size = *size / 2 / kPageSize * kPageSize;
    return true;
}

}  // namespace

std::optional<Op> GenerationState::apply_within_budget(Op op) {
    const bool budgeted = std::holds_alternative<SetRegion>(op) || std::holds_alternative<SetAttributes>(op);
    if (!budgeted) {
        apply(op);
        return op;
    }
    for (;;) {
        world_.step(op);
        if (world_.last_step_peak() <= kernel_memory_budget_) {
            applied_.push_back(op);
            return op;
        }
        // The World has no undo: rebuild it from the accepted operations
        // (rare: only a request over the budget gets here).
        World rebuilt(world_.profile());
        for (const Op& o : applied_) rebuilt.step(o);
        world_ = std::move(rebuilt);
        if (!halve_request(world_, op)) return std::nullopt;
    }
}

Decision GenerationState::apply(const Op& op) {
    charge(op);
    applied_.push_back(op);
    const Decision d = world_.step(op);
    // Failed creations hold no kernel memory, so only VMs that exist count.
    if (d.rule == RuleId::VmCreate) ++vms_created_;
    return d;
}

Handle GenerationState::fresh(HandleKind kind) { return Handle{kind, created_[static_cast<size_t>(kind)]++}; }

bool may_allocate(const Fallocate& op) {
    const bool allocating_mode = (op.mode & ~kFallocKeepSize) == 0;
    const bool range_accepted = static_cast<int64_t>(op.offset) >= 0 && static_cast<int64_t>(op.len) > 0 &&
                                op.offset + op.len <= static_cast<uint64_t>(INT64_MAX);
    return allocating_mode && range_accepted;
}

void GenerationState::charge(const Op& op) {
    const auto* f = std::get_if<Fallocate>(&op);
    if (!f || !may_allocate(*f)) return;
    if (f->len > allocation_room()) large_allocation_used_ = true;
    else allocated_ += f->len;
}

uint64_t GenerationState::allocation_room() const {
    return allocated_ >= kSmallAllocationBudget ? 0 : kSmallAllocationBudget - allocated_;
}

std::vector<Handle> GenerationState::vms() const {
    std::vector<Handle> out;
    for (const auto& [index, v] : world_.vms()) out.push_back(Handle{HandleKind::Vm, index});
    return out;
}

std::vector<Handle> GenerationState::open_vms() const {
    std::vector<Handle> out;
    for (const auto& [index, v] : world_.vms())
        if (v.fd_open) out.push_back(Handle{HandleKind::Vm, index});
    return out;
}

std::vector<Handle> GenerationState::probed_vms() const {
    std::vector<Handle> out;
    for (const auto& [index, v] : world_.vms())
        if (v.probe) out.push_back(Handle{HandleKind::Vm, index});
    return out;
}

std::vector<FileRef> GenerationState::files(HandleKind kind, bool open_only) const {
    std::vector<FileRef> out;
    for (uint32_t i = 0; i < created(kind); ++i) {
        const Handle h{kind, i};
        auto obj = world_.object_of(h);
        if (obj && (!open_only || object(*obj).fd_open)) out.push_back({h, *obj});
    }
    return out;
}

std::vector<FileRef> GenerationState::gmems_of(const Handle& vm) const {
    std::vector<FileRef> out;
    for (const auto& f : files(HandleKind::Gmem, true))
        if (object(f.object).vm == vm.index) out.push_back(f);
    return out;
}

std::optional<Handle> GenerationState::handle_of_object(uint32_t object) const {
    for (HandleKind kind : {HandleKind::Gmem, HandleKind::Memfd})
        for (uint32_t i = 0; i < created(kind); ++i)
            if (world_.object_of(Handle{kind, i}) == object) return Handle{kind, i};
    return std::nullopt;
}

std::vector<SlotRef> GenerationState::slots(const Handle& vm, bool with_harness) const {
    std::vector<SlotRef> out;
    auto it = world_.vms().find(vm.index);
    if (it == world_.vms().end()) return out;
    for (const auto& space : it->second.address_spaces)
        for (const auto& [id, s] : space.by_id)
            if (with_harness || !s.harness) out.push_back({vm, s});
    return out;
}

std::vector<SlotRef> GenerationState::all_slots(bool with_harness) const {
    std::vector<SlotRef> out;
    for (const Handle& vm : vms())
        for (auto& s : slots(vm, with_harness)) out.push_back(std::move(s));
    return out;
}

std::vector<MappingRef> GenerationState::live_mappings() const {
    std::vector<MappingRef> out;
    for (const auto& [index, m] : world_.mappings())
        if (m.alive) out.push_back({Handle{HandleKind::Mapping, index}, m});
    return out;
}

HostAddr GenerationState::host_addr(uint64_t numeric) const {
    HostAddr a;
    a.value = numeric;
    if (numeric < kMappingArenaBase) return a;
    const uint64_t index = (numeric - kMappingArenaBase) / kMappingStride;
    if (index >= created(HandleKind::Mapping)) return a;
    a.symbolic = true;
    a.mapping = Handle{HandleKind::Mapping, static_cast<uint32_t>(index)};
    a.value = (numeric - kMappingArenaBase) % kMappingStride;
    return a;
}

}  // namespace slotcheck::gen
