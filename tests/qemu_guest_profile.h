// The machine of the qemu guests the vm tests boot (docs/vm.md: TCG with
// `-cpu max`): TDP with a 40-bit MAXPHYADDR, 5-level paging, SMM (two
// address spaces). A release's profile on that machine is what the vm tests
// hold the corpus to, so the unit tests can check it on the model first.
#pragma once

#include <string>

#include "model/profile.h"

namespace slotcheck::test {

inline Profile on_the_qemu_guests(Profile release) {
    KernelFacts facts;
    facts.tdp_enabled = true;
    facts.phys_addr_bits = facts.guest_phys_addr_bits = 40;
    facts.five_level_paging = true;
    facts.cap_multi_address_space = 2;
    apply_machine_facts(release, facts);
    release.name += " on the qemu guests";
    return release;
}

}  // namespace slotcheck::test
