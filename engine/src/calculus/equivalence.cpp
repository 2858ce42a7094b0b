// Deciding a = b: by the normal form; for rational expressions, by exact
// evaluation over the rationals at random points (Schwartz–Zippel); else
// numerically, which can refute but not prove.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include "../eval/linear_algebra.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/print.hpp"
#include "matcalc/walk.hpp"

namespace matcalc {

namespace {

constexpr std::uint64_t kRationalKinds =
    kindBit(Kind::Symbol) | kindBit(Kind::Number) | kindBit(Kind::Identity) | kindBit(Kind::Zero) | kindBit(Kind::Ones) |
    kindBit(Kind::Add) | kindBit(Kind::Scale) | kindBit(Kind::Mul) | kindBit(Kind::Hadamard) | kindBit(Kind::HadamardDiv) |
    kindBit(Kind::HadamardPow) | kindBit(Kind::Pow) | kindBit(Kind::MatPow) | kindBit(Kind::Transpose) | kindBit(Kind::Inner) |
    kindBit(Kind::Inverse) | kindBit(Kind::Trace) | kindBit(Kind::Det) | kindBit(Kind::Sum) | kindBit(Kind::DiagMatrix) |
    kindBit(Kind::DiagVector) | kindBit(Kind::Kron) | kindBit(Kind::Vec) | kindBit(Kind::Commutation);

// Every operation of the term is rational (no exp, log, abs, relu …), with
// integer exponents.
bool rational(const Arena& a, Id t) {
  if (a.facts(t).kinds & ~kRationalKinds) return false;
  std::vector<Id> stack{t};
  std::unordered_map<Id, bool> seen;
  while (!stack.empty()) {
    Id u = stack.back();
    stack.pop_back();
    if (!seen.emplace(u, true).second) continue;
    if (!isRationalOperation(a, u)) return false;
    for (Id c : a.kids(u)) stack.push_back(c);
  }
  return true;
}

// Degrees of the entries of a rational matrix expression in its variables'
// entries: numerators of degree ≤ num over a common denominator of degree ≤ den.
struct Degree {
  double num = 0, den = 0;
};

class DegreeBound {
 public:
  DegreeBound(const Arena& a, const std::unordered_map<Dim, Eigen::Index>& sizes) : a_(a), sizes_(sizes) {}
  Degree of(Id t) {
    if (auto it = memo_.find(t); it != memo_.end()) return it->second;
    Degree d = compute(t);
    memo_.emplace(t, d);
    return d;
  }

