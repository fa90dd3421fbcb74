#include "tools/profile_options.h"

#include <algorithm>
#include <iostream>

#include "harness/deviation_runner.h"
#include "harness/kernel_facts.h"
#include "model/unmodelled.h"
#include "seq/quoted.h"

namespace slotcheck::cli {

OptionTaken take_profile_option(const char* command, int argc, char** argv, int& i, ProfileChoice& choice) {
    std::string arg = argv[i];
    if (arg != "--profile" && arg != "--variant" && arg != "--accept-deviation") return OptionTaken::No;
    auto bad = [&](const std::string& error) {
        std::cerr << "slotcheck " << command << ": " << error << "\n";
        return OptionTaken::Bad;
    };
    if (i + 1 >= argc) return bad(arg + " needs a value");
    std::string value = argv[++i];
    if (arg == "--profile") {
        if (!named_profile(value)) {
            std::string known;
            for (const auto& n : profile_names()) known += " " + n;
            return bad("unknown profile " + quote(value) + " (known:" + known + ")");
        }
        choice.name = value;
        return OptionTaken::Yes;
    }
    if (arg == "--accept-deviation") {
        if (!find_variant(value))
            return bad("--accept-deviation takes a variant NAME from 'slotcheck probe --variants', got " + quote(value));
        if (std::find(choice.accepted_deviations.begin(), choice.accepted_deviations.end(), value) ==
            choice.accepted_deviations.end())
            choice.accepted_deviations.push_back(value);
        return OptionTaken::Yes;
    }
    auto eq = value.find('=');
    std::string name = value.substr(0, eq), state = eq == std::string::npos ? "" : value.substr(eq + 1);
    if (!find_variant(name) || (state != "on" && state != "off"))
        return bad("--variant takes NAME=on|off with a NAME from 'slotcheck probe --variants', got " + quote(value));
    choice.variant_overrides.push_back({name, state == "on"});
    return OptionTaken::Yes;
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
            error = "unknown profile " + quote(*choice.name) + " (known:";
            for (const auto& n : profile_names()) error += " " + n;
            error += ")";
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
