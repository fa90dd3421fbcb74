// RAII owner of one file descriptor: every fd the harness opens lives in one
// of these, so no path (error, early return, exception) leaks it.
#pragma once

#include <unistd.h>

#include <utility>

namespace slotcheck {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    explicit operator bool() const { return valid(); }

    // Gives up ownership without closing.
    int release() { return std::exchange(fd_, -1); }

    // Closes the current fd (if any) and owns `fd`. Returns close()'s result
    // for the old fd (0 when there was none) so callers that report close's
    // errno can do so.
    int reset(int fd = -1) {
        int rc = 0;
        if (fd_ >= 0) rc = ::close(fd_);
        fd_ = fd;
        return rc;
    }

private:
    int fd_ = -1;
};

}  // namespace slotcheck
