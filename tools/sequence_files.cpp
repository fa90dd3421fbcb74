#include "tools/sequence_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "sys/quoted.h"

namespace slotcheck::cli {

namespace {

std::string failure(const std::string& path, int error) { return escaped(path) + ": " + std::strerror(error); }

// What a path that is neither a regular file nor a directory is.
const char* kind_of(mode_t mode) {
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// stat() with the reason a symlink does not lead anywhere spelled out.
std::optional<std::string> stat_following(const std::string& path, struct stat& st) {
    if (::stat(path.c_str(), &st) == 0) return std::nullopt;
    const int error = errno;
    struct stat link{};
    if (error == ENOENT && ::lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
        return escaped(path) + ": dangling symbolic link: " + std::strerror(error);
    return failure(path, error);
}

std::optional<std::string> check_regular(const std::string& path, const struct stat& st) {
    if (!S_ISREG(st.st_mode))
        return escaped(path) + ": " + kind_of(st.st_mode) + ", not a sequence file";
    if (::access(path.c_str(), R_OK) != 0) return failure(path, errno);
    return std::nullopt;
}

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

// Walks `dir`, adding every *.seq below it to `files`. `ancestors` are the
// directories being walked (device, inode), to find a symlink loop.
std::optional<std::string> walk(const std::string& dir, std::vector<std::pair<dev_t, ino_t>>& ancestors,
                                std::vector<std::string>& files) {
    std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
    if (!d) return failure(dir, errno);
    std::vector<std::string> names;
    while (true) {
        errno = 0;
        const dirent* e = ::readdir(d.get());
        if (!e) {
            if (errno) return failure(dir, errno);
            break;
        }
        const std::string name = e->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        const std::string path = dir + (dir.back() == '/' ? "" : "/") + name;
        struct stat st{};
        if (auto e = stat_following(path, st)) return e;
        if (S_ISDIR(st.st_mode)) {
            const std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
            if (std::find(ancestors.begin(), ancestors.end(), id) != ancestors.end())
                return failure(path, ELOOP) + " (a symbolic link back to a directory above it)";
            ancestors.push_back(id);
            auto e = walk(path, ancestors, files);
            ancestors.pop_back();
            if (e) return e;
        } else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".seq") == 0) {
            if (auto e = check_regular(path, st)) return e;
            files.push_back(path);
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> check_sequence_file(const std::string& path) {
    struct stat st{};
    if (auto e = stat_following(path, st)) return e;
    if (S_ISDIR(st.st_mode)) return failure(path, EISDIR);
    return check_regular(path, st);
}

std::vector<std::string> collect_files(const std::vector<std::string>& paths, std::string& error) {
    std::vector<std::string> files;
    for (const auto& p : paths) {
        struct stat st{};
        if (auto e = stat_following(p, st)) {
            error = *e;
            return {};
        }
        if (S_ISDIR(st.st_mode)) {
            std::vector<std::string> found;
            std::vector<std::pair<dev_t, ino_t>> ancestors{{st.st_dev, st.st_ino}};
            if (auto e = walk(p, ancestors, found)) {
                error = *e;
                return {};
            }
            std::sort(found.begin(), found.end());
            if (found.empty()) {
                error = escaped(p) + ": no *.seq files in this directory";
                return {};
            }
            files.insert(files.end(), found.begin(), found.end());
        } else if (auto e = check_regular(p, st)) {
            error = *e;
            return {};
        } else {
            files.push_back(p);
        }
    }
    return files;
}

}  // namespace slotcheck::cli
