// Running a helper program (scripts/fetch-kernel and the like) and taking
// its standard output; its standard error passes through to the user.
#pragma once

#include <string>
#include <vector>

namespace slotcheck {

struct ProgramOutput {
    int exit_code = -1;  // 127: could not be started; 128+N: killed by signal N
    std::string out;
};

ProgramOutput run_program(const std::vector<std::string>& argv);

}  // namespace slotcheck
