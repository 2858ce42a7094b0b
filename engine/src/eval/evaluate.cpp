// One evaluator, instantiated for double, mpq_class and Dual.
#include <cmath>
#include <stdexcept>

#include "linear_algebra.hpp"
#include "matrix_functions.hpp"
#include "matcalc/print.hpp"
#include "matcalc/small_rational.hpp"
#include "scalar_ops.hpp"

namespace matcalc {

double toDouble(const double& s) { return s; }
double toDouble(const mpq_class& s) { return s.get_d(); }
double toDouble(const Dual& s) { return s.value(); }

bool exactExponentRefused(const mpq_class& exponent) { return abs(exponent) > 4096; }
// The result's size bounds the time GMP takes, which no deadline can
// interrupt: a 16 000-bit number to the 4000th is 64 million bits.
bool exactPowerRefused(const mpq_class& base, const mpq_class& exponent) {
  if (exactExponentRefused(exponent)) return true;
  auto n = static_cast<std::size_t>(std::ceil(mpq_class(abs(exponent)).get_d()));  // at most 4096
  return detail::bitsOf(base) * n > (std::size_t{1} << 22);
}

namespace ops {
mpq_class power(const mpq_class& x, const mpq_class& p) {
  if (p.get_den() != 1 || !p.get_num().fits_slong_p()) inexact("a non-integer power");
  long k = p.get_num().get_si();
  if (x == 0 && k < 0) throw Error(Error::Category::Domain, "0 to a negative power");
  if (exactPowerRefused(x, p)) inexact("a huge power");
  unsigned long n = static_cast<unsigned long>(k < 0 ? -k : k);
  mpq_class r;
  mpz_pow_ui(r.get_num_mpz_t(), x.get_num_mpz_t(), n);
  mpz_pow_ui(r.get_den_mpz_t(), x.get_den_mpz_t(), n);  // a power of a canonical fraction is canonical
  return k < 0 ? mpq_class(1 / r) : r;
}
Dual power(const Dual& x, const Dual& p) {
  if (p.derivatives().isZero(0)) {
    double v = std::pow(x.value(), p.value());
    double slope = p.value() == 0 ? 0 : p.value() * std::pow(x.value(), p.value() - 1);
    return Dual(v, x.derivatives() * slope);
  }
  return exp(p * log(x));
}
}  // namespace ops

template <class S>
void Bindings<S>::bind(const Arena& arena, Id symbol, Matrix<S> value) {
  Shape shape = arena.shape(symbol);
  auto fix = [&](Dim d, Eigen::Index n) {
    if (d == kOne) {
      if (n != 1) throw Error(Error::Category::Eval, "'" + arena.symbolOf(symbol).name + "' needs a 1 there");
      return;
    }
    auto [it, added] = sizes.emplace(d, n);
    if (!added && it->second != n)
      throw Error(Error::Category::Eval, "dimension " + arena.dimName(d) + " bound to two sizes");
  };
  fix(shape.rows, value.rows());
  fix(shape.cols, value.cols());
  values[symbol] = std::move(value);
}

namespace {

template <class S>
class Evaluator {
 public:
  Evaluator(const Arena& a, const Bindings<S>& b) : a_(a), b_(b) {}

  Matrix<S> eval(Id t) {
    if (auto it = memo_.find(t); it != memo_.end()) return it->second;
    Matrix<S> v = compute(t);
    memo_.emplace(t, v);
    return v;
  }

 private:
  Eigen::Index size(Dim d) const {
    if (d == kOne) return 1;
    auto it = b_.sizes.find(d);
    if (it != b_.sizes.end()) return it->second;
    if (a_.isProductDim(d)) {  // m·n: the product of its factors' sizes
      Eigen::Index n = 1;
      for (Dim f : a_.dimFactors(d)) n *= size(f);
      return n;
    }
    throw Error(Error::Category::Eval, "no size for dimension " + a_.dimName(d));
  }
  static Matrix<S> scalar(const S& s) {
    Matrix<S> m(1, 1);
    m(0, 0) = s;
    return m;
  }
  static S one() { return ops::from(mpq_class(1), S{}); }
  static S zero() { return ops::from(mpq_class(0), S{}); }

