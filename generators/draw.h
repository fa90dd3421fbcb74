// Draws for code that runs inside rc::gen::exec: each call takes one value
// from the current RapidCheck source, so a generator built from them is
// deterministic for a given rc::Random and size, and shrinks like any other.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

namespace slotcheck::gen {

// True with the given probability, in percent.
inline bool chance(int percent) { return *rc::gen::inRange(0, 100) < percent; }

// Uniform in [0, n); n must be positive.
inline size_t below(size_t n) { return *rc::gen::inRange<size_t>(0, n); }

// Uniform in [lo, hi], both included.
inline uint64_t between(uint64_t lo, uint64_t hi) { return *rc::gen::inRange<uint64_t>(lo, hi + 1); }

template <class T>
const T& one_of(const std::vector<T>& items) {
    return items[below(items.size())];
}

template <class T>
T one_of(std::initializer_list<T> items) {
    return *(items.begin() + below(items.size()));
}

// One of the values, by weight. Weights may be zero (the value is never
// drawn), so callers can switch choices off by state; at least one must be
// positive.
template <class T>
T weighted(const std::vector<std::pair<size_t, T>>& choices) {
    size_t total = 0;
    for (const auto& c : choices) total += c.first;
    size_t r = below(total);
    for (const auto& c : choices) {
        if (r < c.first) return c.second;
        r -= c.first;
    }
    return choices.back().second;  // not reached: r < total
}

}  // namespace slotcheck::gen
