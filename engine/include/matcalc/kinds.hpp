// The one list of node kinds. Everything that dispatches on a kind (the enum,
// names, the parser's function table, shape rules, printers, evaluators) is
// generated from or checked against this list; switches over Kind have no
// default, so a kind added here and forgotten elsewhere fails to compile.
#pragma once
#include <cstdint>
#include <string_view>

namespace matcalc {

// How a kind is written and how its shape is formed.
enum class Form : std::uint8_t {
  Leaf,         // symbol, number, I, 0, ones
  Operator,     // infix / postfix syntax
  Function,     // name(args), own shape rule
  Elementwise,  // name(arg), applied entry by entry: shape kept
};

//  X(Kind,        surface name, arity (-1: n-ary), Form)
#define MATCALC_KINDS(X)                              \
  X(Symbol,       "",          0, Leaf)               \
  X(Number,       "",          0, Leaf)               \
  X(Identity,     "I",         0, Leaf)               \
  X(Zero,         "zeros",     0, Leaf)               \
  X(Ones,         "ones",      0, Leaf)               \
  X(Add,          "+",        -1, Operator)           \
  X(Scale,        "*",        -1, Operator)           \
  X(Mul,          "*",        -1, Operator)           \
  X(Hadamard,     ".*",       -1, Operator)           \
  X(HadamardDiv,  "./",        2, Operator)           \
  X(HadamardPow,  ".^",        2, Operator)           \
  X(Pow,          "^",         2, Operator)           \
  X(MatPow,       "^",         2, Operator)           \
  X(Transpose,    "'",         1, Operator)           \
  X(Inner,        "<,>",       2, Operator)           \
  X(Inverse,      "inv",       1, Function)           \
  X(Trace,        "tr",        1, Function)           \
  X(Det,          "det",       1, Function)           \
  X(LogDet,       "logdet",    1, Function)           \
  X(Sum,          "sum",       1, Function)           \
  X(Norm1,        "norm1",     1, Function)           \
  X(Norm2,        "norm2",     1, Function)           \
  X(LogSumExp,    "logsumexp", 1, Function)           \
  X(Softmax,      "softmax",   1, Function)           \
  X(DiagMatrix,   "diag",      1, Function)           \
  X(DiagVector,   "diag",      1, Function)           \
  X(Differential, "d",         1, Function)           \
  X(Kron,         "kron",      2, Function)           \
  X(Vec,          "vec",       1, Function)           \
  X(Commutation,  "commutation", 1, Function)         \
  X(Expm,         "expm",      1, Function)           \
  X(Logm,         "logm",      1, Function)           \
  X(Sqrtm,        "sqrtm",     1, Function)           \
  X(DExpm,        "dexpm",     2, Function)           \
  X(DLogm,        "dlogm",     2, Function)           \
  X(DSqrtm,       "dsqrtm",    2, Function)           \
  X(KExpm,        "kexpm",     1, Function)           \
  X(KLogm,        "klogm",     1, Function)           \
  X(KSqrtm,       "ksqrtm",    1, Function)           \
  X(D2Expm,       "d2expm",    3, Function)           \
  X(D2Logm,       "d2logm",    3, Function)           \
  X(D2Sqrtm,      "d2sqrtm",   3, Function)           \
  X(K2Expm,       "k2expm",    2, Function)           \
  X(K2Logm,       "k2logm",    2, Function)           \
  X(K2Sqrtm,      "k2sqrtm",   2, Function)           \
  X(Exp,          "exp",       1, Elementwise)        \
  X(Log,          "log",       1, Elementwise)        \
  X(Sqrt,         "sqrt",      1, Elementwise)        \
  X(Sin,          "sin",       1, Elementwise)        \
  X(Cos,          "cos",       1, Elementwise)        \
  X(Tanh,         "tanh",      1, Elementwise)        \
  X(Sinh,         "sinh",      1, Elementwise)        \
  X(Cosh,         "cosh",      1, Elementwise)        \
  X(Sigmoid,      "sigmoid",   1, Elementwise)        \
  X(Relu,         "relu",      1, Elementwise)        \
  X(Abs,          "abs",       1, Elementwise)        \
  X(Sign,         "sign",      1, Elementwise)        \
  X(Step,         "step",      1, Elementwise)

enum class Kind : std::uint8_t {
#define MATCALC_ENUM(k, name, arity, form) k,
  MATCALC_KINDS(MATCALC_ENUM)
#undef MATCALC_ENUM
};

// The Fréchet derivative a Kronecker form stands for (kexpm -> dexpm,
// k2expm -> d2expm): the evaluator and the printers build the form from it.
constexpr Kind frechetOfKroneckerForm(Kind k) {
  return k == Kind::KExpm    ? Kind::DExpm
         : k == Kind::KLogm  ? Kind::DLogm
         : k == Kind::KSqrtm ? Kind::DSqrtm
         : k == Kind::K2Expm ? Kind::D2Expm
         : k == Kind::K2Logm ? Kind::D2Logm
                             : Kind::D2Sqrtm;
}

struct KindInfo {
  std::string_view id;       // the enumerator's name, for diagnostics
  std::string_view surface;  // how it is written
  int arity;                 // -1: n-ary
  Form form;
};

inline constexpr KindInfo kKindInfo[] = {
#define MATCALC_INFO(k, name, arity, form) {#k, name, arity, Form::form},
    MATCALC_KINDS(MATCALC_INFO)
#undef MATCALC_INFO
};

constexpr const KindInfo& info(Kind k) { return kKindInfo[static_cast<int>(k)]; }

// Operators whose operands are flattened and sorted (associative, commutative).
constexpr bool isAC(Kind k) {
  return k == Kind::Add || k == Kind::Scale || k == Kind::Hadamard;
}

}  // namespace matcalc