 private:
  double size(Dim d) const { return static_cast<double>(sizeOfDim(a_, d, sizes_)); }  // a product from its factors
  double entries(Id t) const { return size(a_.shape(t).rows) * size(a_.shape(t).cols); }
  Degree compute(Id t) {
    auto k = a_.kids(t);
    auto exponent = [&](Id e) { return std::fabs(a_.numberOf(e).get_d()); };
    switch (a_.kind(t)) {
      case Kind::Symbol: return {1, 0};
      case Kind::Number:
      case Kind::Identity:
      case Kind::Zero:
      case Kind::Ones: return {0, 0};
      case Kind::Add: {
        Degree out;
        for (Id c : k) out.den += of(c).den;
        for (Id c : k) out.num = std::max(out.num, of(c).num + out.den - of(c).den);
        return out;
      }
      case Kind::Commutation: return {0, 0};
      case Kind::Scale:
      case Kind::Mul:
      case Kind::Kron:
      case Kind::Hadamard:
      case Kind::Inner: {
        Degree out;
        for (Id c : k) out.num += of(c).num, out.den += of(c).den;
        return out;
      }
      case Kind::Transpose:
      case Kind::Vec:
      case Kind::Trace:
      case Kind::Sum:
      case Kind::DiagMatrix:
      case Kind::DiagVector: return of(k[0]);
      case Kind::HadamardDiv: {  // each entry its own denominator: their product is common
        Degree x = of(k[0]), y = of(k[1]);
        double n = entries(k[1]);
        return {x.num + y.den + (n - 1) * y.num, x.den + n * y.num};
      }
      case Kind::Pow: {
        Degree x = of(k[0]);
        double e = exponent(k[1]);
        return a_.numberOf(k[1]) >= 0 ? Degree{e * x.num, e * x.den} : Degree{e * x.den, e * x.num};
      }
      case Kind::HadamardPow: {
        Degree x = of(k[0]);
        double e = exponent(k[1]), n = entries(k[0]);
        if (a_.numberOf(k[1]) >= 0) return {e * x.num, e * x.den};
        return {e * x.den + e * (n - 1) * x.num, e * n * x.num};
      }
      case Kind::Inverse: {  // q*adj(P)/det(P)
        Degree x = of(k[0]);
        double n = size(a_.shape(t).rows);
        return {x.den + (n - 1) * x.num, n * x.num};
      }
      case Kind::Det: {
        Degree x = of(k[0]);
        double n = size(a_.shape(k[0]).rows);
        return {n * x.num, n * x.den};
      }
      case Kind::MatPow: {
        Degree x = of(k[0]);
        double n = size(a_.shape(t).rows), e = exponent(k[1]);
        if (a_.numberOf(k[1]) >= 0) return {e * x.num, e * x.den};
        return {e * (x.den + (n - 1) * x.num), e * n * x.num};
      }
      default: return {1e9, 1e9};  // not rational: never reached
    }
  }
  const Arena& a_;
  const std::unordered_map<Dim, Eigen::Index>& sizes_;
  std::unordered_map<Id, Degree> memo_;
};

// An integer of more than 24 digits by its first ones and its length: the
// exact value of X^1777 has thousands of digits per entry.
std::string showInteger(const mpz_class& z) {
  std::string s = z.get_str();
  std::size_t digits = s.size() - (s[0] == '-');
  if (digits <= 24) return s;
  return s.substr(0, s.size() - digits + 12) + "…(" + std::to_string(digits) + " digits)";
}

std::string showNumber(const mpq_class& q) {
  return q.get_den() == 1 ? showInteger(q.get_num()) : showInteger(q.get_num()) + "/" + showInteger(q.get_den());
}

std::string showMatrix(const Matrix<mpq_class>& m) {
  std::ostringstream out;
  out << "[";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    if (i) out << "; ";
    for (Eigen::Index j = 0; j < m.cols(); ++j) out << (j ? " " : "") << showNumber(m(i, j));
  }
  return out.str() + "]";
}

// Two values that differ: whole when small, else their first differing entry.
std::string showDifference(const Matrix<mpq_class>& x, const Matrix<mpq_class>& y) {
  if (x.rows() != y.rows() || x.cols() != y.cols() || x.size() <= 16) return showMatrix(x) + " vs " + showMatrix(y);
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (x(i, j) != y(i, j))
        return "entry (" + std::to_string(i + 1) + ", " + std::to_string(j + 1) + ") is " + showNumber(x(i, j)) +
               " vs " + showNumber(y(i, j));
  return "equal values";  // not reached: called where they differ
}

}  // namespace

bool isRationalOperation(const Arena& a, Id u) {
  Kind k = a.kind(u);
  if (!(kindBit(k) & kRationalKinds)) return false;
  if (k != Kind::Pow && k != Kind::HadamardPow) return true;
  return a.kind(a.kids(u)[1]) == Kind::Number && !fractionalExponent(a, u);
}

const mpq_class* fractionalExponent(const Arena& a, Id u) {
  Kind k = a.kind(u);
  if (k != Kind::Pow && k != Kind::HadamardPow) return nullptr;
  Id e = a.kids(u)[1];
  if (a.kind(e) != Kind::Number || a.numberOf(e).get_den() == 1) return nullptr;
  return &a.numberOf(e);
}

bool isRationalFunction(const Arena& a, Id t) { return rational(a, t); }

