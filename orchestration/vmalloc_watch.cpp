#include "orchestration/vmalloc_watch.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <sstream>

#include "sys/meminfo.h"

namespace slotcheck::cli {

std::string encode_vmalloc(const VmallocSample& s) {
    return "start " + std::to_string(s.start) + "\npeak " + std::to_string(s.peak) + "\nnow " +
           std::to_string(s.now) + "\nbudget " + std::to_string(s.budget) + "\nsamples " +
           std::to_string(s.samples) + "\n";
}

std::optional<VmallocSample> decode_vmalloc(std::string_view payload) {
    std::istringstream in{std::string(payload)};
    VmallocSample s;
    for (auto [name, field] : {std::pair{"start", &s.start}, std::pair{"peak", &s.peak}, std::pair{"now", &s.now},
                               std::pair{"budget", &s.budget}, std::pair{"samples", &s.samples}}) {
        std::string key;
        if (!(in >> key >> *field) || key != name) return std::nullopt;
    }
    std::string rest;
    if (in >> rest || s.peak < s.start || s.peak < s.now) return std::nullopt;
    return s;
}

std::string describe_vmalloc(const VmallocSample& s) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(1);
    // MiB with one decimal: the exact bytes are in the JSON.
    auto mib = [](uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); };
    out << "VmallocUsed grew at most " << mib(s.growth()) << " MiB (" << mib(s.start) << " MiB at start, peak "
        << mib(s.peak) << " MiB, " << s.samples << " samples) of a budget of " << mib(s.budget) << " MiB";
    if (s.budget) out << " (" << 100.0 * static_cast<double>(s.growth()) / static_cast<double>(s.budget) << "%)";
    return out.str();
}

VmallocWatch::VmallocWatch(uint64_t budget, std::chrono::milliseconds period) : budget_(budget) {
    take_sample();
    if (!readable_) return;
    sampler_ = std::jthread([this, period](std::stop_token stop) {
        std::mutex m;
        std::condition_variable_any wake;
        std::unique_lock lock(m);
        while (!stop.stop_requested()) {
            wake.wait_for(lock, stop, period, [] { return false; });
            if (!stop.stop_requested()) take_sample();
        }
    });
}

VmallocWatch::~VmallocWatch() {
    if (sampler_.joinable()) {
        sampler_.request_stop();
        sampler_.join();
    }
}

void VmallocWatch::take_sample() {
    const auto used = meminfo_bytes("VmallocUsed");
    if (!used) return;
    if (!readable_.exchange(true)) start_ = *used;
    now_ = *used;
    uint64_t peak = peak_.load();
    while (*used > peak && !peak_.compare_exchange_weak(peak, *used)) {
    }
    ++samples_;
}

std::optional<VmallocSample> VmallocWatch::seen() const {
    if (!readable_) return std::nullopt;
    VmallocSample s;
    s.start = start_;
    s.now = now_;
    s.peak = std::max({peak_.load(), s.now, s.start});
    s.budget = budget_;
    s.samples = samples_;
    return s;
}

}  // namespace slotcheck::cli
