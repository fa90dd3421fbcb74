// --profile NAME, --variant NAME=on|off and --accept-deviation NAME, shared
// by every command that runs the model.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "model/deviation.h"
#include "model/profile.h"

namespace CLI {
class Option;
}

namespace slotcheck::cli {

struct ProfileChoice {
    std::optional<std::string> name;                            // --profile
    std::vector<std::pair<std::string, bool>> variant_overrides;  // --variant
    std::vector<std::string> accepted_deviations;                // --accept-deviation
};

class CommandLine;

// The options of a ProfileChoice, as declared on a command line (for a
// command that excludes them).
struct ProfileOptions {
    CLI::Option* profile;
    CLI::Option* variant;
    CLI::Option* accept_deviation;
};

// Declares --profile NAME, --variant NAME=on|off (repeats) and
// --accept-deviation NAME (repeats) on `line`, each value checked as it is
// taken ("unknown profile ...", "--variant takes NAME=on|off ...").
ProfileOptions add_profile_options(CommandLine& line, ProfileChoice& choice);

// The choice as command-line arguments again, for a slotcheck run elsewhere
// (inside a VM) or a printed command that must rebuild the same profile
// (none when nothing was chosen: the re-run derives it from the kernel).
std::vector<std::string> as_arguments(const ProfileChoice& choice);

// The facts of the running kernel for a command that needs /dev/kvm; when
// the device is unusable, says so as "slotcheck COMMAND: /dev/kvm
// unavailable: WHY (ALTERNATIVE)" on stderr and returns nullopt (the
// command then exits with kExitNoEnvironment).
std::optional<KernelFacts> require_kvm(const char* command, const std::string& alternative);

// The profile to use and how it was decided: the named one (with the
// machine's facts when `facts` is given) or the running kernel's (from
// `facts`) or upstream; on a kernel, the deviation probes run against it in
// scratch VMs; accepted deviations and the kernel build's baseline entry are
// adopted; the --variant overrides are applied last. nullopt with `error`
// for an unknown profile name.
std::optional<ProfileDecision> decide(const ProfileChoice& choice, const KernelFacts* facts, std::string& error);

// decide(), with the report (deviations, stale acceptances, and on a kernel
// what it reports that the model has no rules for) written to `report`,
// each line after `prefix` ("slotcheck fuzz: ").
std::optional<Profile> resolve_profile(const ProfileChoice& choice, const KernelFacts* facts, std::string& error,
                                       std::ostream* report = nullptr, const std::string& prefix = "");

// The lines that say what the kernel reports beyond the model, one per kind;
// with `all`, kinds with nothing too ("... none").
std::vector<std::string> unmodelled_lines(const KernelFacts& facts, bool all);

}  // namespace slotcheck::cli
