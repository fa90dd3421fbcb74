// The profiles every corpus file is written for (docs/sequence-format.md
// "Which profiles a corpus file is written for"): under each, a file's
// written outcomes and the rules it names hold, or it needs a feature the
// profile lacks and is a skip there. tests/unit_corpus_test.cpp holds the
// corpus to them; `slotcheck annotate --name-rules` names rules under them.
#pragma once

#include <string>
#include <vector>

#include "model/profile.h"

namespace slotcheck {

// Every named profile, the two kernel builds of the vm matrix (Debian's
// 6.12.118 and its build by scripts/build-kernel: the 6.12 release with the
// variants of their entries in model/baselines.txt, F5), and upstream with
// VM type 1.
std::vector<Profile> corpus_profiles();

// Upstream with VM type 1 (the sw-protected-vm variant): the profile under
// which every corpus file runs, none a skip.
Profile upstream_with_type_1();

// `release`'s profile with the variants of the baseline entries matching
// `build` (a `uname -r` of a kernel build), named after it.
Profile as_built(Profile release, const std::string& build);

// The builds of the vm matrix whose baselines corpus_profiles() applies.
inline constexpr const char* kDebian612Build = "6.12.118+deb12-amd64";
inline constexpr const char* kBuilt612Build = "6.12.118-slotcheck";

}  // namespace slotcheck
