// A Z3 expression: a 64-bit bit-vector, a boolean, or an array (file id ->
// value). The only expression type above this layer; nothing outside
// smt/*.cpp sees a Z3 header.
//
// 64-bit values are unsigned: <, <=, >, >= compare unsigned, + and - wrap
// modulo 2^64 (see Encoding for how Z3 sees them). Code that must not wrap uses range.h (checked arithmetic with
// recorded obligations) or asks add_overflows()/sub_underflows() itself.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

typedef struct _Z3_ast* Z3_ast;

namespace slotcheck::smt {

// How a 64-bit value is represented in Z3. Both encodings have exactly the
// semantics of 64-bit unsigned bit-vectors (wrap-around included):
//  - Integer (default): a Z3 integer confined to [0, 2^64), with + and -
//    reduced modulo 2^64 by an if-then-else. Linear integer arithmetic proves
//    the reverse-math identities in milliseconds where bit-blasting times out
//    (docs/proofs.md, "Why integers").
//  - BitVector: Z3's 64-bit bit-vectors; used to re-check counterexamples.
// Set it before building any expression; expressions of the two encodings
// do not mix.
enum class Encoding : uint8_t { Integer, BitVector };
void set_encoding(Encoding e);
Encoding encoding();

class Expr {
public:
    Expr() = default;
    Expr(const Expr& other);
    Expr(Expr&& other) noexcept;
    Expr& operator=(const Expr& other);
    Expr& operator=(Expr&& other) noexcept;
    ~Expr();

    // --- constructors
    static Expr bv(uint64_t value);                 // 64-bit numeral
    static Expr var(const std::string& name);       // 64-bit variable
    static Expr boolean(bool value);
    static Expr bool_var(const std::string& name);
    // Arrays indexed by 64-bit values (file ids).
    static Expr bv_array_var(const std::string& name);    // bv64 -> bv64
    static Expr bool_array_var(const std::string& name);  // bv64 -> bool
    static Expr bool_array_const(bool value);             // every index maps to value

    bool valid() const { return ast_ != nullptr; }
    bool is_bool() const;
    bool is_true() const;   // syntactically the literal true
    bool is_false() const;  // syntactically the literal false
    // The value when this is a numeral (after simplification), else false.
    bool numeral(uint64_t& out) const;
    Expr simplify() const;
    std::string to_string() const;

    Z3_ast ast() const { return ast_; }
    static Expr from_ast(Z3_ast a);  // takes a new reference

private:
    Z3_ast ast_ = nullptr;
};

// --- bit-vector arithmetic (modulo 2^64)
Expr operator+(const Expr& a, const Expr& b);
Expr operator-(const Expr& a, const Expr& b);
Expr operator+(const Expr& a, uint64_t b);
Expr operator-(const Expr& a, uint64_t b);

// --- unsigned comparisons
Expr operator<(const Expr& a, const Expr& b);
Expr operator<=(const Expr& a, const Expr& b);
Expr operator>(const Expr& a, const Expr& b);
Expr operator>=(const Expr& a, const Expr& b);
Expr operator<(const Expr& a, uint64_t b);
Expr operator<=(const Expr& a, uint64_t b);
Expr operator>(const Expr& a, uint64_t b);
Expr operator>=(const Expr& a, uint64_t b);

// --- equality (bit-vectors, booleans, arrays)
Expr operator==(const Expr& a, const Expr& b);
Expr operator!=(const Expr& a, const Expr& b);
Expr operator==(const Expr& a, uint64_t b);
Expr operator!=(const Expr& a, uint64_t b);

// --- booleans
Expr operator&&(const Expr& a, const Expr& b);
Expr operator||(const Expr& a, const Expr& b);
Expr operator!(const Expr& a);
Expr implies(const Expr& a, const Expr& b);
Expr ite(const Expr& c, const Expr& then_e, const Expr& else_e);
Expr all_of(const std::vector<Expr>& es);  // true when empty
Expr any_of(const std::vector<Expr>& es);  // false when empty
Expr all_of(std::initializer_list<Expr> es);
Expr any_of(std::initializer_list<Expr> es);

// --- helpers
Expr umin(const Expr& a, const Expr& b);
Expr umax(const Expr& a, const Expr& b);
// True when a + b does not fit in 64 bits (unsigned).
Expr add_overflows(const Expr& a, const Expr& b);
// True when a - b is negative (unsigned a < b).
Expr sub_underflows(const Expr& a, const Expr& b);

// --- arrays
Expr select(const Expr& array, const Expr& index);
Expr store(const Expr& array, const Expr& index, const Expr& value);

}  // namespace slotcheck::smt
