#include "tools/external_oracle.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sys/process.h"
#include "tools/atomic_file.h"

namespace slotcheck::cli {

namespace {

// A candidate file that is removed when the judgement is over.
class TemporarySequenceFile {
public:
    explicit TemporarySequenceFile(const Sequence& seq) {
        std::string pattern = (std::filesystem::temp_directory_path() / "slotcheck-candidate-XXXXXX.seq").string();
        int fd = mkstemps(pattern.data(), 4);
        if (fd < 0) throw CandidateNotWritten{"cannot create a candidate file in " + pattern + ": " + std::strerror(errno)};
        close(fd);
        path_ = pattern;
        if (auto failed = write_file_atomically(path_, print(seq))) throw CandidateNotWritten{*failed};
    }
    ~TemporarySequenceFile() {
        if (!path_.empty()) std::remove(path_.c_str());
    }
    TemporarySequenceFile(const TemporarySequenceFile&) = delete;
    TemporarySequenceFile& operator=(const TemporarySequenceFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace

bool ExternalOracle::still_fails(const Sequence& seq, bool show_output) const {
    TemporarySequenceFile file(seq);
    // The command runs through sh, with the candidate as its last argument.
    const std::string script = command_ + " \"$1\"";
    SpawnOptions options;
    if (!show_output) options.out = options.err = Stdio::null();
    // A command that outlives the limit is killed with its process group
    // (whatever it started too) and counts as "does not fail".
    ChildProcess child = ChildProcess::exec({"/bin/sh", "-c", script, "sh", file.path()}, options);
    return child.wait(limit_).ok();
}

}  // namespace slotcheck::cli
