// What the running kernel is: release, capabilities, paging facts. The
// result (model/profile.h KernelFacts) is turned into a Profile by the model
// without any syscall, so this is the only place that asks the kernel.
#pragma once

#include <string>

#include "model/profile.h"

namespace slotcheck {

// True when /dev/kvm can be opened, speaks API 12 and creates a default VM.
// Otherwise false with `why` set to one line ("/dev/kvm: No such file or
// directory"), which tests print when they skip.
bool kvm_available(std::string& why);

// Gathers every field of KernelFacts. Fields that need /dev/kvm stay at
// their zero defaults when it is absent (kvm_available() says why).
KernelFacts gather_kernel_facts();

}  // namespace slotcheck
