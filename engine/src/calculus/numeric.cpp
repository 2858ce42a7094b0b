#include <cmath>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

#include <Eigen/LU>

#include "matcalc/calculus.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/print.hpp"
#include "matcalc/walk.hpp"

namespace matcalc {

namespace {

// What a variable's values must be, as properties sampled together: entries
// positive, the matrix symmetric, its eigenvalues in the right half-plane
// ("stable": invertible, det > 0, and off the closed negative real axis, where
// logm and sqrtm are defined). SPD is symmetric and stable. An inverse, a
// determinant or a matrix function asks only for stable, so its variable is
// drawn unsymmetric and the check's direction too: at a symmetric point along
// symmetric directions, a gradient and its transpose could not be told apart.
// A'*A (A*A') inverted asks for A of full column (row) rank: its sizes are
// drawn with rows >= columns (rows <= columns), where a random A has it.
using Domain = unsigned;
constexpr Domain kAny = 0, kPositive = 1, kSymmetric = 2, kStable = 4, kSpd = kSymmetric | kStable, kFullColRank = 8,
                 kFullRowRank = 16, kDiagonal = 32 | kSymmetric;

// What each variable must be for the expressions to be defined.
std::map<Id, Domain> domains(const Arena& a, const std::vector<Id>& terms, const std::vector<GuardUse>& assumptions) {
  std::map<Id, Domain> out;
  for (const GuardUse& g : assumptions) {
    Domain d = g.guard == Guard::Spd ? kSpd
               : g.guard == Guard::Symmetric ? kSymmetric
               : g.guard == Guard::Diagonal ? kDiagonal
               : g.guard == Guard::Invertible || g.guard == Guard::Principal ? kStable
               : g.guard == Guard::Positive ? kPositive
               : g.guard == Guard::FullColRank ? kFullColRank
                                            : kAny;
    out[g.variable] |= d;
  }
  std::function<void(Id, Domain)> mark = [&](Id term, Domain d) {
    forEachDomainPart(a, term, [&](Id t) {
      if (a.kind(t) == Kind::Symbol) {
        Domain here = d;
        if (a.shape(t).rows != a.shape(t).cols) here &= kPositive | kFullColRank | kFullRowRank;  // only square ones are stable
        out[t] |= here;
      }
      // A'*A and A*A' are invertible where A has full column / row rank.
      if (a.kind(t) == Kind::Mul && a.kids(t).size() == 2 && (d & kStable)) {
        Id l = a.kids(t)[0], r = a.kids(t)[1];
        if (a.kind(l) == Kind::Transpose && a.kids(l)[0] == r) mark(r, kFullColRank);
        if (a.kind(r) == Kind::Transpose && a.kids(r)[0] == l) mark(l, kFullRowRank);
      }
    });
  };
  auto wholeNonNegative = [&](Id k) {
    return a.kind(k) == Kind::Number && a.numberOf(k).get_den() == 1 && a.numberOf(k) >= 0;
  };
  std::function<void(Id)> walk = [&](Id t) {
    const Node& n = a.node(t);
    switch (n.kind) {
      // logdet's differential rules presuppose spd (as the slides and the
      // Cookbook use it), and say so: its checks sample what they assumed.
      case Kind::LogDet: mark(n.kids[0], kSpd); break;
      case Kind::MatPow:  // X^k for a whole k >= 0 is defined everywhere
        if (!wholeNonNegative(n.kids[1])) mark(n.kids[0], kStable);
        break;
      case Kind::Inverse:
      case Kind::Det:
      case Kind::Logm:
      case Kind::Sqrtm:
      case Kind::DLogm:
      case Kind::DSqrtm:
      case Kind::KLogm:
      case Kind::KSqrtm:
      case Kind::D2Logm:
      case Kind::D2Sqrtm:
      case Kind::K2Logm:
      case Kind::K2Sqrtm: mark(n.kids[0], kStable); break;
      case Kind::Log:
      case Kind::Sqrt: mark(n.kids[0], kPositive); break;
      case Kind::HadamardDiv: mark(n.kids[1], kPositive); break;
      case Kind::HadamardPow:
        if (!wholeNonNegative(n.kids[1])) mark(n.kids[0], kPositive);
        break;
      case Kind::Pow: mark(n.kids[0], kPositive); break;
      default: break;
    }
    if (a.kind(t) == Kind::Symbol) out.emplace(t, kAny);
    for (Id k : n.kids) walk(k);
  };
  for (Id t : terms) walk(t);
  return out;
}

Eigen::MatrixXd sample(std::mt19937_64& rng, Eigen::Index r, Eigen::Index c, Domain d) {
  std::uniform_real_distribution<double> any(-1, 1), pos(0.5, 2);
  Eigen::MatrixXd m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = d & kPositive ? pos(rng) : any(rng);
  if ((d & kDiagonal) == kDiagonal) {  // before spd: diagonal and inverted is diagonal spd, not any spd
    m = Eigen::MatrixXd(m.diagonal().asDiagonal());
    return d & kStable ? (m.cwiseAbs() + Eigen::MatrixXd::Identity(r, r)).eval() : m;
  }
  if ((d & kSpd) == kSpd) return m * m.transpose() + Eigen::MatrixXd::Identity(r, r);
  if (d & kSymmetric) m = (m + m.transpose()).eval();  // eval: m is read while written
  // Gershgorin: each off-diagonal row sum is below 2(r - 1), so a shift of 2r
  // puts every eigenvalue's real part above 1.
  if (d & kStable) m += 2.0 * double(r) * Eigen::MatrixXd::Identity(r, r);
  return m;
}

double relativeError(double x, double y) { return std::fabs(x - y) / std::max({1.0, std::fabs(x), std::fabs(y)}); }

struct Point {
  std::map<Id, Eigen::MatrixXd> values;
  std::unordered_map<Dim, Eigen::Index> sizes;
};

// The dimensions of a check's terms, found once for all its points: the
// plain ones in the order their sizes are drawn (term by term; a product as
// its factors, also those only an I or 0 has) and the products.
struct TermDims {
  std::vector<Dim> plain;
  std::set<Dim> products;
};
TermDims dimensionsOfTerms(const Arena& a, const std::vector<Id>& terms) {
  TermDims out;
  std::set<Dim> seen{kOne};
  for (Id t : terms) {
    for (Dim d : dimensionsOf(a, t))
      if (seen.insert(d).second) out.plain.push_back(d);
    forEachNode(a, t, [&](Id u) {
      for (Dim d : {a.shape(u).rows, a.shape(u).cols})
        if (a.isProductDim(d)) out.products.insert(d);
      return true;
    });
  }
  return out;
}

// A product of dimensions is as large as its factors together: five factors
// of 4 make a 1024×1024 matrix, whose 1777th power kept a sanitized check
// busy for minutes. The largest factor of any product past kMaxSide is made
// smaller until the product fits, so no sample is larger than 64×64.
constexpr Eigen::Index kMaxSide = 64;
void boundProducts(const Arena& a, const std::set<Dim>& products, std::unordered_map<Dim, Eigen::Index>& sizes) {
  for (Dim d : products)
    while (sizeOfDim(a, d, sizes) > kMaxSide) {
      auto factors = a.dimFactors(d);
      Dim largest = *std::max_element(factors.begin(), factors.end(),
                                      [&](Dim x, Dim y) { return sizes.at(x) < sizes.at(y); });
      --sizes.at(largest);
    }
}

// The smallest size a point's dimensions are drawn from: 2 until a point
// counts, since an identity or derivative can hold where a dimension is 1
// only (B*C = C*B for B 1×1), unless ten draws found no defined point so
// (inv(x*y') is defined at size 1 only).
int smallestSize(int points, int attempt) { return points == 0 && attempt < 10 ? 2 : 1; }

// Sizes for every dimension of the terms, from `smallest` to 4, then values.
Point drawPoint(const Arena& a, const TermDims& dims, const std::map<Id, Domain>& doms, std::mt19937_64& rng, int smallest) {
  Point p;
  std::uniform_int_distribution<int> dimension(smallest, 4);
  for (Dim d : dims.plain) p.sizes[d] = dimension(rng);
  for (auto& [s, d] : doms) {
    Shape sh = a.shape(s);
    for (Dim dim : {sh.rows, sh.cols})
      for (Dim f : a.dimFactors(dim))
        if (!p.sizes.count(f)) p.sizes[f] = dimension(rng);
  }
  for (auto& [s, d] : doms) {  // every dimension is free: a swap keeps the sizes consistent
    Shape sh = a.shape(s);
    if (!(d & (kFullColRank | kFullRowRank)) || sh.rows == sh.cols || !p.sizes.count(sh.rows) || !p.sizes.count(sh.cols)) continue;
    Eigen::Index& rows = p.sizes[sh.rows];
    Eigen::Index& cols = p.sizes[sh.cols];
    if (((d & kFullColRank) && rows < cols) || ((d & kFullRowRank) && rows > cols)) std::swap(rows, cols);
  }
  boundProducts(a, dims.products, p.sizes);  // after the swaps: a bound that holds (a rank it breaks is a point skipped)
  for (auto& [s, d] : doms) {
    Shape sh = a.shape(s);
    auto size = [&](Dim dim) { return Eigen::Index(sizeOfDim(a, dim, p.sizes)); };
    p.values[s] = sample(rng, size(sh.rows), size(sh.cols), d);
  }
  return p;
}

bool finite(const Eigen::MatrixXd& m) { return m.allFinite(); }

// Whether the terms are well inside their domain at the point: every matrix
// inverted (or under logdet, with det > 0) well conditioned, every
// denominator away from 0, every log's argument positive, every matrix
// exponential's argument moderate (and for a derivative, the arguments of
// tanh, exp, cosh and sinh). A point that fails says nothing: X'*X of a wide
// X is singular, and rounding would give a finite but meaningless value.
bool wellInside(const Arena& a, const std::vector<Id>& terms, const Bindings<double>& b, bool derivative) {
  struct Requirement {
    Id term;
    enum { Invertible, Nonzero, Positive, SmallNorm1, PositiveDeterminant, EntriesWithin } what;
    double bound = 0;  // of EntriesWithin
  };
  std::unordered_map<Id, bool> seen;
  std::vector<Id> stack(terms.begin(), terms.end());
  std::vector<Requirement> checks;
  while (!stack.empty()) {
    Id t = stack.back();
    stack.pop_back();
    if (!seen.emplace(t, true).second) continue;
    auto k = a.kids(t);
    switch (a.kind(t)) {
      case Kind::LogDet: checks.push_back({k[0], Requirement::PositiveDeterminant}); [[fallthrough]];  // log det: det > 0 too
      case Kind::Inverse:
      case Kind::Logm:  // well conditioned, away from the branch point 0
      case Kind::DLogm:
      case Kind::Sqrtm:
      case Kind::DSqrtm:
      case Kind::KLogm:
      case Kind::KSqrtm:
      case Kind::D2Logm:
      case Kind::D2Sqrtm:
      case Kind::K2Logm:
      case Kind::K2Sqrtm: checks.push_back({k[0], Requirement::Invertible}); break;
      case Kind::MatPow:
        if (a.kind(k[1]) == Kind::Number && a.numberOf(k[1]) < 0) checks.push_back({k[0], Requirement::Invertible});
        break;
      // expm(A) in doubles keeps about 16 - ||A||/ln(10) digits (its
      // condition grows like e^||A||): beyond ||A||_1 = 16 a point could not
      // tell a right derivative from a wrong one (det(expm(X^3))).
      case Kind::Expm:
      case Kind::DExpm:
      case Kind::KExpm:
      case Kind::D2Expm:
      case Kind::K2Expm: checks.push_back({k[0], Requirement::SmallNorm1}); break;
      case Kind::Pow:
      case Kind::HadamardPow:
        if (a.kind(k[1]) == Kind::Number && a.numberOf(k[1]) < 0) checks.push_back({k[0], Requirement::Nonzero});
        break;
      case Kind::HadamardDiv: checks.push_back({k[1], Requirement::Nonzero}); break;
      case Kind::Log: checks.push_back({k[0], Requirement::Positive}); break;
      // A derivative's terms cancel where these are large: 1 - tanh(x)^2 keeps
      // no digit once tanh(x) rounds to ±1, and terms of exp(x) beyond e^24
      // (~1e10) cancel to a value their rounding swamps. Values alone
      // compare well there.
      case Kind::Tanh:
        if (derivative) checks.push_back({k[0], Requirement::EntriesWithin, 8});
        break;
      case Kind::Exp:
      case Kind::Cosh:
      case Kind::Sinh:
        if (derivative) checks.push_back({k[0], Requirement::EntriesWithin, 24});
        break;
      default: break;
    }
    for (Id c : k) stack.push_back(c);
  }
  for (const Requirement& r : checks) {
    Eigen::MatrixXd v;
    try {
      v = evaluate(a, r.term, b);
    } catch (const Error&) {
      return false;
    }
    if (!v.allFinite()) return false;
    double scale = std::max(1.0, v.cwiseAbs().maxCoeff());
    switch (r.what) {
      case Requirement::Invertible:
        if (v.rows() != v.cols() || Eigen::PartialPivLU<Eigen::MatrixXd>(v).rcond() < 1e-6) return false;
        break;
      case Requirement::Nonzero:
        if ((v.cwiseAbs().array() < 1e-8 * scale).any()) return false;
        break;
      case Requirement::Positive:
        if ((v.array() <= 0).any()) return false;
        break;
      case Requirement::SmallNorm1:
        if (v.cwiseAbs().colwise().sum().maxCoeff() > 16) return false;
        break;
      case Requirement::PositiveDeterminant:
        if (v.rows() != v.cols() || !(v.determinant() > 0)) return false;
        break;
      case Requirement::EntriesWithin:
        if (v.cwiseAbs().maxCoeff() > r.bound) return false;
        break;
    }
  }
  return true;
}

}  // namespace

namespace {

// A value moved by a relative `jitter` per entry: 1e-13 is about 1000
// rounding errors.
Eigen::MatrixXd jittered(Eigen::MatrixXd v, double jitter, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(-1, 1);
  for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] *= 1 + jitter * unit(rng);
  return v;
}

// Whether every disagreement of two sides beyond `tolerance` is rounding
// noise: with the values jittered, the sides (nearX, nearY) move by more than
// a tenth of it. Rounding noise moves so; a wrong value's disagreement stays
// unless the condition number passes 1e12 times the relative disagreement.
template <class V>
bool disagreementIsNoise(const V& x, const V& y, const V& nearX, const V& nearY, double tolerance) {
  if (nearX.size() != x.size() || nearY.size() != y.size()) return false;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (relativeError(x.data()[i], y.data()[i]) <= tolerance) continue;
    double moved = std::fabs(nearX.data()[i] - x.data()[i]) + std::fabs(nearY.data()[i] - y.data()[i]);
    if (!(moved > 0.1 * std::fabs(x.data()[i] - y.data()[i]))) return false;
  }
  return true;
}

