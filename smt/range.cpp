#include "smt/range.h"

namespace slotcheck::smt {

Expr Obligations::path() const { return all_of(paths_); }

Expr Obligations::add(const Expr& a, const Expr& b, const std::string& what) {
    items_.push_back({path(), !add_overflows(a, b), what});
    return a + b;
}

Expr Obligations::sub(const Expr& a, const Expr& b, const std::string& what) {
    items_.push_back({path(), !sub_underflows(a, b), what});
    return a - b;
}

Obligations::Path::Path(Obligations& ob, const Expr& cond) : ob_(ob) { ob_.paths_.push_back(cond); }
Obligations::Path::~Path() { ob_.paths_.pop_back(); }

Expr Obligations::all_hold() const {
    std::vector<Expr> es;
    for (const Item& i : items_) es.push_back(implies(i.when, i.holds));
    return all_of(es);
}

void Obligations::append(const Obligations& other) {
    Expr p = path();
    for (const Item& i : other.items_) items_.push_back({p && i.when, i.holds, i.what});
}

Expr wraps(const Range& r) { return add_overflows(r.start, r.n); }

Expr end(const Range& r, Obligations& ob, const std::string& what) { return ob.add(r.start, r.n, what); }

Interval interval(const Range& r, Obligations& ob, const std::string& what) {
    return {r.start, end(r, ob, what)};
}

Expr contains(const Interval& i, const Expr& x) { return i.lo <= x && x < i.hi; }
Expr empty(const Interval& i) { return i.hi <= i.lo; }

Expr overlaps(const Interval& a, const Interval& b) {
    return !empty(a) && !empty(b) && a.lo < b.hi && b.lo < a.hi;
}

Expr within(const Interval& inner, const Interval& outer) {
    return empty(inner) || (outer.lo <= inner.lo && inner.hi <= outer.hi);
}

}  // namespace slotcheck::smt
