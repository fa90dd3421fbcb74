// The step loop: choose an operation family by what the state holds, let it
// draw a short run of operations, apply each to the model, repeat; `check`
// now and then and at the end.
#include "generators/stateful_sequence.h"

#include <algorithm>

#include "generators/draw.h"
#include "generators/generation_state.h"
#include "generators/op_families.h"

namespace slotcheck::gen {

namespace {

using Family = Ops (*)(GenerationState&, Intent);

// Family weights follow the state: without a VM nothing else can happen,
// without files there is nothing to punch, and so on. Families that find
// nothing to do return no operation and the loop draws again.
Family draw_family(const GenerationState& s) {
    const bool any_vm = !s.vms().empty();
    const bool any_file = s.created(HandleKind::Gmem) + s.created(HandleKind::Memfd) > 0;
    const bool no_gmem = s.files(HandleKind::Gmem, true).empty() && s.profile().guest_memfd_ioctl;
    const bool live_mappings = !s.live_mappings().empty();
    return weighted<Family>({
        {!any_vm ? 60u : (s.may_create_vm() ? 2u : 1u), vm_ops},
        {any_vm ? (s.profile().sw_protected_vm ? 6u : 1u) : 0u, attribute_ops},
        {any_vm ? (no_gmem ? 12u : 5u) : 1u, file_ops},
        {any_file ? 9u : 0u, fallocate_ops},
        {s.may_map() ? 5u : 1u, mapping_ops},
        {live_mappings ? 5u : (s.created(HandleKind::Mapping) ? 1u : 0u), host_access_ops},
        {any_vm ? 16u : 0u, region_ops},
        {!s.probed_vms().empty() ? 11u : (any_vm ? 1u : 0u), guest_access_ops},
    });
}

// Steps for this sequence: RapidCheck's size (0..100) scales max_ops.
size_t step_count(const FuzzShape& shape, int size) {
    const size_t limit = std::max<size_t>(2, shape.max_ops * static_cast<size_t>(std::clamp(size, 0, 100)) / 100);
    return between(std::max<size_t>(2, limit / 2), limit);
}

Sequence generate(const Profile& profile, const FuzzShape& shape, int size) {
    const size_t steps = step_count(shape, size);
    // VMs hold a probe vCPU and 2 MiB each in the kernel: mostly two, so a
    // guest_memfd of another VM can be tried, sometimes one or three.
    GenerationState state(profile, weighted<uint32_t>({{2, 1}, {6, 2}, {1, 3}}), shape.kernel_memory_budget);
    Sequence seq;
    auto emit = [&](const Op& op) {
        // A request over the kernel memory budget is halved until it fits,
        // or left out.
        auto applied = state.apply_within_budget(op);
        if (!applied) return;
        Step step;
        step.op = std::move(*applied);
        seq.steps.push_back(std::move(step));
    };
    int idle = 0;
    while (seq.steps.size() + 1 < steps) {
        // An observation point now and then; the last step is always one.
        if (chance(4) || idle > 16) {
            emit(Check{});
            idle = 0;
            continue;
        }
        const Family family = draw_family(state);
        const Intent intent = chance(shape.invalid_percent) ? Intent::Implausible : Intent::Plausible;
        const Ops ops = family(state, intent);
        idle = ops.empty() ? idle + 1 : 0;
        // A run cut short at the end is still a valid sequence: the ops are
        // in order and every handle is created before its first use.
        for (const Op& op : ops) {
            if (seq.steps.size() + 1 >= steps) break;
            emit(op);
        }
    }
    emit(Check{});
    return seq;
}

}  // namespace

rc::Gen<Sequence> stateful_sequence(const Profile& profile, FuzzShape shape) {
    return rc::gen::withSize([profile, shape](int size) {
        return rc::gen::exec([profile, shape, size] { return generate(profile, shape, size); });
    });
}

}  // namespace slotcheck::gen
