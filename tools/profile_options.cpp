#include "tools/profile_options.h"

#include <iostream>

#include "harness/kernel_facts.h"
#include "model/quoted.h"

namespace slotcheck::cli {

std::string as_options(const ProfileChoice& choice) {
    std::string out;
    if (choice.name) out += " --profile " + *choice.name;
    for (const auto& [name, on] : choice.variant_overrides) out += " --variant " + name + (on ? "=on" : "=off");
    return out;
}

OptionTaken take_profile_option(const char* command, int argc, char** argv, int& i, ProfileChoice& choice) {
    std::string arg = argv[i];
    if (arg != "--profile" && arg != "--variant") return OptionTaken::No;
    auto bad = [&](const std::string& error) {
        std::cerr << "slotcheck " << command << ": " << error << "\n";
        return OptionTaken::Bad;
    };
    if (i + 1 >= argc) return bad(arg + " needs a value");
    std::string value = argv[++i];
    if (arg == "--profile") {
        choice.name = value;
        return OptionTaken::Yes;
    }
    auto eq = value.find('=');
    std::string name = value.substr(0, eq), state = eq == std::string::npos ? "" : value.substr(eq + 1);
    bool known = false;
    for (const auto& v : variant_table()) known = known || name == v.name;
    if (!known || (state != "on" && state != "off"))
        return bad("--variant takes NAME=on|off with a NAME from 'slotcheck probe --variants', got " + quote(value));
    choice.variant_overrides.push_back({name, state == "on"});
    return OptionTaken::Yes;
}

std::optional<KernelFacts> require_kvm(const char* command, const std::string& alternative) {
    std::string why;
    if (!kvm_available(why)) {
        std::cerr << "slotcheck " << command << ": /dev/kvm unavailable: " << why << " (" << alternative << ")\n";
        return std::nullopt;
    }
    return gather_kernel_facts();
}

std::optional<Profile> resolve_profile(const ProfileChoice& choice, const KernelFacts* facts, std::string& error) {
    Profile p;
    if (choice.name) {
        auto named = named_profile(*choice.name);
        if (!named) {
            error = "unknown profile " + quote(*choice.name) + " (known:";
            for (const auto& n : profile_names()) error += " " + n;
            error += ")";
            return std::nullopt;
        }
        p = *named;
        // Named profiles assume the TDP MMU; a running kernel's MMU decides
        // what its memslots cost (model/kernel_memory.h).
        if (facts && !facts->kvm_module.empty()) p.mmu = mmu_kind_of(*facts);
    } else if (facts) {
        p = profile_for_kernel(*facts);
    } else {
        p = upstream_profile();
    }
    for (const auto& [name, on] : choice.variant_overrides)
        for (const auto& v : variant_table())
            if (name == v.name) p.*(v.field) = on;
    if (!choice.variant_overrides.empty()) p.name += "+overrides";
    return p;
}

}  // namespace slotcheck::cli
