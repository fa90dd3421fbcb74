// 64-bit ranges [start, start + n) and checked arithmetic.
//
// Every computation that must not wrap goes through Obligations: it returns
// the modular result and records "this must not wrap whenever the current
// path holds". The `no-wrap` property asks Z3 whether any recorded
// obligation can fail in an accepted step. Arithmetic that is modular on
// purpose (design 6's delta) uses the plain operators of expr.h and says so.
#pragma once

#include <string>
#include <vector>

#include "smt/expr.h"

namespace slotcheck::smt {

class Obligations {
public:
    struct Item {
        Expr when;         // the path condition under which it was computed
        Expr holds;        // the no-wrap condition
        std::string what;  // "slot base + npages", for the trace
    };

    // Checked arithmetic: returns a + b (a - b) and records that it must not
    // wrap on the current path.
    Expr add(const Expr& a, const Expr& b, const std::string& what);
    Expr sub(const Expr& a, const Expr& b, const std::string& what);

    // A path condition for everything recorded while the guard lives.
    class Path {
    public:
        Path(Obligations& ob, const Expr& cond);
        ~Path();
        Path(const Path&) = delete;
        Path& operator=(const Path&) = delete;
    private:
        Obligations& ob_;
    };

    const std::vector<Item>& items() const { return items_; }
    // Every obligation holds (each under its path).
    Expr all_hold() const;
    void append(const Obligations& other);

private:
    Expr path() const;
    std::vector<Item> items_;
    std::vector<Expr> paths_;
};

// [start, start + n)
struct Range {
    Expr start;
    Expr n;
};

// [lo, hi): empty when hi <= lo.
struct Interval {
    Expr lo;
    Expr hi;
};

// True when start + n does not fit in 64 bits.
Expr wraps(const Range& r);
// start + n, recorded as an obligation.
Expr end(const Range& r, Obligations& ob, const std::string& what);
Interval interval(const Range& r, Obligations& ob, const std::string& what);

Expr contains(const Interval& i, const Expr& x);
Expr empty(const Interval& i);
// Both non-empty and sharing at least one element.
Expr overlaps(const Interval& a, const Interval& b);
// Every element of inner is in outer (an empty inner is within anything).
Expr within(const Interval& inner, const Interval& outer);

}  // namespace slotcheck::smt
