// The sequence files a command is given: files as they are, directories as
// every *.seq below them in sorted order. Anything that cannot be read or is
// not what it claims (an unreadable directory, a dangling or looping
// symlink, a FIFO, a device) is an error naming the path and strerror,
// never a silent skip; FIFOs are never opened (that would block).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace slotcheck::cli {

// The files, or none with `error` naming the path at fault.
std::vector<std::string> collect_files(const std::vector<std::string>& paths, std::string& error);

// nullopt when `path` is a regular file (or a symlink to one) that can be
// opened for reading; else the error, naming the path.
std::optional<std::string> check_sequence_file(const std::string& path);

}  // namespace slotcheck::cli
