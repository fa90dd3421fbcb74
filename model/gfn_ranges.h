// A set of guest frame numbers kept as disjoint, coalesced [begin, end)
// ranges: the PRIVATE memory attribute of one VM (kvm->mem_attr_array).
// Attribute changes name ranges of any length, so the set is kept by range,
// never by page: O(log n + ranges touched) per change or lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace slotcheck {

class GfnRangeSet {
public:
    // Adds (on) or removes (off) every gfn of [begin, end); end > begin.
    void assign(uint64_t begin, uint64_t end, bool on);
    bool contains(uint64_t gfn) const;
    bool intersects(uint64_t begin, uint64_t end) const;
    bool empty() const { return ranges_.empty(); }
    // How many gfns the set holds, in how many ranges (kept as it changes).
    uint64_t size() const { return size_; }
    size_t range_count() const { return ranges_.size(); }
    // How many gfns of [begin, end) the set holds: O(log n + ranges inside).
    uint64_t count_in(uint64_t begin, uint64_t end) const;
    // begin -> end, disjoint and coalesced (no two ranges touch).
    const std::map<uint64_t, uint64_t>& ranges() const { return ranges_; }

private:
    std::map<uint64_t, uint64_t> ranges_;
    uint64_t size_ = 0;
};

}  // namespace slotcheck
