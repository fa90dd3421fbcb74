#include <cstring>
#include <vector>

#include "model/world.h"

namespace slotcheck {

uint64_t PageStore::read(uint64_t byte_offset, uint8_t width) const {
    auto it = pages_.find(byte_offset / kPageSize);
    if (it == pages_.end()) return 0;
    uint64_t v = 0;
    std::memcpy(&v, it->second->data() + byte_offset % kPageSize, width);
    return v;
}

void PageStore::write(uint64_t byte_offset, uint8_t width, uint64_t value) {
    auto& page = pages_[byte_offset / kPageSize];
    if (!page) page = std::make_unique<Page>();  // value-initialised: zeros
    std::memcpy(page->data() + byte_offset % kPageSize, &value, width);
}

void PageStore::zero_page_part(uint64_t page_index, uint64_t begin, uint64_t end) {
    auto it = pages_.find(page_index);
    if (it == pages_.end()) return;
    const uint64_t page_begin = page_index * kPageSize, page_end = page_begin + kPageSize;
    if (begin <= page_begin && end >= page_end) {
        pages_.erase(it);
        return;
    }
    const uint64_t b = std::max(begin, page_begin), e = std::min(end, page_end);
    std::memset(it->second->data() + (b - page_begin), 0, e - b);
}

void PageStore::zero_bytes(uint64_t begin, uint64_t end) {
    if (begin >= end) return;
    const uint64_t first = begin / kPageSize, last = (end - 1) / kPageSize;
    // A punch of a huge range must not walk every page index in it: when
    // the range has more pages than the store, visit the store instead.
    if (last - first < pages_.size()) {
        for (uint64_t p = first; p <= last; ++p) zero_page_part(p, begin, end);
        return;
    }
    std::vector<uint64_t> hit;
    for (const auto& entry : pages_)
        if (entry.first >= first && entry.first <= last) hit.push_back(entry.first);
    for (uint64_t p : hit) zero_page_part(p, begin, end);
}

void PageStore::copy_page(const PageStore& from, uint64_t from_index, uint64_t to_index) {
    auto src = from.pages_.find(from_index);
    auto& page = pages_[to_index];
    page = std::make_unique<Page>();
    if (src != from.pages_.end()) *page = *src->second;
}

uint64_t PageStore::digest(uint64_t page_index) const {
    auto it = pages_.find(page_index);
    if (it == pages_.end()) return 0;  // page_digest of a zero page
    return page_digest(it->second->data());
}

}  // namespace slotcheck
