#include "smt/expr.h"

#include "smt/ctx.h"

namespace slotcheck::smt {

namespace {

Encoding g_encoding = Encoding::Integer;

bool ints() { return g_encoding == Encoding::Integer; }

z3::sort bv_sort() { return ints() ? ctx().int_sort() : ctx().bv_sort(64); }

// 2^64 as an integer numeral.
z3::expr two64() { return ctx().int_val("18446744073709551616"); }

Expr out(const z3::expr& e) { return Expr::from_ast(e); }

z3::expr in(const Expr& e) { return wrap(e.ast()); }

}  // namespace

Expr::Expr(const Expr& other) : ast_(other.ast_) {
    if (ast_) Z3_inc_ref(ctx(), ast_);
}

Expr::Expr(Expr&& other) noexcept : ast_(other.ast_) { other.ast_ = nullptr; }

Expr& Expr::operator=(const Expr& other) {
    if (other.ast_) Z3_inc_ref(ctx(), other.ast_);
    if (ast_) Z3_dec_ref(ctx(), ast_);
    ast_ = other.ast_;
    return *this;
}

Expr& Expr::operator=(Expr&& other) noexcept {
    if (this != &other) {
        if (ast_) Z3_dec_ref(ctx(), ast_);
        ast_ = other.ast_;
        other.ast_ = nullptr;
    }
    return *this;
}

Expr::~Expr() {
    if (ast_) Z3_dec_ref(ctx(), ast_);
}

Expr Expr::from_ast(Z3_ast a) {
    Expr e;
    e.ast_ = a;
    if (a) Z3_inc_ref(ctx(), a);
    return e;
}

Expr Expr::bv(uint64_t value) { return out(ints() ? ctx().int_val(value) : ctx().bv_val(value, 64)); }
Expr Expr::var(const std::string& name) { return out(ctx().constant(name.c_str(), bv_sort())); }
Expr Expr::boolean(bool value) { return out(ctx().bool_val(value)); }
Expr Expr::bool_var(const std::string& name) { return out(ctx().bool_const(name.c_str())); }

Expr Expr::bv_array_var(const std::string& name) {
    return out(ctx().constant(name.c_str(), ctx().array_sort(bv_sort(), bv_sort())));
}

Expr Expr::bool_array_var(const std::string& name) {
    return out(ctx().constant(name.c_str(), ctx().array_sort(bv_sort(), ctx().bool_sort())));
}

Expr Expr::bool_array_const(bool value) {
    return out(z3::const_array(bv_sort(), ctx().bool_val(value)));
}

bool Expr::is_bool() const { return in(*this).is_bool(); }
bool Expr::is_true() const { return in(*this).is_true(); }
bool Expr::is_false() const { return in(*this).is_false(); }

bool Expr::numeral(uint64_t& value) const {
    z3::expr e = in(*this).simplify();
    if (!e.is_numeral()) return false;
    value = e.get_numeral_uint64();
    return true;
}

Expr Expr::simplify() const { return out(in(*this).simplify()); }
std::string Expr::to_string() const { return valid() ? in(*this).to_string() : "<null>"; }

Expr operator+(const Expr& a, const Expr& b) {
    if (!ints()) return out(in(a) + in(b));
    z3::expr sum = in(a) + in(b);
    return out(z3::ite(sum >= two64(), sum - two64(), sum));
}

Expr operator-(const Expr& a, const Expr& b) {
    if (!ints()) return out(in(a) - in(b));
    z3::expr diff = in(a) - in(b);
    return out(z3::ite(in(a) >= in(b), diff, diff + two64()));
}
Expr operator+(const Expr& a, uint64_t b) { return a + Expr::bv(b); }
Expr operator-(const Expr& a, uint64_t b) { return a - Expr::bv(b); }

Expr operator<(const Expr& a, const Expr& b) { return out(ints() ? in(a) < in(b) : z3::ult(in(a), in(b))); }
Expr operator<=(const Expr& a, const Expr& b) { return out(ints() ? in(a) <= in(b) : z3::ule(in(a), in(b))); }
Expr operator>(const Expr& a, const Expr& b) { return out(ints() ? in(a) > in(b) : z3::ugt(in(a), in(b))); }
Expr operator>=(const Expr& a, const Expr& b) { return out(ints() ? in(a) >= in(b) : z3::uge(in(a), in(b))); }
Expr operator<(const Expr& a, uint64_t b) { return a < Expr::bv(b); }
Expr operator<=(const Expr& a, uint64_t b) { return a <= Expr::bv(b); }
Expr operator>(const Expr& a, uint64_t b) { return a > Expr::bv(b); }
Expr operator>=(const Expr& a, uint64_t b) { return a >= Expr::bv(b); }

Expr operator==(const Expr& a, const Expr& b) { return out(in(a) == in(b)); }
Expr operator!=(const Expr& a, const Expr& b) { return out(in(a) != in(b)); }
Expr operator==(const Expr& a, uint64_t b) { return a == Expr::bv(b); }
Expr operator!=(const Expr& a, uint64_t b) { return a != Expr::bv(b); }

Expr operator&&(const Expr& a, const Expr& b) {
    if (a.is_true()) return b;
    if (b.is_true()) return a;
    if (a.is_false() || b.is_false()) return Expr::boolean(false);
    return out(in(a) && in(b));
}

Expr operator||(const Expr& a, const Expr& b) {
    if (a.is_false()) return b;
    if (b.is_false()) return a;
    if (a.is_true() || b.is_true()) return Expr::boolean(true);
    return out(in(a) || in(b));
}

Expr operator!(const Expr& a) {
    if (a.is_true()) return Expr::boolean(false);
    if (a.is_false()) return Expr::boolean(true);
    return out(!in(a));
}

Expr implies(const Expr& a, const Expr& b) { return !a || b; }

Expr ite(const Expr& c, const Expr& then_e, const Expr& else_e) {
    if (c.is_true()) return then_e;
    if (c.is_false()) return else_e;
    return out(z3::ite(in(c), in(then_e), in(else_e)));
}

Expr all_of(const std::vector<Expr>& es) {
    Expr r = Expr::boolean(true);
    for (const Expr& e : es) r = r && e;
    return r;
}

Expr any_of(const std::vector<Expr>& es) {
    Expr r = Expr::boolean(false);
    for (const Expr& e : es) r = r || e;
    return r;
}

Expr all_of(std::initializer_list<Expr> es) { return all_of(std::vector<Expr>(es)); }
Expr any_of(std::initializer_list<Expr> es) { return any_of(std::vector<Expr>(es)); }

Expr umin(const Expr& a, const Expr& b) { return ite(a <= b, a, b); }
Expr umax(const Expr& a, const Expr& b) { return ite(a >= b, a, b); }

Expr add_overflows(const Expr& a, const Expr& b) {
    if (ints()) return out(in(a) + in(b) >= two64());
    return out(!z3::expr(ctx(), Z3_mk_bvadd_no_overflow(ctx(), a.ast(), b.ast(), false)));
}

Expr sub_underflows(const Expr& a, const Expr& b) { return a < b; }

Expr select(const Expr& array, const Expr& index) { return out(z3::select(in(array), in(index))); }

Expr store(const Expr& array, const Expr& index, const Expr& value) {
    return out(z3::store(in(array), in(index), in(value)));
}

void set_encoding(Encoding e) { g_encoding = e; }
Encoding encoding() { return g_encoding; }

}  // namespace slotcheck::smt
