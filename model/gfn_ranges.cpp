#include "model/gfn_ranges.h"

#include <algorithm>

namespace slotcheck {

void GfnRangeSet::assign(uint64_t begin, uint64_t end, bool on) {
    if (begin >= end) return;
    // Cut every range that overlaps or touches [begin, end) out of the map,
    // remembering what lies outside [begin, end), then put back the pieces
    // (and the new range when adding), merged with touching neighbours.
    uint64_t new_begin = begin, new_end = end;
    auto it = ranges_.upper_bound(begin);
    if (it != ranges_.begin() && std::prev(it)->second >= begin) --it;
    while (it != ranges_.end() && it->first <= end) {
        const uint64_t b = it->first, e = it->second;
        it = ranges_.erase(it);
        size_ -= e - b;
        if (on) {
            new_begin = std::min(new_begin, b);
            new_end = std::max(new_end, e);
        } else {
            if (b < begin) {
                ranges_.emplace(b, begin);
                size_ += begin - b;
            }
            if (e > end) {
                ranges_.emplace(end, e);
                size_ += e - end;
            }
        }
    }
    if (on) {
        ranges_.emplace(new_begin, new_end);
        size_ += new_end - new_begin;
    }
}

uint64_t GfnRangeSet::count_in(uint64_t begin, uint64_t end) const {
    if (begin >= end) return 0;
    uint64_t n = 0;
    auto it = ranges_.upper_bound(begin);
    if (it != ranges_.begin()) --it;
    for (; it != ranges_.end() && it->first < end; ++it) {
        const uint64_t b = std::max(it->first, begin), e = std::min(it->second, end);
        if (e > b) n += e - b;
    }
    return n;
}

bool GfnRangeSet::contains(uint64_t gfn) const {
    auto it = ranges_.upper_bound(gfn);
    return it != ranges_.begin() && std::prev(it)->second > gfn;
}

bool GfnRangeSet::intersects(uint64_t begin, uint64_t end) const {
    if (begin >= end) return false;
    auto it = ranges_.lower_bound(end);  // first range starting at or after end
    return it != ranges_.begin() && std::prev(it)->second > begin;
}

}  // namespace slotcheck
