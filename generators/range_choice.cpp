#include "generators/range_choice.h"

#include <algorithm>

#include "generators/draw.h"

namespace slotcheck::gen {

bool overlaps(Relation r) {
    return r == Relation::Exact || r == Relation::Nested || r == Relation::Covering || r == Relation::OverlapsStart ||
           r == Relation::OverlapsEnd;
}

Relation draw_relation(int overlap_percent) {
    if (chance(overlap_percent))
        return one_of({Relation::Exact, Relation::Nested, Relation::Covering, Relation::OverlapsStart,
                       Relation::OverlapsEnd});
    return weighted<Relation>({{3, Relation::AdjacentBefore}, {3, Relation::AdjacentAfter}, {2, Relation::Apart}});
}

PageRange related_range(const PageRange& to, Relation r, uint64_t count) {
    count = std::max<uint64_t>(count, 1);
    const uint64_t n = std::max<uint64_t>(to.count, 1);
    switch (r) {
    case Relation::Exact: return {to.first, n};
    case Relation::Nested: {
        const uint64_t skip = between(0, n - 1);
        return {to.first + skip, between(1, n - skip)};
    }
    case Relation::Covering: {
        const uint64_t before = std::min<uint64_t>(to.first, between(1, 4));
        return {to.first - before, before + n + between(1, 4)};
    }
    case Relation::OverlapsStart: {
        if (to.first == 0) return related_range(to, Relation::OverlapsEnd, count);
        const uint64_t before = std::min(to.first, count);
        return {to.first - before, before + between(1, std::max<uint64_t>(n - 1, 1))};
    }
    case Relation::OverlapsEnd: {
        const uint64_t skip = n > 1 ? between(1, n - 1) : 0;
        return {to.first + skip, n - skip + count};
    }
    case Relation::AdjacentBefore:
        if (to.first == 0) return {to.first + n, count};
        count = std::min(count, to.first);
        return {to.first - count, count};
    case Relation::AdjacentAfter: return {to.first + n, count};
    case Relation::Apart: return {to.first + n + between(1, 16), count};
    }
    return {to.first, n};
}

PageRange range_at_end(uint64_t end_page, uint64_t count) {
    count = std::max<uint64_t>(count, 1);
    switch (below(4)) {
    case 0:  // ends exactly at the end
        return count <= end_page ? PageRange{end_page - count, count} : PageRange{0, end_page ? end_page : 1};
    case 1:  // ends one page past the end
        return count <= end_page + 1 ? PageRange{end_page + 1 - count, count} : PageRange{0, end_page + 1};
    case 2:  // starts at the end
        return {end_page, count};
    default: {  // straddles the end
        const uint64_t inside = std::min<uint64_t>(end_page, between(1, count));
        return {end_page - inside, inside + between(1, count)};
    }
    }
}

}  // namespace slotcheck::gen