Equivalence compareExactly(const Arena& a, Id x, Id y, const std::vector<GuardUse>& assumptions,
                           const EquivalenceOptions& options) {
  Equivalence out;
  if (!rational(a, x) || !rational(a, y)) return out;  // NotProven: not rational functions of the entries
  // Exact evaluation at random integer points: a false identity of degree
  // D survives one point with probability at most D/|S| (Schwartz–Zippel).
  std::mt19937_64 rng(options.seed);
  const long range = 1L << 30;  // |S| = 2^31 + 1 integers
  std::uniform_int_distribution<long> entry(-range, range), positive(1, range), dimension(1, 6);
  std::vector<Id> vars = variablesOf(a, x);
  for (Id v : variablesOf(a, y))
    if (std::find(vars.begin(), vars.end(), v) == vars.end()) vars.push_back(v);
  Facts facts = presuppositions(a, x);
  Facts more = presuppositions(a, y);
  facts.positive.insert(more.positive.begin(), more.positive.end());
  assume(facts, assumptions);
  std::set<Dim> dims = dimensionsOf(a, x);
  for (Dim d : dimensionsOf(a, y)) dims.insert(d);
  // Every variable's value at the given sizes, its entries drawn by `entry`
  // (`positive` for a positive variable), made spd, symmetric or diagonal as assumed.
  auto bindPoint = [&](const std::unordered_map<Dim, Eigen::Index>& sizes, auto& entry, auto& positive) {
    Bindings<mpq_class> b;
    for (auto [d, n] : sizes) b.sizes.emplace(d, n);
    for (Id v : vars) {
      Shape sh = a.shape(v);
      Eigen::Index r = sizeOfDim(a, sh.rows, sizes), c = sizeOfDim(a, sh.cols, sizes);
      Matrix<mpq_class> m(r, c);
      bool pos = facts.positive.count(v) > 0;
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = pos ? positive(rng) : entry(rng);
      if (facts.spd.count(v)) {
        m = (m * m.transpose()).eval();
        for (Eigen::Index i = 0; i < r; ++i) m(i, i) += 1;
      } else if (facts.symmetric.count(v)) {
        m = (m + m.transpose()).eval();
      }
      if (facts.diagonal.count(v)) m = Matrix<mpq_class>(m.diagonal().asDiagonal());
      b.bind(a, v, m);
    }
    return b;
  };
  // Both sides' values, or none where a side is undefined (a singular sample).
  auto valuesAt = [&](const Bindings<mpq_class>& b) -> std::optional<std::pair<Matrix<mpq_class>, Matrix<mpq_class>>> {
    try {
      return std::make_pair(evaluate(a, x, b), evaluate(a, y, b));
    } catch (const Error& e) {
      if (e.category() == Error::Category::Domain) return std::nullopt;
      throw;
    }
  };
  double worst = 0;
  int attempts = 0;
  // The chance per point at the given sizes (Schwartz–Zippel), or none where
  // exact arithmetic would cost too much there: entries of degree D have
  // about 31·D bits, and a product of n×n matrices makes n³ of them (X^1777
  // at n = 216 would take hours; a Kronecker product of four factors of
  // sizes up to 6 is 1296 wide).
  auto chancePerPoint = [&](const std::unordered_map<Dim, Eigen::Index>& sizes) -> std::optional<double> {
    DegreeBound degrees(a, sizes);
    Degree dx = degrees.of(x), dy = degrees.of(y);
    double degree = std::max(dx.num + dy.den, dy.num + dx.den) + dx.den + dy.den;  // also the points where a side is undefined
    double side = 1;
    for (Id t : {x, y})
      forEachNode(a, t, [&](Id u) {
        side = std::max({side, static_cast<double>(sizeOfDim(a, a.shape(u).rows, sizes)),
                         static_cast<double>(sizeOfDim(a, a.shape(u).cols, sizes))});
        return true;
      });
    if (degree * side * side * side > 1e7) return std::nullopt;
    return std::min(1.0, degree / (2.0 * static_cast<double>(range) + 1));
  };
  auto allOf = [&](Eigen::Index n) {
    std::unordered_map<Dim, Eigen::Index> sizes;
    for (Dim d : dims)
      if (d != kOne) sizes[d] = n;
    return sizes;
  };
  // Schwartz–Zippel holds at fixed sizes, and an identity may hold at some
  // sizes only: B*C = C*B where B is 1×1, det(-A) = det(A) at even sizes,
  // Cayley–Hamilton at one size. So the first draw gives every dimension the
  // largest size up to 6 the cost allows, the second one less, and the others
  // draw each dimension from 1–6 (1–2 where that costs too much).
  Eigen::Index largest = 0;
  out.largestSize = 1;
  std::uniform_int_distribution<long> smallerDimension(1, 2);
  for (int draw = 0; draw < options.sizeDraws; ++draw) {
    std::unordered_map<Dim, Eigen::Index> sizes;
    std::optional<double> perPoint;
    if (draw == 0) {
      for (largest = 6; largest >= 2 && !perPoint; --largest) perPoint = chancePerPoint(sizes = allOf(largest));
      ++largest;
    } else if (draw == 1) {
      perPoint = chancePerPoint(sizes = allOf(largest - 1));
    } else {
      for (auto* sizeOf : {&dimension, &smallerDimension}) {
        for (Dim d : dims)
          if (d != kOne) sizes[d] = (*sizeOf)(rng);
        if ((perPoint = chancePerPoint(sizes))) break;
      }
    }
    if (!perPoint) return Equivalence{};  // left to the floating-point comparison
    for (auto [d, n] : sizes) out.largestSize = std::max(out.largestSize, static_cast<int>(n));
    int good = 0;
    while (good < options.pointsPerDraw) {
      if (++attempts > 50 * options.sizeDraws * options.pointsPerDraw)
        throw Error(Error::Category::Domain, "found no point where both sides are defined");
      Bindings<mpq_class> b = bindPoint(sizes, entry, positive);
      auto values = valuesAt(b);
      if (!values) continue;  // a singular sample: draw again
      ++good;
      ++out.points;
      if (values->first != values->second) {
        // Shown at small values where the sides differ there too: entries
        // of -2 to 2 and sizes of 1 to 3 read better than 31-bit numbers.
        std::uniform_int_distribution<long> small(-2, 2), smallPositive(1, 3), smallDimension(1, 3);
        for (int tries = 0; tries < 50; ++tries) {
          std::unordered_map<Dim, Eigen::Index> smallSizes;
          for (Dim d : dims)
            if (d != kOne) smallSizes[d] = smallDimension(rng);
          Bindings<mpq_class> c = bindPoint(smallSizes, small, smallPositive);
          auto v = valuesAt(c);
          if (v && v->first != v->second) {
            b = std::move(c);
            values = std::move(v);
            break;
          }
        }
        std::string where;
        for (Id v : vars) where += (where.empty() ? "" : ", ") + a.symbolOf(v).name + " = " + showMatrix(b.values.at(v));
        out.verdict = Equivalence::Verdict::Different;
        out.method = Equivalence::Method::Exact;
        out.detail = "at " + where + ": " + showDifference(values->first, values->second);
        return out;
      }
    }
    worst = std::max(worst, std::pow(*perPoint, options.pointsPerDraw));
  }
  out.verdict = Equivalence::Verdict::Equal;
  out.method = Equivalence::Method::Exact;
  out.falsePassBound = worst;
  return out;
}

