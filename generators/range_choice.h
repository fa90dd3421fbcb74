// Ranges of pages placed relative to ranges that exist: the shapes where
// overlap checks break (exact, nested, partial and covering overlaps,
// adjacency on either side) and the ends of files. Used for gfn ranges of
// slots and for file-offset ranges of bindings, punches and mappings alike.
#pragma once

#include <cstdint>

namespace slotcheck::gen {

struct PageRange {
    uint64_t first = 0;
    uint64_t count = 0;
    uint64_t end() const { return first + count; }
};

enum class Relation : uint8_t {
    Exact,           // the same range
    Nested,          // inside it
    Covering,        // around it, reaching past both ends
    OverlapsStart,   // starts before it, ends inside it
    OverlapsEnd,     // starts inside it, ends after it
    AdjacentBefore,  // ends where it starts
    AdjacentAfter,   // starts where it ends
    Apart,           // after it, with a gap
};

bool overlaps(Relation r);

// A relation: overlapping ones with the given probability, else adjacent
// or apart.
Relation draw_relation(int overlap_percent);

// A range of about `count` pages (1 or more) in relation `r` to `to`. When
// the relation cannot be had (nothing fits before page 0), the closest
// one that can: AdjacentAfter for AdjacentBefore, OverlapsEnd (still a
// partial overlap) for OverlapsStart at page 0.
PageRange related_range(const PageRange& to, Relation r, uint64_t count);

// A range of `count` pages around the end of an object of `end_page` pages:
// ending exactly at it, ending one page past it, starting at it, or
// straddling it. Ranges never start below page 0.
PageRange range_at_end(uint64_t end_page, uint64_t count);

}  // namespace slotcheck::gen
