// Where slotcheck finds the files it runs but does not contain: the VM runner
// (harness/vm/run, make-initramfs), the kernel scripts (scripts/fetch-kernel,
// build-kernel, mutate-kernel and the mutants' patches). One function decides,
// the same way for every command (docs/install.md):
//
//   1. $SLOTCHECK_SOURCE_DIR, when set and not empty: a tree chosen by hand
//      (tests point it at a fake runner);
//   2. the source tree this binary was built from, when the binary runs from
//      its build directory (build/slotcheck);
//   3. otherwise ../share/slotcheck next to the binary's own directory
//      (/proc/self/exe), where `cmake --install` and the .deb put them:
//      an installed slotcheck never looks at the source tree.
#pragma once

#include <string>

namespace slotcheck::cli {

struct ResourceDir {
    std::string path;
    const char* origin;  // "$SLOTCHECK_SOURCE_DIR", "build tree" or "installed"
};

ResourceDir resource_dir();

}  // namespace slotcheck::cli
