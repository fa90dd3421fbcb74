#include "orchestration/vm_kernels.h"

#include <filesystem>
#include <sstream>

#include "sys/subprocess.h"

namespace slotcheck::cli {

namespace {

namespace fs = std::filesystem;

// A readable name for a kernel image: the directory of a cached kernel
// (".../kernels/7.3.4+deb13-amd64/bzImage"), else the file's own name.
std::string kernel_name(const fs::path& image) {
    const std::string file = image.filename().string();
    if ((file == "bzImage" || file.rfind("vmlinuz", 0) == 0) && image.has_parent_path())
        return image.parent_path().filename().string();
    return file;
}

}  // namespace

std::optional<vm::KernelUnderTest> resolve_kernel(const KernelRequest& request, const std::string& resources,
                                                  std::string& error) {
    std::error_code ec;
    if (fs::is_regular_file(request.spec, ec)) {
        vm::KernelUnderTest k;
        k.bzimage = fs::absolute(request.spec).string();
        k.name = kernel_name(k.bzimage);
        if (request.modules) {
            if (!fs::is_directory(*request.modules, ec)) {
                error = "--modules " + *request.modules + ": not a directory";
                return std::nullopt;
            }
            k.modules = fs::absolute(*request.modules).string();
        }
        return k;
    }
    if (request.spec.find('/') != std::string::npos) {
        error = "--kernel " + request.spec + ": no such file (a kernel is a bzImage path, a Debian version or build:VERSION)";
        return std::nullopt;
    }
    if (request.modules) {
        error = "--modules goes with a bzImage path; " + request.spec + " is not a file";
        return std::nullopt;
    }
    // A version: the scripts print "kernel: PATH" and "modules: PATH" last.
    const bool build = request.spec.rfind("build:", 0) == 0;
    const std::string version = build ? request.spec.substr(6) : request.spec;
    const std::string script = resources + (build ? "/scripts/build-kernel" : "/scripts/fetch-kernel");
    if (version.empty() || version[0] == '-') {
        error = "--kernel " + request.spec + ": not a file, and not a kernel version";
        return std::nullopt;
    }
    ProgramOutput out = run_program({script, version});
    vm::KernelUnderTest k;
    std::istringstream lines(out.out);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("kernel: ", 0) == 0) k.bzimage = line.substr(8);
        if (line.rfind("modules: ", 0) == 0) k.modules = line.substr(9);
    }
    if (out.exit_code != 0 || k.bzimage.empty()) {
        error = "--kernel " + request.spec + ": " + script + " " + version + " failed (exit " +
                std::to_string(out.exit_code) + "; its message is above)";
        return std::nullopt;
    }
    k.name = kernel_name(k.bzimage);
    return k;
}

}  // namespace slotcheck::cli
