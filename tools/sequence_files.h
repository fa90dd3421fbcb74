// The sequence files a command is given: files as they are, directories as
// every *.seq below them in sorted order.
#pragma once

#include <string>
#include <vector>

namespace slotcheck::cli {

// The files, or none with `error` naming the path that holds none.
std::vector<std::string> collect_files(const std::vector<std::string>& paths, std::string& error);

}  // namespace slotcheck::cli
