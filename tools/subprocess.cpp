#include "tools/subprocess.h"

#include "sys/process.h"

namespace slotcheck::cli {

ProgramOutput run_program(const std::vector<std::string>& argv) {
    SpawnOptions options;
    options.out = Stdio::pipe();
    ChildProcess child = ChildProcess::exec(argv, options);
    ProgramOutput result;
    result.exit_code = child.wait(std::nullopt, &result.out).shell_code();
    return result;
}

}  // namespace slotcheck::cli
