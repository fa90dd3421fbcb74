#include "generators/values.h"

#include "seq/layout.h"

namespace slotcheck::gen {

rc::Gen<uint64_t> interesting_u64() {
    return rc::gen::weightedOneOf<uint64_t>({
        {4, rc::gen::map(rc::gen::inRange<uint64_t>(0, 64), [](uint64_t n) { return n * kPageSize; })},
        {2, rc::gen::map(rc::gen::pair(rc::gen::inRange<uint64_t>(0, 64), rc::gen::element<int64_t>(-1, 1, 8, 100)),
                         [](std::pair<uint64_t, int64_t> p) { return p.first * kPageSize + p.second; })},
        {2, rc::gen::map(rc::gen::pair(rc::gen::inRange<int>(0, 64), rc::gen::element<int64_t>(-4096, -1, 0, 1)),
                         [](std::pair<int, int64_t> p) { return (uint64_t{1} << p.first) + p.second; })},
        {1, rc::gen::element<uint64_t>(0, UINT64_MAX, UINT64_MAX - 4095, 1ull << 63, (1ull << 63) - 4096,
                                       ((1ull << 31) - 1) * kPageSize, (1ull << 31) * kPageSize, 1ull << 52,
                                       (1ull << 47) - 4096, 0x7ffffffff000ull)},
        {1, rc::gen::arbitrary<uint64_t>()},
    });
}

rc::Gen<uint64_t> page_value(uint64_t limit_pages, int unaligned_percent) {
    return rc::gen::map(
        rc::gen::pair(rc::gen::inRange<uint64_t>(0, limit_pages), rc::gen::inRange(0, 100)),
        [unaligned_percent](std::pair<uint64_t, int> p) {
            return p.first * kPageSize + (p.second < unaligned_percent ? uint64_t(p.second % 7 + 1) * 8 : 0);
        });
}

rc::Gen<uint64_t> size_value() {
    return rc::gen::weightedOneOf<uint64_t>({
        {8, rc::gen::map(rc::gen::inRange<uint64_t>(1, 17), [](uint64_t n) { return n * kPageSize; })},
        {1, rc::gen::just<uint64_t>(0)},
        {1, interesting_u64()},
    });
}

rc::Gen<uint64_t> near_top_u64() {
    constexpr uint64_t kTop63 = 1ull << 63;
    return rc::gen::element<uint64_t>(kTop63 - kPageSize, kTop63 - 1, kTop63, kTop63 + kPageSize, UINT64_MAX - kPageSize + 1,
                                      UINT64_MAX - 2 * kPageSize + 1, UINT64_MAX);
}

rc::Gen<uint64_t> misalignment() { return rc::gen::element<uint64_t>(1, 8, kPageSize / 2, kPageSize - 1); }

rc::Gen<uint64_t> written_value() {
    return rc::gen::weightedOneOf<uint64_t>({
        {3, rc::gen::inRange<uint64_t>(1, 0x10000)},
        {1, rc::gen::inRange<uint64_t>(1, UINT64_MAX)},
    });
}

}  // namespace slotcheck::gen
