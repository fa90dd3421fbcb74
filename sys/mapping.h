// RAII owner of one mmap'ed range: unmapped exactly once, on destruction or
// on an explicit unmap() whose errno the caller may want to report.
#pragma once

#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace slotcheck {

class Mapping {
public:
    Mapping() = default;
    Mapping(void* addr, size_t size) : addr_(addr), size_(size) {}
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    Mapping(Mapping&& o) noexcept
        : addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    Mapping& operator=(Mapping&& o) noexcept {
        if (this != &o) {
            unmap();
            addr_ = std::exchange(o.addr_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    ~Mapping() { unmap(); }

    // mmap(2) wrapper: an invalid Mapping and errno set on failure.
    static Mapping map(void* hint, size_t size, int prot, int flags, int fd, off_t offset) {
        void* p = ::mmap(hint, size, prot, flags, fd, offset);
        if (p == MAP_FAILED) return {};
        return Mapping(p, size);
    }

    bool valid() const { return addr_ != nullptr; }
    explicit operator bool() const { return valid(); }
    void* get() const { return addr_; }
    uint8_t* bytes() const { return static_cast<uint8_t*>(addr_); }
    uintptr_t address() const { return reinterpret_cast<uintptr_t>(addr_); }
    size_t size() const { return size_; }

    // Unmaps now; returns 0 or the errno of munmap. The object is empty
    // afterwards either way (a failed munmap leaves nothing we could retry).
    int unmap() {
        int err = 0;
        if (addr_ != nullptr && ::munmap(addr_, size_) != 0) err = errno;
        addr_ = nullptr;
        size_ = 0;
        return err;
    }

private:
    void* addr_ = nullptr;
    size_t size_ = 0;
};

}  // namespace slotcheck
