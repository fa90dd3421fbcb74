// --profile NAME and --variant NAME=on|off, shared by every command that
// runs the model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"

namespace slotcheck::cli {

struct ProfileChoice {
    std::optional<std::string> name;                            // --profile
    std::vector<std::pair<std::string, bool>> variant_overrides;  // --variant
};

// Consumes argv[i] (and its value) if it is a profile option. Returns false
// when argv[i] is not one; sets `error` on a bad value.
bool take_profile_option(int argc, char** argv, int& i, ProfileChoice& choice, std::string& error);

// The profile to use: the named one, or the running kernel's (from `facts`)
// when no name is given, with the overrides applied.
std::optional<Profile> resolve_profile(const ProfileChoice& choice, const KernelFacts* facts, std::string& error);

}  // namespace slotcheck::cli
