// What a fuzz campaign made the kernel hold, measured: VmallocUsed of
// /proc/meminfo, where KVM's large memslot metadata lives (rmaps,
// lpage_info, dirty bitmaps and attribute arrays beyond a few pages are
// kvcalloc'ed). Inside a VM under test, `slotcheck fuzz --events` samples it
// while the campaign runs and sends what it saw as a 'K' event frame next to
// its statistics; `slotcheck vm` reports the growth against the kernel
// memory budget the campaign kept its sequences to (model/kernel_memory.h
// is the estimate, this is the check on the real kernel).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace slotcheck::cli {

struct VmallocSample {
    uint64_t start = 0;   // VmallocUsed before the campaign's first sequence
    uint64_t peak = 0;    // the largest value sampled since
    uint64_t now = 0;     // the last value sampled
    uint64_t budget = 0;  // the campaign's kernel memory budget (all jobs together)
    uint64_t samples = 0;
    uint64_t growth() const { return peak > start ? peak - start : 0; }
};

// "start B\npeak B\nnow B\nbudget B\nsamples N\n"; decoding refuses
// anything else.
std::string encode_vmalloc(const VmallocSample& s);
std::optional<VmallocSample> decode_vmalloc(std::string_view payload);

// "VmallocUsed grew at most 3.1 MiB (12.0 MiB at start, peak 15.1 MiB, 600
// samples) of a budget of 256.0 MiB (1.2%)".
std::string describe_vmalloc(const VmallocSample& s);

// Samples VmallocUsed every `period` on a thread of its own (it only reads a
// file, so a campaign forking its workers meanwhile is safe) from
// construction to destruction.
class VmallocWatch {
public:
    // Nothing is sampled where /proc/meminfo has no VmallocUsed.
    VmallocWatch(uint64_t budget, std::chrono::milliseconds period);
    ~VmallocWatch();
    VmallocWatch(const VmallocWatch&) = delete;
    VmallocWatch& operator=(const VmallocWatch&) = delete;

    // What was seen so far; nothing when VmallocUsed cannot be read.
    std::optional<VmallocSample> seen() const;

private:
    void take_sample();

    uint64_t budget_;
    std::atomic<uint64_t> start_{0}, peak_{0}, now_{0}, samples_{0};
    std::atomic<bool> readable_{false};
    std::jthread sampler_;
};

}  // namespace slotcheck::cli
