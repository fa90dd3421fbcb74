// Deviations: where the kernel under test behaves otherwise than the profile
// it is judged by, and which of them the model adopts. Pure: the probes'
// results, the kernel's facts and the baselines come in as values, so tests
// decide profiles without a kernel.
//
// By default the model keeps the profile's behaviour for every deviation, so
// replays and fuzz runs diverge on it and show it. A deviation is adopted
// only explicitly: `--accept-deviation NAME`, or a baseline entry for the
// kernel's build (model/baselines.txt). Accepting what the kernel does not
// show (a stale acceptance) is reported too.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/baselines.h"
#include "model/deviation_probe.h"
#include "model/profile.h"

namespace slotcheck {

struct Deviation {
    std::string variant;
    bool kernel_value = false;  // the value this kernel has (or the accepted one, where unmeasured)
    bool measured = false;      // a probe, a capability or the release shows it; false: accepted on trust
    std::string evidence;       // what shows it: "probe", a capability, the release, a baseline entry
    std::string adopted_by;     // "--accept-deviation", "baseline PATTERN (EVIDENCE)", or "" (the model keeps the profile's)
};

struct ProfileDecision {
    Profile profile;                     // what the model uses
    std::string judged_by;               // the profile's name before any adoption
    bool kernel = false;                 // a kernel was there to compare with
    std::vector<ProbeResult> probes;     // empty without a kernel
    std::vector<Deviation> deviations;   // in variant_table() order
    std::vector<std::string> stale;      // acceptances the kernel contradicts
};

// `profile` is the release's behaviours (a named profile with the machine's
// facts, or profile_for_kernel()); `facts` the kernel's (nullptr: model
// only); `probes` their results against `profile`; `accepted` the
// --accept-deviation names. Each accepted name takes the value opposite the
// profile's; each matching baseline entry sets its value.
ProfileDecision decide_profile(const Profile& profile, const KernelFacts* facts, std::vector<ProbeResult> probes,
                               const std::vector<BaselineEntry>& baselines, const std::vector<std::string>& accepted);

// The running kernel's profile with its build's baseline entry applied and no
// probes: for benches and tests that judge a kernel without reporting its
// deviations (the commands use decide_profile with the probes).
Profile profile_with_baseline(const KernelFacts& facts);

// The report as lines: each probe's verdict (with its sequence in the
// sequence language where `with_sequences`), each deviation with its
// evidence and whether the model adopted it, and each stale acceptance.
std::vector<std::string> describe(const ProfileDecision& decision, bool with_sequences);

}  // namespace slotcheck
