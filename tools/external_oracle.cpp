#include "tools/external_oracle.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

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
    const std::string script = command_ + " \"$1\"";
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        // Its own process group: a timeout kills whatever the command started.
        setpgid(0, 0);
        if (!show_output) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execl("/bin/sh", "sh", "-c", script.c_str(), "sh", file.path().c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);
    const auto start = std::chrono::steady_clock::now();
    int status = 0;
    while (true) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0) return false;
        if (limit_ && std::chrono::steady_clock::now() - start > *limit_) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace slotcheck::cli
