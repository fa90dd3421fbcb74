#include "orchestration/resource_dir.h"

#include <cstdlib>
#include <filesystem>

#if !defined(SLOTCHECK_SOURCE_DIR) || !defined(SLOTCHECK_BUILD_BIN_DIR)
#error "SLOTCHECK_SOURCE_DIR and SLOTCHECK_BUILD_BIN_DIR come from CMakeLists.txt"
#endif

namespace slotcheck::cli {

namespace fs = std::filesystem;

ResourceDir resource_dir() {
    if (const char* env = std::getenv("SLOTCHECK_SOURCE_DIR"); env && *env) return {env, "$SLOTCHECK_SOURCE_DIR"};
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path bin = exe.parent_path();
    // Compared as canonical paths: the build directory may be reached
    // through a symbolic link. A binary copied elsewhere is not in the build.
    std::error_code ec_bin, ec_build;
    const fs::path canonical_bin = fs::weakly_canonical(bin, ec_bin);
    const fs::path canonical_build = fs::weakly_canonical(SLOTCHECK_BUILD_BIN_DIR, ec_build);
    if (!ec && !ec_bin && !ec_build && canonical_bin == canonical_build) return {SLOTCHECK_SOURCE_DIR, "build tree"};
    return {(bin.parent_path() / "share" / "slotcheck").lexically_normal().string(), "installed"};
}

}  // namespace slotcheck::cli
