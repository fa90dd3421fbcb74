#include "prover/design.h"
#include "prover/designs/design_list.h"

namespace slotcheck::smt {

namespace {

// Every design, in the order of their numbers (a test holds the table to it).
std::vector<std::unique_ptr<Design>> make_all() {
    std::vector<std::unique_ptr<Design>> all;
    all.push_back(make_ofs_tree_unique());
    all.push_back(make_ofs_tree_all());
    all.push_back(make_ofs_tree_checked());
    all.push_back(make_per_slot_context());
    all.push_back(make_gfn_start_context());
    all.push_back(make_delta_context());
    all.push_back(make_per_file_bindings());
    return all;
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

const std::vector<const Design*>& designs() {
    static const std::vector<std::unique_ptr<Design>> owned = make_all();
    static const std::vector<const Design*> table = [] {
        std::vector<const Design*> t;
        for (const auto& d : owned) t.push_back(d.get());
        return t;
    }();
    return table;
}

const Design* find_design(const std::string& key) {
    for (const Design* d : designs())
        if (d->name() == key || std::to_string(d->number()) == key) return d;
    return nullptr;
}

}  // namespace slotcheck::smt
