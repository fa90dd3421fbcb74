#include "csource/emit_c.h"

#include <cstdio>
#include <sstream>

#include "csource/emit_c_calls.h"
#include "csource/emit_c_text.h"
#include "model/world.h"
#include "replay/differ.h"
#include "replay/features.h"
#include "seq/text_scan.h"

namespace slotcheck {

namespace {

using emit_c_text::comment_safe;
using emit_c_text::string_literal;

std::string step_name(size_t index, const Step& step) {
    std::string name = "step " + std::to_string(index + 1);
    if (step.line) name += " (line " + std::to_string(step.line) + ")";
    return name;
}

std::string profile_words(const Profile& profile) {
    auto diffs = profile.differences_from_upstream();
    std::string words = profile.name;
    if (diffs.empty()) return words;
    words += " (differs from upstream in";
    for (const auto& d : diffs) words += " " + d;
    return words + ")";
}

// The header comment: what produced the program, how to use it, and the
// sequence itself with its line numbers (TAP lines cite them).
std::string header(const Profile& profile, const EmitCSource& source, size_t tests,
                   const std::vector<Feature>& needs) {
    std::ostringstream o;
    o << "/*\n"
      << " * Reproducer of " << comment_safe(source.name) << ", written by `slotcheck emit-c`\n"
      << " * under the profile " << comment_safe(profile_words(profile)) << ".\n"
      << " *\n"
      << " * Each step performs one operation of the sequence with raw syscalls, as the\n"
      << " * slotcheck harness does, and checks the outcome: the file's expected outcome\n"
      << " * where it gives one, otherwise the slotcheck model's. A `check` compares the\n"
      << " * digest of every page the model looks at. Every VM gets a probe vCPU (64-bit,\n"
      << " * CPL3) with its own memslot, id KVM_CAP_NR_MEMSLOTS - 1 at gpa 0xc0000000.\n"
      << " *\n"
      << " * Needs x86-64, /dev/kvm and the rights to use it. Build and run:\n"
      << " *     gcc -O1 -o repro repro.c && ./repro\n"
      << " * Output is TAP (" << tests << " tests); exit 0 when every outcome is as expected,\n"
      << " * 1 at the first that is not (the `not ok` line names the step and its line),\n"
      << " * 4 (skip) without /dev/kvm" << (needs.empty() ? "" : " or on a kernel without what it needs") << ".\n";
    if (!needs.empty()) {
        o << " *\n * The expected outcomes need:\n";
        for (const auto& f : needs) o << " *     " << feature_name(f) << ": " << comment_safe(feature_description(f)) << "\n";
    }
    o << " *\n"
      << " * The sequence:\n"
      << " *\n";
    std::istringstream lines(source.text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
        char number[16];
        std::snprintf(number, sizeof number, "%4d", n);
        o << " * " << number << "  " << comment_safe(line) << "\n";
    }
    o << " */\n";
    return o.str();
}

// The outcome a step must give, and a comment saying where it comes from
// (the deciding rule of the model and its kernel source).
struct Wanted {
    Outcome outcome;
    std::string comment;
};

Wanted wanted(const Step& step, const Decision& model, const Profile& profile, std::vector<std::string>& notes,
              const std::string& name) {
    std::string rule_words;
    if (model.rule != RuleId::Count) {
        const Rule& r = rule(model.rule);
        rule_words = std::string(r.name) + ": " + r.source;
    }
    const std::string model_says = "the model says " + to_string(model.outcome) + " (" + rule_words + ")";
    if (!step.expect) return {model.outcome, "the model's outcome (" + rule_words + "); the file gives none"};
    if (step.expect->kernel_deviation)
        return {*step.expect->kernel_deviation, "the kernel deviation the file records; " + model_says};
    Outcome file = expected_outcome(*step.expect, profile);
    if (file != model.outcome) {
        notes.push_back(name + ": the file expects " + to_string(file) + ", the model under " + profile.name +
                        " says " + to_string(model.outcome) + "; the program checks the file's");
        return {file, "the file's outcome; " + model_says};
    }
    return {file, rule_words};
}

// The outcomes the program checks, as a sequence: the file's expectations,
// and the model's outcome where the file gives none.
Sequence as_checked(const Sequence& seq, const Profile& profile) {
    Sequence out = seq;
    World model(profile);
    for (Step& step : out.steps) {
        if (std::holds_alternative<Check>(step.op)) continue;
        const Outcome predicted = model.step(step.op).outcome;
        if (!step.expect) step.expect = Expectation{predicted, {}, std::nullopt};
    }
    return out;
}

const char* c_feature(Feature::Kind kind) {
    switch (kind) {
    case Feature::Kind::GuestMemfd: return "SC_FEATURE_GUEST_MEMFD";
    case Feature::Kind::GmemOnDefaultVm: return "SC_FEATURE_GMEM_ON_DEFAULT_VM";
    case Feature::Kind::GmemMmap: return "SC_FEATURE_GMEM_MMAP";
    case Feature::Kind::MemoryAttributes: return "SC_FEATURE_MEMORY_ATTRIBUTES";
    case Feature::Kind::VmType: return "SC_FEATURE_VM_TYPE";
    case Feature::Kind::ReadonlyMem: return "SC_FEATURE_READONLY_MEM";
    case Feature::Kind::SmmAddressSpace: return "SC_FEATURE_SMM_ADDRESS_SPACE";
    case Feature::Kind::Paging4Level: return "SC_FEATURE_PAGING_4_LEVEL";
    case Feature::Kind::Maxphyaddr52: return "SC_FEATURE_MAXPHYADDR_52";
    }
    return "?";
}

// The sc_begin() call: the plan, and what the kernel must have.
std::string begin_call(size_t tests, const std::vector<Feature>& needs) {
    std::ostringstream o;
    if (needs.empty()) {
        o << "\tsc_begin(" << tests << ", NULL, 0);\n";
        return o.str();
    }
    o << "\tstatic const struct sc_need needs[] = {\n";
    for (const auto& f : needs)
        o << "\t\t{" << c_feature(f.kind) << ", " << f.vm_type << ", " << string_literal(feature_name(f)) << "},\n";
    o << "\t};\n\n\tsc_begin(" << tests << ", needs, sizeof(needs) / sizeof(needs[0]));\n";
    return o.str();
}

}  // namespace

EmitCResult emit_c(const Sequence& seq, const Profile& profile, const EmitCSource& source) {
    EmitCResult result;
    EmitCCalls calls;
    World model(profile);
    std::ostringstream body;
    for (size_t i = 0; i < seq.steps.size(); ++i) {
        const Step& step = seq.steps[i];
        const std::string name = step_name(i, step);
        const std::string what = name + ": " + print_op(step.op);
        body << "\n";
        for (const auto& c : step.leading_comments) body << "\t/* " << comment_safe(c) << " */\n";
        if (!step.comment.empty()) body << "\t/* " << comment_safe(step.comment) << " */\n";
        if (std::holds_alternative<Check>(step.op)) {
            // The model decides what to look at, and predicts what is there.
            auto plan = model.observation_plan();
            auto seen = model.observe(plan);
            result.tests += plan.empty() ? 1 : plan.size();
            body << "\t/* the " << plan.size() << " page(s) the model looks at, with the digest or fault it predicts */\n";
            if (plan.empty()) {
                body << "\tsc_check(" << string_literal(what) << ", NULL, 0);\n";
                continue;
            }
            body << "\t{\n\t\tstruct sc_page pages[] = {\n";
            for (size_t k = 0; k < plan.size(); ++k)
                body << "\t\t\t" << calls.page(plan[k], emit_c_text::outcome(seen[k].outcome)) << ",\n";
            body << "\t\t};\n\n\t\tsc_check(" << string_literal(what)
                 << ", pages, sizeof(pages) / sizeof(pages[0]));\n\t}\n";
            continue;
        }
        Wanted want = wanted(step, model.step(step.op), profile, result.notes, name);
        result.tests += 1;
        body << "\t/* " << comment_safe(want.comment) << " */\n"
             << "\tsc_expect(" << string_literal(what) << ",\n"
             << "\t\t  " << calls.call(step.op) << ",\n"
             << "\t\t  " << emit_c_text::outcome(want.outcome) << ");\n";
    }

    result.needs = required_features(as_checked(seq, profile), profile);
    std::ostringstream o;
    o << header(profile, source, result.tests, result.needs) << "\n#define _GNU_SOURCE\n\n"
      << emit_c_text::numbers() << "\n"
      << "/* ------------------------------------------------------------ the executor */\n\n"
      << "/* The files of the slotcheck harness's executor core (harness/c/), verbatim:\n"
      << " * `slotcheck replay` runs the same code. Here they are one translation\n"
      << " * unit, so they include one another only when SC_REPRODUCER is not set. */\n"
      << "#define SC_REPRODUCER 1\n\n"
      << emit_c_text::executor() << "\n"
      << emit_c_text::prelude() << "\n"
      << "/* ------------------------------------------------------------ the sequence */\n\n"
      << calls.declarations() << "\n"
      << "int main(void)\n{\n"
      << begin_call(result.tests, result.needs)
      << "\tprintf(\"# %s under the profile %s\\n\", "
      << string_literal(source.name) << ", " << string_literal(profile.name) << ");\n"
      << body.str() << "\n\tsc_end();\n}\n";
    result.program = o.str();
    return result;
}

}  // namespace slotcheck