// Whether the sides' disagreement beyond 1e-9 at a point is rounding noise
// (above): det(A*B) and det(B)*det(A) of size 1e11 differ by 1e-6 so.
bool withinRoundingNoise(const Arena& a, Id x, Id y, const Point& p, const Eigen::MatrixXd& vx, const Eigen::MatrixXd& vy,
                         std::mt19937_64& rng) {
  bool disagree = false;
  for (Eigen::Index i = 0; i < vx.size(); ++i) disagree = disagree || relativeError(vx.data()[i], vy.data()[i]) > 1e-9;
  if (!disagree) return false;
  Bindings<double> b;
  for (auto& [s, value] : p.values) b.bind(a, s, jittered(value, 1e-13, rng));
  for (auto [d, n] : p.sizes) b.sizes.emplace(d, n);
  Eigen::MatrixXd nx, ny;
  try {
    nx = evaluate(a, x, b);
    ny = evaluate(a, y, b);
  } catch (const Error& e) {
    if (e.category() == Error::Category::Domain) return false;
    throw;
  }
  return finite(nx) && finite(ny) && disagreementIsNoise(vx, vy, nx, ny, 1e-9);
}

}  // namespace

NumericCheck compareNumerically(const Arena& a, Id x, Id y, int points, std::uint64_t seed,
                                const std::vector<GuardUse>& assumptions) {
  std::mt19937_64 rng(seed);
  auto doms = domains(a, {x, y}, assumptions);
  TermDims dims = dimensionsOfTerms(a, {x, y});
  NumericCheck out;
  for (int attempt = 0; attempt < points * 20 && out.points < points; ++attempt) {
    Point p = drawPoint(a, dims, doms, rng, smallestSize(out.points, attempt));
    Bindings<double> b;
    for (auto& [s, v] : p.values) b.bind(a, s, v);
    for (auto [d, n] : p.sizes) b.sizes.emplace(d, n);
    if (!wellInside(a, {x, y}, b, false)) continue;
    Eigen::MatrixXd vx, vy;
    try {
      vx = evaluate(a, x, b);
      vy = evaluate(a, y, b);
    } catch (const Error& e) {
      if (e.category() == Error::Category::Domain) continue;
      throw;
    }
    if (!finite(vx) || !finite(vy)) continue;
    if (vx.rows() != vy.rows() || vx.cols() != vy.cols()) {
      ++out.points;
      out.maxError = INFINITY;
      out.worst = "the sides have different sizes";
      continue;
    }
    if (withinRoundingNoise(a, x, y, p, vx, vy, rng)) continue;  // doubles keep no digit of the difference here
    ++out.points;
    for (Eigen::Index i = 0; i < vx.size(); ++i) {
      double e = relativeError(vx.data()[i], vy.data()[i]);
      if (e > out.maxError) {
        out.maxError = e;
        out.worst = std::to_string(vx.data()[i]) + " vs " + std::to_string(vy.data()[i]);
      }
    }
  }
  return out;
}

