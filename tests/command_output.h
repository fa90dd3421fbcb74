// Running a command from a test and taking what it printed, for the tests
// that drive the slotcheck CLI, a C compiler or an emitted program.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace slotcheck::test {

struct CommandOutput {
    int status = -1;     // the exit status; -1 when it did not run or died of a signal
    std::string output;  // stdout and stderr together
};

inline CommandOutput run_command(const std::string& command) {
    CommandOutput r;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    const int status = pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

#ifdef SLOTCHECK_BINARY
// `slotcheck ARGS` of the build under test.
inline CommandOutput run_slotcheck(const std::string& args) {
    return run_command(std::string(SLOTCHECK_BINARY) + " " + args);
}
#endif

}  // namespace slotcheck::test
