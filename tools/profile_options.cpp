#include "tools/profile_options.h"

#include <algorithm>
#include <iostream>

#include "harness/deviation_runner.h"
#include "harness/kernel_facts.h"
#include "model/unmodelled.h"
#include "sys/quoted.h"
#include "tools/command_line.h"

namespace slotcheck::cli {

namespace {

std::string unknown_profile(const std::string& name) {
    std::string known;
    for (const auto& n : profile_names()) known += " " + n;
    return "unknown profile " + quote(name) + " (known:" + known + ")";
}

}  // namespace

ProfileOptions add_profile_options(CommandLine& line, ProfileChoice& choice) {
    ProfileOptions o;
    o.profile = line.add_checked(
        "--profile", [](const std::string& v) { return named_profile(v) ? "" : unknown_profile(v); },
        [&choice](const std::string& v) { choice.name = v; },
        "judge by a named release profile (upstream, linux-6.12, linux-6.12-sw-protected,\n"
        "linux-6.18, linux-7.2, linux-7.3), on a kernel with the machine's facts;\n"
        "default: the kernel's release and capabilities (upstream without a kernel)");
    o.profile->type_name("NAME");
    o.variant = line.add_checked(
        "--variant",
        [](const std::string& v) -> std::string {
            const auto eq = v.find('=');
            const std::string name = v.substr(0, eq), state = eq == std::string::npos ? "" : v.substr(eq + 1);
            if (find_variant(name) && (state == "on" || state == "off")) return "";
            return "--variant takes NAME=on|off with a NAME from 'slotcheck probe --variants', got " + quote(v);
        },
        [&choice](const std::string& v) {
            const auto eq = v.find('=');
            choice.variant_overrides.push_back({v.substr(0, eq), v.substr(eq + 1) == "on"});
        },
        "override one profile variant (repeats)", true);
    o.variant->type_name("NAME=on|off");
    o.accept_deviation = line.add_checked(
        "--accept-deviation",
        [](const std::string& v) -> std::string {
            if (find_variant(v)) return "";
            return "--accept-deviation takes a variant NAME from 'slotcheck probe --variants', got " + quote(v);
        },
        [&choice](const std::string& v) {
            if (std::find(choice.accepted_deviations.begin(), choice.accepted_deviations.end(), v) ==
                choice.accepted_deviations.end())
                choice.accepted_deviations.push_back(v);
        },
        "adopt the kernel's deviation from the profile in variant NAME (repeats;\n"
        "default: the model keeps the profile's behaviour and diverges there)", true);
    o.accept_deviation->type_name("NAME");
    return o;
}

std::vector<std::string> as_arguments(const ProfileChoice& choice) {
    std::vector<std::string> args;
    if (choice.name) args.insert(args.end(), {"--profile", *choice.name});
    for (const auto& [name, on] : choice.variant_overrides)
        args.insert(args.end(), {"--variant", name + (on ? "=on" : "=off")});
    for (const auto& name : choice.accepted_deviations) args.insert(args.end(), {"--accept-deviation", name});
    return args;
}

std::optional<KernelFacts> require_kvm(const char* command, const std::string& alternative) {
    std::string why;
    if (!kvm_available(why)) {
        std::cerr << "slotcheck " << command << ": /dev/kvm unavailable: " << why << " (" << alternative << ")\n";
        return std::nullopt;
    }
    return gather_kernel_facts();
}

std::optional<ProfileDecision> decide(const ProfileChoice& choice, const KernelFacts* facts, std::string& error) {
    Profile release;
    if (choice.name) {
        auto named = named_profile(*choice.name);
        if (!named) {
            error = unknown_profile(*choice.name);
            return std::nullopt;
        }
        release = *named;
        // A named profile is the release's behaviours; on a kernel, the
        // machine's facts are this machine's.
        if (facts) apply_machine_facts(release, *facts);
    } else if (facts) {
        release = profile_for_kernel(*facts);
    } else {
        release = upstream_profile();
    }
    std::vector<ProbeResult> probes;
    if (facts)
        probes = run_deviation_probes(release, profile_for_kernel(*facts),
                                      [](const Sequence& seq) { return run_on_kvm(seq); });
    ProfileDecision d = decide_profile(release, facts, std::move(probes), shipped_baselines(), choice.accepted_deviations);
    for (const auto& [name, on] : choice.variant_overrides) d.profile.*(find_variant(name)->field) = on;
    if (!choice.variant_overrides.empty()) d.profile.name += "+overrides";
    return d;
}

std::vector<std::string> unmodelled_lines(const KernelFacts& facts, bool all) {
    std::vector<std::string> out;
    for (const auto& u : unmodelled_features(facts))
        if (all || !u.detail.empty())
            out.push_back("not in the model: " + u.kind + " " + (u.detail.empty() ? "none" : u.detail));
    return out;
}

std::optional<Profile> resolve_profile(const ProfileChoice& choice, const KernelFacts* facts, std::string& error,
                                       std::ostream* report, const std::string& prefix) {
    auto d = decide(choice, facts, error);
    if (!d) return std::nullopt;
    if (report) {
        for (const auto& line : describe(*d, false)) *report << prefix << line << "\n";
        if (facts)
            for (const auto& line : unmodelled_lines(*facts, false)) *report << prefix << line << "\n";
    }
    return d->profile;
}

}  // namespace slotcheck::cli
