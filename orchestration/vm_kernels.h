// Which kernels `slotcheck vm` boots: a bzImage given by path (with its KVM
// modules, or none when KVM is built in), or a Debian kernel by version,
// fetched by scripts/fetch-kernel, or one built with private memory by
// scripts/build-kernel ("build:6.12").
#pragma once

#include <optional>
#include <string>

#include "harness/vm/vm_run.h"

namespace slotcheck::cli {

struct KernelRequest {
    std::string spec;                    // --kernel
    std::optional<std::string> modules;  // the --modules after it
};

std::optional<vm::KernelUnderTest> resolve_kernel(const KernelRequest& request, const std::string& resources,
                                                  std::string& error);

}  // namespace slotcheck::cli
