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

// The choice as command-line options (" --profile NAME --variant X=on"),
// for a printed command that must rebuild the same profile; "" when nothing
// was chosen (the re-run derives the profile from the kernel again).
std::string as_options(const ProfileChoice& choice);

enum class OptionTaken { No, Yes, Bad };

// Consumes argv[i] (and its value) if it is a profile option. A bad value is
// reported on stderr as "slotcheck COMMAND: ..." and answered with Bad.
OptionTaken take_profile_option(const char* command, int argc, char** argv, int& i, ProfileChoice& choice);

// The facts of the running kernel for a command that needs /dev/kvm; when
// the device is unusable, says so as "slotcheck COMMAND: /dev/kvm
// unavailable: WHY (ALTERNATIVE)" on stderr and returns nullopt (the
// command then exits with kExitNoEnvironment).
std::optional<KernelFacts> require_kvm(const char* command, const std::string& alternative);

// The profile to use: the named one, or the running kernel's (from `facts`)
// when no name is given, with the overrides applied.
std::optional<Profile> resolve_profile(const ProfileChoice& choice, const KernelFacts* facts, std::string& error);

}  // namespace slotcheck::cli
