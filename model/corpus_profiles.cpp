#include "model/corpus_profiles.h"

#include "model/baselines.h"

namespace slotcheck {

Profile upstream_with_type_1() {
    Profile up = upstream_profile();
    up.sw_protected_vm = true;
    up.name = "upstream with sw-protected-vm";
    return up;
}

Profile as_built(Profile release, const std::string& build) {
    for (const auto& entry : baselines_for(shipped_baselines(), build))
        for (const auto& [variant, on] : entry.variants) release.*(find_variant(variant)->field) = on;
    release.name += " as built in " + build;
    return release;
}

std::vector<Profile> corpus_profiles() {
    std::vector<Profile> out;
    for (const auto& name : profile_names()) out.push_back(*named_profile(name));
    out.push_back(as_built(*named_profile("linux-6.12"), kDebian612Build));
    out.push_back(as_built(*named_profile("linux-6.12-sw-protected"), kBuilt612Build));
    out.push_back(upstream_with_type_1());
    return out;
}

}  // namespace slotcheck
