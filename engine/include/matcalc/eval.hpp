// Evaluators over Eigen: doubles, exact rationals (GMP mpq_class), and
// forward-mode dual numbers (Eigen AutoDiff) whose derivative part is the
// exact directional derivative; d(E) evaluates to the derivative part of E.
#pragma once
#include <gmpxx.h>

#include <Eigen/Dense>
#include <unordered_map>
#include <unsupported/Eigen/AutoDiff>

#include "matcalc/term.hpp"

namespace Eigen {
template <>
struct NumTraits<mpq_class> : GenericNumTraits<mpq_class> {
  using Real = mpq_class;
  using NonInteger = mpq_class;
  using Nested = mpq_class;
  using Literal = mpq_class;
  enum { IsInteger = 0, IsSigned = 1, IsComplex = 0, RequireInitialization = 1, ReadCost = 6, AddCost = 150, MulCost = 100 };
  static inline Real epsilon() { return 0; }
  static inline Real dummy_precision() { return 0; }
  static inline int digits10() { return 0; }
};
}  // namespace Eigen

namespace matcalc {

using Dual = Eigen::AutoDiffScalar<Eigen::Matrix<double, 1, 1>>;
template <class S>
using Matrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;

// Thrown by the rational evaluator for a function with no exact value (exp,
// log, sqrt …): the caller falls back to doubles.
class NotRational : public Error {
 public:
  explicit NotRational(const std::string& what) : Error(Category::Eval, what + " has no exact rational value") {}
};

// Powers the exact evaluator refuses (NotRational) although they are
// rational: an exponent past 4096, or a number's power past 2^22 bits, which
// GMP would compute past any deadline (it cannot be interrupted).
bool exactExponentRefused(const mpq_class& exponent);  // whatever the base
bool exactPowerRefused(const mpq_class& base, const mpq_class& exponent);

template <class S>
struct Bindings {
  std::unordered_map<Id, Matrix<S>> values;      // by the symbol's term id
  std::unordered_map<Dim, Eigen::Index> sizes;   // every dimension in use

  // Binds a symbol and records its dimensions' sizes (throws on a conflict).
  void bind(const Arena& arena, Id symbol, Matrix<S> value);
};

template <class S>
Matrix<S> evaluate(const Arena& arena, Id term, const Bindings<S>& bindings);

double toDouble(const double& s);
double toDouble(const mpq_class& s);
double toDouble(const Dual& s);

extern template struct Bindings<double>;
extern template struct Bindings<mpq_class>;
extern template struct Bindings<Dual>;
extern template Matrix<double> evaluate(const Arena&, Id, const Bindings<double>&);
extern template Matrix<mpq_class> evaluate(const Arena&, Id, const Bindings<mpq_class>&);
extern template Matrix<Dual> evaluate(const Arena&, Id, const Bindings<Dual>&);

}  // namespace matcalc
