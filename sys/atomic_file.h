// Writing the CLI's output files so that a failed write never leaves a
// truncated or half-new file behind: the text goes to a temporary file in
// the target's directory, is flushed to disk and checked, and only then
// renamed over the target. On any failure the temporary file is removed, the
// old file (if any) is left as it was, and the error names the path and
// strerror. Every file the CLI writes goes through here (docs/output.md).
//
// And the checks that run before a command starts its work, so a typo in an
// output path costs nothing: the target's directory exists, is a directory
// and takes new files; the target, if it exists, is not a directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slotcheck {

// Writes `text` to `path` atomically (a symlink is followed: its target is
// replaced). A new file gets mode 0666 less the umask; an existing one keeps
// its mode. Returns the error message, or nullopt when written.
[[nodiscard]] std::optional<std::string> write_file_atomically(const std::string& path, std::string_view text);

// The output file `path` of `option` ("--json"): nullopt when it can be
// written, else an error naming the option, the path and what is wrong.
[[nodiscard]] std::optional<std::string> check_output_file(const std::string& option, const std::string& path);

// The output directory `path` of `option` ("--out", "--into"): it is a
// writable directory, or does not exist yet and its nearest existing
// ancestor is a writable directory (it is created when first needed).
[[nodiscard]] std::optional<std::string> check_output_dir(const std::string& option, const std::string& path);

// Creates `path` and its missing parents; the error names the part that
// could not be created.
[[nodiscard]] std::optional<std::string> create_directories(const std::string& path);

}  // namespace slotcheck
