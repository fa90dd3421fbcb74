#include "sys/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sys/quoted.h"

namespace slotcheck {

namespace {

namespace fs = std::filesystem;

std::string why(int error) { return std::strerror(error); }

// The directory a file named `path` lives in ("." for a bare name).
std::string directory_of(const std::string& path) {
    const std::string dir = fs::path(path).parent_path().string();
    return dir.empty() ? "." : dir;
}

// An fd closed when it goes out of scope.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Closes now and reports close()'s error (NFS reports write errors here).
    int close() {
        const int r = ::close(fd_);
        fd_ = -1;
        return r;
    }

private:
    int fd_;
};

// A temporary file "DIR/.NAME.tmp-PID-N" created with O_CREAT|O_EXCL and
// mode 0666 less the umask, removed when it goes out of scope unless kept.
class TempFile {
public:
    TempFile(const std::string& dir, const std::string& name) {
        static std::atomic<unsigned> counter{0};
        for (int attempt = 0; attempt < 100; ++attempt) {
            path_ = dir + "/." + name + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
            fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd_ >= 0 || errno != EEXIST) break;
        }
        if (fd_ < 0) path_.clear();
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    int close() {
        const int r = ::close(fd_);
        fd_ = -1;
        return r;
    }
    void keep() { path_.clear(); }

private:
    std::string path_;
    int fd_ = -1;
};

// Whether `dir` takes new files: access() first (cheap, clear errno), then a
// real temporary file, since access() says yes to root on a read-only
// mount's sibling paths and knows nothing of quotas or ACL surprises.
std::optional<std::string> directory_takes_files(const std::string& dir) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) return escaped(dir) + ": " + why(errno);
    if (!S_ISDIR(st.st_mode)) return escaped(dir) + ": " + why(ENOTDIR);
    if (::access(dir.c_str(), W_OK | X_OK) != 0) return escaped(dir) + ": " + why(errno);
    TempFile probe(dir, "slotcheck-probe");
    if (!probe.ok()) return escaped(dir) + ": " + why(errno);
    return std::nullopt;
}

}  // namespace

std::optional<std::string> write_file_atomically(const std::string& path, std::string_view text) {
    const std::string shown = escaped(path);
    std::string target = path;
    struct stat st{};
    std::optional<mode_t> mode;  // an existing file's, kept; a new file's is 0666 less the umask
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        // Replace what the link points to, not the link itself.
        std::error_code ec;
        const fs::path resolved = fs::weakly_canonical(path, ec);
        if (ec) return "cannot write " + shown + ": " + ec.message();
        target = resolved.string();
    }
    if (::stat(target.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return "cannot write " + shown + ": " + why(EISDIR);
        if (!S_ISREG(st.st_mode)) return "cannot write " + shown + ": not a regular file";
        mode = st.st_mode & 07777;
    } else if (errno != ENOENT) {
        return "cannot write " + shown + ": " + why(errno);
    }

    TempFile temp(directory_of(target), fs::path(target).filename().string());
    if (!temp.ok()) return "cannot write " + shown + ": cannot create a file in " + escaped(directory_of(target)) + ": " + why(errno);
    auto failed = [&](const char* step, int error) {
        return "cannot write " + shown + ": " + step + ": " + why(error) + " (the old file, if any, is unchanged)";
    };
    if (mode && ::fchmod(temp.fd(), *mode) != 0) return failed("fchmod", errno);
    for (size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(temp.fd(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failed("write", errno);
        if (n == 0) return failed("write", EIO);
        done += static_cast<size_t>(n);
    }
    if (::fsync(temp.fd()) != 0) return failed("fsync", errno);
    if (temp.close() != 0) return failed("close", errno);
    if (::rename(temp.path().c_str(), target.c_str()) != 0) return failed("rename", errno);
    temp.keep();
    // The rename itself is durable once the directory is synced; a failure
    // here cannot undo the write and is not worth failing the command for.
    Fd dir(::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return std::nullopt;
}

std::optional<std::string> check_output_file(const std::string& option, const std::string& path) {
    const std::string where = option + " " + escaped(path) + ": ";
    if (path.empty()) return option + ": an empty path";
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return where + why(EISDIR);
        if (!S_ISREG(st.st_mode)) return where + "not a regular file (output is written to a temporary file and renamed)";
    } else if (errno != ENOENT) {
        return where + why(errno);
    }
    if (auto e = directory_takes_files(directory_of(path))) return where + "cannot write there: " + *e;
    return std::nullopt;
}

std::optional<std::string> check_output_dir(const std::string& option, const std::string& path) {
    const std::string where = option + " " + escaped(path) + ": ";
    if (path.empty()) return option + ": an empty path";
    fs::path existing = path;
    struct stat st{};
    // Walk up to the nearest part of the path that exists.
    while (::stat(existing.c_str(), &st) != 0) {
        if (errno != ENOENT) return where + escaped(existing.string()) + ": " + why(errno);
        const fs::path parent = existing.parent_path();
        if (parent.empty() || parent == existing) {
            existing = ".";
            break;
        }
        existing = parent;
    }
    if (auto e = directory_takes_files(existing.string())) return where + "cannot write there: " + *e;
    return std::nullopt;
}

std::optional<std::string> create_directories(const std::string& path) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return "cannot create " + escaped(path) + ": " + ec.message();
    return std::nullopt;
}

}  // namespace slotcheck
