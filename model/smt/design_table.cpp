#include <algorithm>

#include "model/smt/design.h"

namespace slotcheck::smt {

namespace {

std::vector<std::unique_ptr<Design>>& owned() {
    static std::vector<std::unique_ptr<Design>> table;
    return table;
}

std::vector<const Design*>& sorted() {
    static std::vector<const Design*> table;
    return table;
}

}  // namespace

Expr zapped(const std::vector<Zap>& zaps, const Expr& as, const Expr& gfn) {
    std::vector<Expr> es;
    for (const Zap& z : zaps) {
        Expr e = z.when && z.as == as && contains(z.gfns, gfn);
        if (z.only) e = e && z.only(gfn);
        es.push_back(e);
    }
    return any_of(es);
}

void register_design(std::unique_ptr<Design> d) {
    sorted().push_back(d.get());
    owned().push_back(std::move(d));
    std::sort(sorted().begin(), sorted().end(),
              [](const Design* a, const Design* b) { return a->number() < b->number(); });
}

const std::vector<const Design*>& designs() { return sorted(); }

const Design* find_design(const std::string& key) {
    for (const Design* d : designs())
        if (d->name() == key || std::to_string(d->number()) == key) return d;
    return nullptr;
}

}  // namespace slotcheck::smt
