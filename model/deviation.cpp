#include "model/deviation.h"

#include <algorithm>
#include <sstream>

namespace slotcheck {

namespace {

bool answered(const ProbeResult& r) {
    return r.status == ProbeResult::Status::AsRelease || r.status == ProbeResult::Status::Deviation;
}

std::string on_off(bool v) { return v ? "on" : "off"; }

const ProbeResult* probe_of(const std::vector<ProbeResult>& probes, const std::string& variant) {
    for (const auto& p : probes)
        if (p.variant == variant) return &p;
    return nullptr;
}

std::optional<std::pair<BaselineEntry, bool>> baseline_of(const std::vector<BaselineEntry>& entries,
                                                          const std::string& variant) {
    for (const auto& e : entries)
        for (const auto& [name, value] : e.variants)
            if (name == variant) return std::make_pair(e, value);
    return std::nullopt;
}

std::string baseline_name(const BaselineEntry& e) { return "baseline " + e.pattern + " (" + e.evidence + ")"; }

}  // namespace

ProfileDecision decide_profile(const Profile& profile, const KernelFacts* facts, std::vector<ProbeResult> probes,
                               const std::vector<BaselineEntry>& baselines, const std::vector<std::string>& accepted) {
    ProfileDecision d;
    d.profile = profile;
    d.judged_by = profile.name;
    d.kernel = facts != nullptr;
    d.probes = std::move(probes);
    const std::vector<BaselineEntry> entries = facts ? baselines_for(baselines, facts->release) : std::vector<BaselineEntry>{};
    const std::optional<Profile> kernel_profile = facts ? std::optional<Profile>(profile_for_kernel(*facts)) : std::nullopt;
    bool explicit_acceptance = false;
    for (const auto& v : variant_table()) {
        const std::string name = v.name;
        const bool profile_value = profile.*(v.field);
        const ProbeResult* probe = probe_of(d.probes, name);
        const auto baseline = baseline_of(entries, name);

        // What the kernel has, and what shows it.
        std::optional<bool> kernel_value;
        std::string evidence;
        if (probe && answered(*probe)) {
            kernel_value = probe->kernel_value;
            evidence = "probe";
        } else if (baseline) {
            kernel_value = baseline->second;
            evidence = baseline_name(baseline->first) + (probe ? "; probe " + probe->verdict() : "");
        } else if (kernel_profile) {
            kernel_value = (*kernel_profile).*(v.field);
            evidence = variant_evidence(name, *facts) + (probe ? "; probe " + probe->verdict() : "");
        }

        Deviation dev;
        dev.variant = name;
        dev.kernel_value = kernel_value.value_or(!profile_value);
        dev.measured = kernel_value.has_value();
        dev.evidence = evidence;
        if (std::find(accepted.begin(), accepted.end(), name) != accepted.end()) {
            dev.adopted_by = "--accept-deviation";
            d.profile.*(v.field) = !profile_value;
            explicit_acceptance = true;
            if (kernel_value && *kernel_value == profile_value)
                d.stale.push_back("--accept-deviation " + name + ": this kernel has the profile's " + name + "=" +
                                  on_off(profile_value) + " (" + evidence + ")");
            dev.kernel_value = !profile_value;
        } else if (baseline && baseline->second != profile_value) {
            dev.adopted_by = baseline_name(baseline->first);
            d.profile.*(v.field) = baseline->second;
            dev.kernel_value = baseline->second;
        }
        if (baseline && probe && answered(*probe) && probe->kernel_value != baseline->second)
            d.stale.push_back(baseline_name(baseline->first) + " at " + baseline->first.place + " says " + name + "=" +
                              on_off(baseline->second) + ", the probe saw " + name + "=" + on_off(probe->kernel_value));
        if (!dev.adopted_by.empty() || (kernel_value && *kernel_value != profile_value)) d.deviations.push_back(dev);
    }
    if (explicit_acceptance) d.profile.name += "+accepted";
    return d;
}

Profile profile_with_baseline(const KernelFacts& facts) {
    return decide_profile(profile_for_kernel(facts), &facts, {}, shipped_baselines(), {}).profile;
}

std::vector<std::string> describe(const ProfileDecision& d, bool with_sequences) {
    std::vector<std::string> out;
    if (d.kernel) {
        std::vector<std::string> probes;
        for (const auto& p : d.probes) {
            // A kernel run's header names only what deviates or could not be told.
            if (!with_sequences && p.status == ProbeResult::Status::AsRelease) continue;
            std::string line = "  " + p.variant + ": " + p.verdict();
            if (p.kernel && p.profile && *p.kernel != *p.profile)
                line += " (kernel " + to_string(*p.kernel) + ", profile " + to_string(*p.profile) + " at: " +
                        p.probed_op + ")";
            probes.push_back(line);
            if (with_sequences && p.kernel && *p.kernel != *p.profile) {
                std::istringstream text(print(p.shown));
                for (std::string l; std::getline(text, l);) probes.push_back("      " + l);
            }
        }
        if (!probes.empty()) out.push_back("deviation probes (" + d.judged_by + " vs this kernel, in scratch VMs):");
        out.insert(out.end(), probes.begin(), probes.end());
    }
    if (d.deviations.empty() && d.kernel) out.push_back("deviations from " + d.judged_by + ": none");
    if (!d.deviations.empty()) out.push_back("deviations from " + d.judged_by + ":");
    for (const auto& dev : d.deviations) {
        std::string line = "  " + dev.variant + "=" + on_off(dev.kernel_value) + ": " +
                           (dev.measured ? dev.evidence : "not measured here");
        if (!dev.adopted_by.empty())
            line += "; adopted (" + dev.adopted_by + ")";
        else
            line += "; not adopted: the model keeps " + dev.variant + "=" + on_off(!dev.kernel_value) +
                    " (--accept-deviation " + dev.variant + " adopts it)";
        out.push_back(line);
    }
    for (const auto& s : d.stale) out.push_back("stale acceptance: " + s);
    return out;
}

}  // namespace slotcheck