Equivalence decideEquivalence(Arena& a, const RuleSet& rules, Id x, Id y, const std::vector<GuardUse>& assumptions,
                              const EquivalenceOptions& options) {
  if (a.shape(x) != a.shape(y))
    throw Error(Error::Category::Shape, "the sides have different shapes: " + a.shapeText(a.shape(x)) + " and " +
                                            a.shapeText(a.shape(y)));
  Equivalence out;
  try {
    const Facts fx = termFacts(a, x, assumptions), fy = termFacts(a, y, assumptions);  // for both phases
    Id nx = normalForm(a, rules, x, fx, options.budget, Phase::Simplify);
    Id ny = normalForm(a, rules, y, fy, options.budget, Phase::Simplify);
    if (nx == ny) {
      out.verdict = Equivalence::Verdict::Equal;
      out.method = Equivalence::Method::NormalForm;
      out.detail = "one normal form: " + toText(a, nx);
      return out;
    }
    // The normal form distributes products over sums before det, inv or a
    // power can take the product apart: det((A + B)*sin(C)) becomes
    // det(A*sin(C) + B*sin(C)), which no longer meets det(sin(C))*det(A + B).
    // Simplified without distributing, both sides may still meet.
    Id tx = normalForm(a, rules, x, fx, options.budget, Phase::Tidy);
    Id ty = normalForm(a, rules, y, fy, options.budget, Phase::Tidy);
    if (tx == ty) {
      out.verdict = Equivalence::Verdict::Equal;
      out.method = Equivalence::Method::NormalForm;
      out.detail = "one form simplified without expanding: " + toText(a, tx);
      return out;
    }
  } catch (const Error& e) {
    if (e.category() != Error::Category::Budget) throw;  // too big to normalise: evaluate instead
  }

  Equivalence exact = compareExactly(a, x, y, assumptions, options);
  if (exact.method == Equivalence::Method::Exact) return exact;

  NumericCheck n = compareNumerically(a, x, y, 20, options.seed, assumptions);
  if (n.points == 0) throw Error(Error::Category::Domain, "found no point where both expressions are defined and finite");
  out.points = n.points;
  out.largestDifference = n.maxError;
  out.method = Equivalence::Method::Numeric;
  out.verdict = n.maxError > 1e-9 ? Equivalence::Verdict::Different : Equivalence::Verdict::NotProven;
  out.detail = n.worst;
  return out;
}

}  // namespace matcalc
