// What the evaluator needs of a scalar type, one overload set per type.
#pragma once
#include <limits>
#include <cmath>

#include "matcalc/eval.hpp"

namespace matcalc::ops {

// double
inline double from(const mpq_class& q, double) { return q.get_d(); }
inline double magnitude(double x) { return std::fabs(x); }
inline double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
inline double relu(double x) { return x > 0 ? x : 0; }
inline double sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }
inline double step(double x) { return x > 0 ? 1 : 0; }
inline double power(double x, double p) { return std::pow(x, p); }
using std::cos;
using std::exp;
using std::log;
using std::sin;
using std::sqrt;
using std::cosh;
using std::sinh;
using std::tanh;
inline double absolute(double x) { return std::fabs(x); }

// mpq_class: exact, or NotRational
inline mpq_class from(const mpq_class& q, const mpq_class&) { return q; }
inline double magnitude(const mpq_class& x) { return x == 0 ? 0.0 : std::fabs(x.get_d()) + 1e-300; }
[[noreturn]] inline mpq_class inexact(const char* f) { throw NotRational(f); }
inline mpq_class exp(const mpq_class&) { inexact("exp"); }
inline mpq_class log(const mpq_class&) { inexact("log"); }
inline mpq_class sqrt(const mpq_class&) { inexact("sqrt"); }
inline mpq_class sin(const mpq_class&) { inexact("sin"); }
inline mpq_class cos(const mpq_class&) { inexact("cos"); }
inline mpq_class tanh(const mpq_class&) { inexact("tanh"); }
inline mpq_class sinh(const mpq_class&) { inexact("sinh"); }
inline mpq_class cosh(const mpq_class&) { inexact("cosh"); }
inline mpq_class sigmoid(const mpq_class&) { inexact("sigmoid"); }
inline mpq_class relu(const mpq_class& x) { return x > 0 ? x : mpq_class(0); }
inline mpq_class absolute(const mpq_class& x) { return abs(x); }
inline mpq_class sign(const mpq_class& x) { return sgn(x); }
inline mpq_class step(const mpq_class& x) { return x > 0 ? 1 : 0; }
mpq_class power(const mpq_class& x, const mpq_class& p);  // integer p only

// Dual: value and directional derivative
inline Dual from(const mpq_class& q, const Dual&) { return Dual(q.get_d()); }
inline double magnitude(const Dual& x) { return std::fabs(x.value()); }
inline Dual constantLike(double v) { return Dual(v, Eigen::Matrix<double, 1, 1>::Zero()); }
inline Dual sigmoid(const Dual& x) {
  double s = 1 / (1 + std::exp(-x.value()));
  return Dual(s, x.derivatives() * (s * (1 - s)));
}
// At 0, moving along a direction that moves x, relu and abs have a kink and
// sign and step a jump: no derivative, so NaN (a check skips such a point;
// abs(C' - C) is 0 at every symmetric C).
inline bool atKink(const Dual& x) { return x.value() == 0 && x.derivatives()(0) != 0; }
inline Dual kink(double v) { return Dual(v, Eigen::Matrix<double, 1, 1>::Constant(std::numeric_limits<double>::quiet_NaN())); }
inline Dual relu(const Dual& x) { return atKink(x) ? kink(0) : x.value() > 0 ? x : constantLike(0); }
inline Dual absolute(const Dual& x) { return atKink(x) ? kink(0) : x.value() >= 0 ? x : Dual(-x.value(), -x.derivatives()); }
inline Dual sign(const Dual& x) { return atKink(x) ? kink(0) : constantLike(sign(x.value())); }
inline Dual step(const Dual& x) { return atKink(x) ? kink(0) : constantLike(step(x.value())); }
Dual power(const Dual& x, const Dual& p);

}  // namespace matcalc::ops