namespace {

// One point of a directional check: the exact directional derivative (dual
// numbers) and the claimed one, entry by entry.
struct DirectionalSample {
  Eigen::VectorXd exact, claimed;
};

// The points of a directional check: random values (as the terms presuppose)
// and a random direction V for x (symmetric where x is assumed so), bound as dual
// numbers (x + εV) and as doubles. `measure(dual, real, V)` gives the exact and
// the claimed derivative at one point, or nothing when a side is not finite.
// Points outside the domain are skipped, and so is a point where they
// disagree only because doubles keep no digit of them there: moving every
// value by a relative 1e-13 (about 1000 rounding errors) moves the sides by
// more than a tenth of their disagreement. Rounding noise moves so; a wrong
// derivative's disagreement stays unless the condition number passes
// 1e12 times the relative disagreement (1e6 for one at the tolerance).
template <class Measure>
NumericCheck alongRandomDirections(const Arena& a, Id f, Id x, Id derivative, int points, std::uint64_t seed,
                                   const std::vector<GuardUse>& assumptions, const char* claimedName, Measure measure) {
  std::mt19937_64 rng(seed);
  auto doms = domains(a, {f, derivative}, assumptions);
  doms.emplace(x, kAny);
  // Directions leave x's point only where x is assumed symmetric or diagonal:
  // spd(x), assumed or presupposed (logdet), states a domain, and the
  // derivative is the unconstrained one (docs/symmetric-gradients.md).
  Domain structure = kAny;
  for (const GuardUse& g : assumptions)
    if (g.variable == x) structure |= g.guard == Guard::Symmetric ? kSymmetric : g.guard == Guard::Diagonal ? kDiagonal : kAny;
  TermDims dims = dimensionsOfTerms(a, {f, derivative, x});
  NumericCheck out;
  auto bindAt = [&](const Point& p, const Eigen::MatrixXd& direction, double jitter, Bindings<Dual>& dual, Bindings<double>& real) {
    for (auto& [s, value] : p.values) {
      Eigen::MatrixXd v = jitter > 0 ? jittered(value, jitter, rng) : value;
      Matrix<Dual> dv(v.rows(), v.cols());
      for (Eigen::Index i = 0; i < v.size(); ++i)
        dv.data()[i] = Dual(v.data()[i], Eigen::Matrix<double, 1, 1>(s == x ? direction.data()[i] : 0.0));
      dual.bind(a, s, dv);
      real.bind(a, s, v);
    }
    for (auto [d, n] : p.sizes) {
      dual.sizes.emplace(d, n);
      real.sizes.emplace(d, n);
    }
  };
  for (int attempt = 0; attempt < points * 20 && out.points < points; ++attempt) {
    Point p = drawPoint(a, dims, doms, rng, smallestSize(out.points, attempt));
    Eigen::MatrixXd direction = sample(rng, p.values.at(x).rows(), p.values.at(x).cols(), kAny);
    if (structure & kSymmetric) direction = (direction + direction.transpose()).eval();  // stay symmetric
    if ((structure & kDiagonal) == kDiagonal) direction = Eigen::MatrixXd(direction.diagonal().asDiagonal());  // … diagonal
    Bindings<Dual> dual;
    Bindings<double> real;
    bindAt(p, direction, 0, dual, real);
    if (!wellInside(a, {f, derivative}, real, true)) continue;
    try {
      std::optional<DirectionalSample> here = measure(dual, real, direction);
      if (!here) continue;
      Eigen::Index worst = 0;
      double error = 0;
      for (Eigen::Index i = 0; i < here->exact.size(); ++i)
        if (double e = relativeError(here->exact(i), here->claimed(i)); e > error) error = e, worst = i;
      if (error > kGradientTolerance) {
        Bindings<Dual> nearDual;
        Bindings<double> nearReal;
        bindAt(p, direction, 1e-13, nearDual, nearReal);
        std::optional<DirectionalSample> near = measure(nearDual, nearReal, direction);
        if (!near || disagreementIsNoise(here->exact, here->claimed, near->exact, near->claimed, kGradientTolerance)) continue;
      }
      ++out.points;
      if (error > out.maxError) {
        out.maxError = error;
        out.worst = (here->exact.size() > 1 ? "entry " + std::to_string(worst) + " of vec(dF): " : std::string()) +
                    "directional derivative " + std::to_string(here->exact(worst)) + ", " + claimedName + " = " +
                    std::to_string(here->claimed(worst));
      }
    } catch (const Error& e) {
      if (e.category() == Error::Category::Domain) continue;
      throw;
    }
  }
  return out;
}

}  // namespace

