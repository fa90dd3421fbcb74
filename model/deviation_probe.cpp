#include "model/deviation_probe.h"

#include <stdexcept>

#include "model/vm_type.h"
#include "model/world.h"
#include "seq/text_scan.h"

namespace slotcheck {

namespace {

// A guest_memfd of four pages on a VM of the given type. Flags 0: the one
// value every kernel with guest_memfd accepts on every VM type.
std::string with_file(uint64_t vm_type, const std::string& header) {
    return "slotcheck-sequence 1\n" + header + "vm v0 type=" + hex(vm_type) +
           "\ngmem g0 vm=v0 size=0x4000 flags=0x0\n";
}

constexpr const char* kFirstBinding =
    "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x0\n";

std::string overlap_probe(uint64_t vm_type) {
    return with_file(vm_type,
                     "# binding-overlap-eexist: the second binding overlaps the first in the file;\n"
                     "# EEXIST from 7.2 (api.rst), EINVAL before (kernel-semantics.md 3.3).\n") +
           kFirstBinding + "region v0 slot=0x2 flags=0x4 gpa=0x200000 size=0x2000 uaddr=0x0 gmem=g0 offset=0x1000\n";
}

std::string unsigned_offset_probe(uint64_t vm_type) {
    return with_file(vm_type,
                     "# gmem-offset-unsigned: offset + size is 2^63; as an unsigned sum it passes\n"
                     "# the file size (EINVAL, 7.2+), as a signed loff_t it wraps negative and the\n"
                     "# binding is accepted (6.8-7.1, docs/findings.md F1).\n") +
           "region v0 slot=0x1 flags=0x4 gpa=0x100000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x7ffffffffffff000\n";
}

std::string check_order_probe(uint64_t vm_type) {
    return with_file(vm_type,
                     "# binding-checked-after-arch: the second binding overlaps the first and ends\n"
                     "# past every MMU's largest gfn; 7.3 checks the overlap after the arch step\n"
                     "# (the max-gfn EINVAL wins), before it the overlap answers first.\n") +
           kFirstBinding + "region v0 slot=0x2 flags=0x4 gpa=0xffffffffffffe000 size=0x1000 uaddr=0x0 gmem=g0 offset=0x1000\n";
}

bool Profile::*field_of(const std::string& variant) {
    if (const VariantInfo* v = find_variant(variant)) return v->field;
    throw std::logic_error("no variant " + variant);
}

std::vector<Outcome> model_outcomes(const Sequence& seq, const Profile& profile) {
    World world(profile);
    std::vector<Outcome> out;
    for (const auto& step : seq.steps) out.push_back(world.apply(step.op));
    return out;
}

Sequence probe_sequence(const DeviationProbe& probe, uint64_t vm_type) {
    auto parsed = parse(probe.text(vm_type), std::string("probe ") + probe.variant);
    if (!parsed.sequence) throw std::logic_error(parsed.error->to_string());
    return *parsed.sequence;
}

bool answered(const ProbeResult& r) {
    return r.status == ProbeResult::Status::AsRelease || r.status == ProbeResult::Status::Deviation;
}

// One probe in its context; `earlier` are the results of the probes before it.
ProbeResult run_probe(const DeviationProbe& probe, const Profile& profile, const Profile& kernel_profile,
                      const std::vector<ProbeResult>& earlier, const KernelRunner& kernel) {
    ProbeResult r;
    r.variant = probe.variant;
    auto not_measurable = [&](const std::string& why) {
        r.status = ProbeResult::Status::NotMeasurable;
        r.reason = why;
        return r;
    };
    // The kernel's own profile, with the probed variants of the profile
    // under test, and what earlier probes found.
    Profile context = kernel_profile;
    for (const auto& p : deviation_probes()) context.*field_of(p.variant) = profile.*field_of(p.variant);
    for (const auto& e : earlier)
        if (answered(e)) context.*field_of(e.variant) = e.kernel_value;
    if (probe.needs != nullptr) {
        for (const auto& e : earlier)
            if (e.variant == probe.needs && !answered(e))
                return not_measurable("needs the answer of the " + e.variant + " probe, which was " + e.verdict());
    }
    if (!context.guest_memfd_ioctl) return not_measurable("KVM_CREATE_GUEST_MEMFD is ENOTTY on this kernel");
    std::string why;
    auto vm_type = probe_vm_type(context, why);
    if (!vm_type) return not_measurable(why);

    bool Profile::*field = field_of(probe.variant);
    Profile as_release = context, flipped = context;
    as_release.*field = profile.*field;
    flipped.*field = !(profile.*field);
    const Sequence seq = probe_sequence(probe, *vm_type);
    const std::vector<Outcome> release_answers = model_outcomes(seq, as_release);
    const std::vector<Outcome> flipped_answers = model_outcomes(seq, flipped);
    const size_t last = seq.steps.size() - 1;
    r.shown = seq;
    for (size_t i = 0; i < seq.steps.size(); ++i) r.shown.steps[i].expect = Expectation{release_answers[i], {}, {}};
    r.probed_op = print_op(seq.steps[last].op);
    r.profile = release_answers[last];
    if (release_answers[last] == flipped_answers[last])
        return not_measurable("the probed step answers " + to_string(release_answers[last]) + " with " + probe.variant +
                              " on or off, given this kernel's other answers");

    const KernelAnswers answers = kernel(seq);
    if (!answers.failure.empty()) return not_measurable(answers.failure);
    if (answers.outcomes.size() != seq.steps.size())
        return not_measurable("the kernel answered " + std::to_string(answers.outcomes.size()) + " of " +
                              std::to_string(seq.steps.size()) + " steps");
    for (size_t i = 0; i < last; ++i)
        if (answers.outcomes[i] != release_answers[i])
            return not_measurable("setup step " + std::to_string(i + 1) + " (" + print_op(seq.steps[i].op) +
                                  ") answered " + to_string(answers.outcomes[i]) + " on the kernel, " +
                                  to_string(release_answers[i]) + " in the model");
    r.kernel = answers.outcomes[last];
    if (*r.kernel != *r.profile) r.shown.steps[last].expect->kernel_deviation = *r.kernel;
    if (*r.kernel == release_answers[last]) {
        r.status = ProbeResult::Status::AsRelease;
        r.kernel_value = profile.*field;
    } else if (*r.kernel == flipped_answers[last]) {
        r.status = ProbeResult::Status::Deviation;
        r.kernel_value = !(profile.*field);
    } else {
        r.status = ProbeResult::Status::Unexplained;
    }
    return r;
}

}  // namespace

const std::vector<DeviationProbe>& deviation_probes() {
    static const std::vector<DeviationProbe> probes = {
        {"binding-overlap-eexist", "an overlapping guest_memfd binding", nullptr, overlap_probe},
        {"gmem-offset-unsigned", "a binding whose offset + size is 2^63", nullptr, unsigned_offset_probe},
        {"binding-checked-after-arch", "an overlapping binding past the largest gfn", "binding-overlap-eexist",
         check_order_probe},
    };
    return probes;
}

bool is_probed_variant(const std::string& variant) {
    for (const auto& p : deviation_probes())
        if (variant == p.variant) return true;
    return false;
}

KernelAnswers run_on(Executor& executor, const Sequence& seq) {
    KernelAnswers answers;
    for (const auto& step : seq.steps) answers.outcomes.push_back(executor.apply(step.op));
    return answers;
}

std::string ProbeResult::verdict() const {
    switch (status) {
    case Status::AsRelease: return "as release";
    case Status::Deviation: return "deviation: variant " + variant + (kernel_value ? "=on" : "=off");
    case Status::Unexplained: return "deviation: unexplained";
    case Status::NotMeasurable: return "not measurable: " + reason;
    }
    return "";
}

std::optional<uint64_t> probe_vm_type(const Profile& context, std::string& why) {
    if (context.gmem_on_default_vm) return kVmTypeDefault;
    if (context.vm_type_supported(kVmTypeSwProtected)) return kVmTypeSwProtected;
    why = "no VM type binds guest_memfd here: a default VM needs gmem-on-default-vm (6.18+) and VM type 1 "
          "is absent (VM types " + hex(context.vm_type_mask()) + ")";
    return std::nullopt;
}

std::vector<ProbeResult> run_deviation_probes(const Profile& profile, const Profile& kernel_profile,
                                              const KernelRunner& kernel) {
    std::vector<ProbeResult> results;
    for (const auto& probe : deviation_probes())
        results.push_back(run_probe(probe, profile, kernel_profile, results, kernel));
    return results;
}

}  // namespace slotcheck