  // Entry (i, j) of v, broadcasting a 1×1 value.
  static const S& at(const Matrix<S>& v, Eigen::Index i, Eigen::Index j) {
    return v.rows() == 1 && v.cols() == 1 ? v(0, 0) : v(i, j);
  }

  template <class F>
  Matrix<S> entrywise(Id t, std::span<const Id> kids, F f) {
    Shape sh = a_.shape(t);
    Matrix<S> out(size(sh.rows), size(sh.cols));
    std::vector<Matrix<S>> vs;
    for (Id k : kids) vs.push_back(eval(k));
    for (Eigen::Index i = 0; i < out.rows(); ++i)
      for (Eigen::Index j = 0; j < out.cols(); ++j) {
        out(i, j) = at(vs[0], i, j);
        for (std::size_t k = 1; k < vs.size(); ++k) out(i, j) = f(out(i, j), at(vs[k], i, j));
      }
    return out;
  }

  template <class F>
  Matrix<S> map(Id kid, F f) {
    Matrix<S> v = eval(kid);
    for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = f(v.data()[i]);
    return v;
  }

  S sumOf(const Matrix<S>& v) {
    S s = zero();
    for (Eigen::Index i = 0; i < v.size(); ++i) s = s + v.data()[i];
    return s;
  }

  Matrix<S> compute(Id t) {
    using namespace ops;
    const Node& n = a_.node(t);
    const auto& k = n.kids;
    switch (n.kind) {
      case Kind::Symbol: {
        auto it = b_.values.find(t);
        if (it == b_.values.end()) throw Error(Error::Category::Eval, "no value for '" + a_.symbolOf(t).name + "'");
        return it->second;
      }
      case Kind::Number: return scalar(from(a_.numberOf(t), S{}));
      case Kind::Identity: return Matrix<S>::Identity(size(n.shape.rows), size(n.shape.rows));
      case Kind::Zero: return Matrix<S>::Zero(size(n.shape.rows), size(n.shape.cols));
      case Kind::Ones: return Matrix<S>::Constant(size(n.shape.rows), size(n.shape.cols), one());
      case Kind::Add: return entrywise(t, k, [](const S& x, const S& y) { return S(x + y); });
      case Kind::Hadamard: return entrywise(t, k, [](const S& x, const S& y) { return S(x * y); });
      case Kind::HadamardDiv:
        return entrywise(t, k, [](const S& x, const S& y) {
          if (magnitude(y) == 0) throw Error(Error::Category::Domain, "division by zero");
          return S(x / y);
        });
      case Kind::HadamardPow: {
        S p = eval(k[1])(0, 0);
        return map(k[0], [&](const S& x) { return power(x, p); });
      }
      case Kind::Pow: return scalar(power(eval(k[0])(0, 0), eval(k[1])(0, 0)));
      case Kind::Scale: {
        // The non-scalar factor comes last in a made term, but may stand
        // anywhere in a raw one (a builtin rule's D*2 as written).
        std::size_t matrix = k.size() - 1;
        for (std::size_t i = 0; i < k.size(); ++i)
          if (!a_.shape(k[i]).isScalar()) matrix = i;
        S c = one();
        for (std::size_t i = 0; i < k.size(); ++i)
          if (i != matrix) c = c * eval(k[i])(0, 0);
        Matrix<S> m = eval(k[matrix]);
        for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = c * m.data()[i];
        return m;
      }
      case Kind::Mul: {
        Matrix<S> v = eval(k[0]);
        for (std::size_t i = 1; i < k.size(); ++i) {
          Matrix<S> next = eval(k[i]);
          // Eigen does not check sizes in a release build: a mismatch is a bug, never a read out of bounds.
          if (v.cols() != next.rows()) throw std::logic_error("evaluating a product of mismatched sizes: " + toText(a_, t));
          v = (v * next).eval();
        }
        return v;
      }
      case Kind::MatPow: {
        Matrix<S> base = eval(k[0]);
        double exponent = toDouble(eval(k[1])(0, 0));
        if (exponent != std::round(exponent) || std::fabs(exponent) > 4096)
          throw Error(Error::Category::Domain, "a matrix power needs a moderate integer exponent");
        long e = static_cast<long>(exponent);
        if (e < 0) base = detail::inverse(base);
        // By squaring: X^1777 of a 216×216 sample is 16 products, not 1777
        // (which took 35 s in the sanitized fuzz target).
        Matrix<S> r = Matrix<S>::Identity(base.rows(), base.cols());
        for (long n = e < 0 ? -e : e; n > 0; n >>= 1) {
          if (n & 1) r = (r * base).eval();
          if (n > 1) base = (base * base).eval();
        }
        return r;
      }
      case Kind::Transpose: return eval(k[0]).transpose();
      case Kind::Inverse: return detail::inverse(eval(k[0]));
      case Kind::Trace: return scalar(eval(k[0]).trace());
      case Kind::Det: return scalar(detail::determinant(eval(k[0])));
      case Kind::LogDet: return scalar(log(detail::determinant(eval(k[0]))));
      case Kind::Inner: return scalar(sumOf(eval(k[0]).cwiseProduct(eval(k[1]))));
      case Kind::Sum: return scalar(sumOf(eval(k[0])));
      case Kind::Norm1: return scalar(sumOf(map(k[0], [](const S& x) { return absolute(x); })));
      case Kind::Norm2: {
        S squares = sumOf(map(k[0], [](const S& x) { return S(x * x); }));
        // At 0, where norm2 has no derivative, take the minimal-norm
        // subgradient 0 (as sign(0) = 0 for abs): norm2(x - a)^2 stays smooth.
        if constexpr (std::is_same_v<S, Dual>)
          if (squares.value() == 0) return scalar(ops::constantLike(0));
        return scalar(sqrt(squares));
      }
      case Kind::LogSumExp: return scalar(log(sumOf(map(k[0], [](const S& x) { return exp(x); }))));
      case Kind::Softmax: {
        Matrix<S> e = map(k[0], [](const S& x) { return exp(x); });
        S total = sumOf(e);
        for (Eigen::Index i = 0; i < e.size(); ++i) e.data()[i] = e.data()[i] / total;
        return e;
      }
      case Kind::DiagMatrix: {
        Matrix<S> v = eval(k[0]);
        Matrix<S> out = Matrix<S>::Zero(v.rows(), v.rows());
        for (Eigen::Index i = 0; i < v.rows(); ++i) out(i, i) = v(i, 0);
        return out;
      }
      case Kind::DiagVector: return eval(k[0]).diagonal();
      case Kind::Differential: return differential(k[0]);
      case Kind::Kron: {
        Matrix<S> x = eval(k[0]), y = eval(k[1]);
        Matrix<S> out(x.rows() * y.rows(), x.cols() * y.cols());
        for (Eigen::Index i = 0; i < x.rows(); ++i)
          for (Eigen::Index j = 0; j < x.cols(); ++j)
            for (Eigen::Index p = 0; p < y.rows(); ++p)
              for (Eigen::Index q = 0; q < y.cols(); ++q) out(i * y.rows() + p, j * y.cols() + q) = x(i, j) * y(p, q);
        return out;
      }
      case Kind::Vec: {  // column-major: entry (i, j) at i + rows*j
        Matrix<S> x = eval(k[0]);
        Matrix<S> out(x.size(), 1);
        for (Eigen::Index j = 0; j < x.cols(); ++j)
          for (Eigen::Index i = 0; i < x.rows(); ++i) out(i + x.rows() * j, 0) = x(i, j);
        return out;
      }
      case Kind::Commutation: {  // K*vec(A) = vec(A'): row j + n*i, column i + m*j, for A m×n
        Shape sh = a_.shape(k[0]);
        Eigen::Index m = size(sh.rows), c = size(sh.cols);
        Matrix<S> out = Matrix<S>::Constant(m * c, m * c, zero());
        for (Eigen::Index i = 0; i < m; ++i)
          for (Eigen::Index j = 0; j < c; ++j) out(j + c * i, i + m * j) = one();
        return out;
      }
      case Kind::Expm:
      case Kind::Logm:
      case Kind::Sqrtm: return detail::matrixFunction(n.kind, eval(k[0]), S{});
      case Kind::DExpm:
      case Kind::DLogm:
      case Kind::DSqrtm: return detail::frechet(n.kind, eval(k[0]), eval(k[1]));
      case Kind::KExpm:
      case Kind::KLogm:
      case Kind::KSqrtm: return detail::kroneckerForm(n.kind, eval(k[0]), zero(), one());
      case Kind::D2Expm:
      case Kind::D2Logm:
      case Kind::D2Sqrtm: return detail::secondFrechet(n.kind, eval(k[0]), eval(k[1]), eval(k[2]));
      case Kind::K2Expm:
      case Kind::K2Logm:
      case Kind::K2Sqrtm: return detail::secondKroneckerForm(n.kind, eval(k[0]), eval(k[1]), zero(), one());
      case Kind::Exp: return map(k[0], [](const S& x) { return exp(x); });
      case Kind::Log: return map(k[0], [](const S& x) { return log(x); });
      case Kind::Sqrt: return map(k[0], [](const S& x) { return sqrt(x); });
      case Kind::Sin: return map(k[0], [](const S& x) { return sin(x); });
      case Kind::Cos: return map(k[0], [](const S& x) { return cos(x); });
      case Kind::Tanh: return map(k[0], [](const S& x) { return tanh(x); });
      case Kind::Sinh: return map(k[0], [](const S& x) { return sinh(x); });
      case Kind::Cosh: return map(k[0], [](const S& x) { return cosh(x); });
      case Kind::Sigmoid: return map(k[0], [](const S& x) { return sigmoid(x); });
      case Kind::Relu: return map(k[0], [](const S& x) { return relu(x); });
      case Kind::Abs: return map(k[0], [](const S& x) { return absolute(x); });
      case Kind::Sign: return map(k[0], [](const S& x) { return sign(x); });
      case Kind::Step: return map(k[0], [](const S& x) { return step(x); });
    }
    throw std::logic_error("unevaluable kind");
  }

  // d(E): the derivative part of E; it is itself constant (no nested d).
  Matrix<S> differential(Id kid) {
    if constexpr (std::is_same_v<S, Dual>) {
      Matrix<S> v = eval(kid);
      for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = ops::constantLike(v.data()[i].derivatives()(0));
      return v;
    } else {
      throw Error(Error::Category::Eval, "d(" + toText(a_, kid) + ") can only be evaluated with dual numbers");
    }
  }

  const Arena& a_;
  const Bindings<S>& b_;
  std::unordered_map<Id, Matrix<S>> memo_;
};

}  // namespace

template <class S>
Matrix<S> evaluate(const Arena& arena, Id term, const Bindings<S>& bindings) {
  return Evaluator<S>(arena, bindings).eval(term);
}

template struct Bindings<double>;
template struct Bindings<mpq_class>;
template struct Bindings<Dual>;
template Matrix<double> evaluate(const Arena&, Id, const Bindings<double>&);
template Matrix<mpq_class> evaluate(const Arena&, Id, const Bindings<mpq_class>&);
template Matrix<Dual> evaluate(const Arena&, Id, const Bindings<Dual>&);

}  // namespace matcalc