NumericCheck checkGradient(const Arena& a, Id f, Id x, Id g, int points, std::uint64_t seed,
                           const std::vector<GuardUse>& assumptions) {
  return alongRandomDirections(a, f, x, g, points, seed, assumptions, "<G, V>",
                               [&](const Bindings<Dual>& dual, const Bindings<double>& real,
                                   const Eigen::MatrixXd& direction) -> std::optional<DirectionalSample> {
    double exact = evaluate(a, f, dual)(0, 0).derivatives()(0);
    Eigen::MatrixXd gv = evaluate(a, g, real);
    if (gv.rows() != direction.rows() || gv.cols() != direction.cols())
      throw std::logic_error("a gradient of the wrong shape reached the numeric check");
    double claimed = gv.cwiseProduct(direction).sum();
    // A point where either is not finite says nothing: G may hold entries
    // f never uses (I ./ log(A*X) off the diagonal).
    if (!std::isfinite(exact) || !std::isfinite(claimed)) return std::nullopt;
    return DirectionalSample{Eigen::VectorXd::Constant(1, exact), Eigen::VectorXd::Constant(1, claimed)};
  });
}

NumericCheck checkJacobian(const Arena& a, Id f, Id x, Id j, int points, std::uint64_t seed,
                           const std::vector<GuardUse>& assumptions) {
  return alongRandomDirections(a, f, x, j, points, seed, assumptions, "J*vec(V)",
                               [&](const Bindings<Dual>& dual, const Bindings<double>& real,
                                   const Eigen::MatrixXd& direction) -> std::optional<DirectionalSample> {
    Matrix<Dual> fv = evaluate(a, f, dual);
    Eigen::VectorXd exact(fv.size());
    for (Eigen::Index i = 0; i < fv.size(); ++i) exact(i) = fv.data()[i].derivatives()(0);  // column-major: vec(dF)
    Eigen::MatrixXd jv = evaluate(a, j, real);
    if (jv.rows() != exact.size() || jv.cols() != direction.size())
      throw std::logic_error("a Jacobian of the wrong size reached the numeric check");
    Eigen::VectorXd claimed = jv * Eigen::Map<const Eigen::VectorXd>(direction.data(), direction.size());
    if (!exact.allFinite() || !claimed.allFinite()) return std::nullopt;
    return DirectionalSample{exact, claimed};
  });
}

}  // namespace matcalc
