#include "matcalc/verify.hpp"

#include <cmath>
#include <functional>
#include <map>
#include <sstream>

#include "../eval/linear_algebra.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/print.hpp"
#include "matcalc/walk.hpp"

namespace matcalc {

const char* methodName(Method m) {
  switch (m) {
    case Method::Exact: return "exact";
    case Method::Dual: return "dual";
    case Method::Double: return "double";
  }
  return "?";
}

Method preferredMethod(const Arena& arena, const Identity& id) {
  bool d = containsKind(arena, id.lhs, Kind::Differential) || containsKind(arena, id.rhs, Kind::Differential);
  return d ? Method::Dual : Method::Exact;
}

namespace {

// Entries are integers scaled by `unit`: exact mode uses [-1000, 1000] as they
// are, floating modes use them divided by 500 (so about [-2, 2]).
struct Sampler {
  const Arena& arena;
  RandomSource& random;
  Method method;

  long range() const { return 1000; }
  double unit() const { return method == Method::Exact ? 1.0 : 1.0 / 500; }

  mpq_class entry(bool positive, bool nonzero) {
    long v;
    if (positive) v = random.integer(50, range());
    else if (nonzero) v = random.integer(50, range()) * (random.integer(0, 1) ? 1 : -1);
    else v = random.integer(-range(), range());
    if (method == Method::Exact) return mpq_class(v);
    // Floating samples avoid exact zeros, where sqrt and norms are not
    // differentiable even in expressions that are smooth there.
    return v == 0 ? mpq_class(1, 500) : mpq_class(v, 500);
  }

  Matrix<mpq_class> randomMatrix(Eigen::Index r, Eigen::Index c, bool positive, bool nonzero) {
    Matrix<mpq_class> m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = entry(positive, nonzero);
    return m;
  }

  // A value for a variable that satisfies its guards.
  Matrix<mpq_class> value(Eigen::Index r, Eigen::Index c, const std::vector<Guard>& guards) {
    auto has = [&](Guard g) { return std::find(guards.begin(), guards.end(), g) != guards.end(); };
    bool positive = has(Guard::Positive), nonzero = has(Guard::Nonzero);
    if (has(Guard::Integer)) {  // small integers: exponents
      Matrix<mpq_class> m(r, c);
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = random.integer(positive ? 1 : -4, 4);
      return m;
    }
    for (int attempt = 0; attempt < 50; ++attempt) {
      Matrix<mpq_class> m = randomMatrix(r, c, positive, nonzero);
      if (has(Guard::Spd)) {
        Matrix<mpq_class> b = randomMatrix(r, r, false, false);
        m = (b * b.transpose()).eval();
        mpq_class shift = method == Method::Exact ? mpq_class(1) : mpq_class(1, 2);
        for (Eigen::Index i = 0; i < r; ++i) m(i, i) += shift;
      } else if (has(Guard::Symmetric)) {
        m = (m + m.transpose()).eval();
      }
      if (has(Guard::Diagonal)) m = Matrix<mpq_class>(m.diagonal().asDiagonal());
      if (has(Guard::Principal) && !has(Guard::Spd)) {
        // Diagonally dominant with a positive diagonal: by Gershgorin every
        // eigenvalue has a positive real part, off the closed negative axis.
        for (Eigen::Index i = 0; i < r; ++i) {
          mpq_class off = 0;
          for (Eigen::Index j = 0; j < c; ++j)
            if (j != i) off += abs(m(i, j));
          m(i, i) = off + abs(m(i, i)) + (method == Method::Exact ? mpq_class(1) : mpq_class(1, 2));
        }
      }
      if (has(Guard::FullColRank)) {  // X'*X nonsingular (and, for doubles, well conditioned)
        mpq_class det = detail::determinant(Matrix<mpq_class>(m.transpose() * m));
        double needed = method == Method::Exact ? 0.0 : 0.05 * std::pow(2.0, static_cast<double>(c));
        if (r < c || det == 0 || std::fabs(det.get_d()) < needed) continue;
      }
      if (has(Guard::Invertible) || has(Guard::Spd)) {
        mpq_class det = detail::determinant(m);
        // Floating modes also avoid ill-conditioned samples.
        double needed = method == Method::Exact ? 0.0 : 0.05 * std::pow(2.0, static_cast<double>(r));
        if (det == 0 || std::fabs(det.get_d()) < needed) continue;
      }
      return m;
    }
    throw Error(Error::Category::Domain, "no sample satisfies the guards");
  }
};

template <class S>
S convert(const mpq_class& q);
template <>
mpq_class convert(const mpq_class& q) { return q; }
template <>
double convert(const mpq_class& q) { return q.get_d(); }

// "[1 2; 3 4]": rationals exactly when `exact`, else as doubles.
template <class S>
std::string show(const Matrix<S>& m, bool exact = true) {
  std::ostringstream out;
  out << "[";
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    if (i) out << "; ";
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
      if (j) out << " ";
      if constexpr (std::is_same_v<S, mpq_class>) {
        if (exact) out << m(i, j).get_str();
        else out << m(i, j).get_d();
      } else {
        out << toDouble(m(i, j));
      }
    }
  }
  return out.str() + "]";
}

struct Instance {
  std::map<Id, Matrix<mpq_class>> values, directions;
  std::map<Dim, Eigen::Index> sizes;  // every dimension, also those only I or 0 has
  std::string describe(const Arena& arena, Method method) const {
    std::string s;
    for (auto& [v, m] : values) {
      s += (s.empty() ? "" : ", ") + arena.symbolOf(v).name + " = " + show(m, method == Method::Exact);
      if (method == Method::Dual) s += " (direction " + show(directions.at(v), false) + ")";
    }
    return s;
  }
};

// The most factors of any node's dimension in t (vec(A ⊗ B): 4).
std::size_t mostFactors(const Arena& arena, Id t) {
  std::size_t most = 0;
  forEachNode(arena, t, [&](Id u) {
    for (Dim d : {arena.shape(u).rows, arena.shape(u).cols}) most = std::max(most, arena.dimFactors(d).size());
    return true;
  });
  return most;
}

// What is worked out once per identity, not per trial.
struct Plan {
  Method method;
  long largest;  // the largest size drawn for a dimension
};
Plan planFor(const Arena& arena, const Identity& id) {
  // Sizes are drawn for plain dimensions; a product's (kron, vec) follows from its factors'.
  // Where a dimension is a product of three or more (vec(A ⊗ B) has m·n·p·q
  // rows), sizes are 1–3 instead of 1–5: exact arithmetic on 625×625 matrices
  // would take seconds per trial, and 1–3 still tells every factor apart.
  long largest = std::max(mostFactors(arena, id.lhs), mostFactors(arena, id.rhs)) >= 3 ? 3 : 5;
  return {preferredMethod(arena, id), largest};
}

Instance sample(const Arena& arena, const Identity& id, RandomSource& random, Method method, long largest) {
  Sampler sampler{arena, random, method};
  std::map<Dim, Eigen::Index> sizes;
  auto size = [&](Dim d) -> Eigen::Index {
    Eigen::Index n = 1;
    for (Dim f : arena.dimFactors(d)) {
      auto [it, added] = sizes.emplace(f, 0);
      if (added) it->second = random.integer(1, largest);
      n *= it->second;
    }
    return n;
  };
  Instance inst;
  // A variable of full column rank needs rows >= columns: its two sizes are
  // drawn first and swapped if need be (every dimension is free, so the
  // swapped assignment is as random and as consistent).
  for (const GuardUse& g : id.where) {
    if (g.guard != Guard::FullColRank) continue;
    Shape sh = arena.shape(g.variable);
    size(sh.rows);
    size(sh.cols);
    if (sh.rows != sh.cols && sh.rows != kOne && sh.cols != kOne && arena.dimFactors(sh.rows).size() == 1 &&
        arena.dimFactors(sh.cols).size() == 1 &&
        sizes[sh.rows] < sizes[sh.cols])
      std::swap(sizes[sh.rows], sizes[sh.cols]);
  }
  std::vector<Id> vars = variablesOf(arena, id.lhs);  // and those only the right-hand side has (a side may simplify one away)
  for (Id v : variablesOf(arena, id.rhs))
    if (std::find(vars.begin(), vars.end(), v) == vars.end()) vars.push_back(v);
  for (Id v : vars) {
    std::vector<Guard> guards;
    for (const GuardUse& g : id.where)
      if (g.variable == v) guards.push_back(g.guard);
    Shape sh = arena.shape(v);
    Eigen::Index r = size(sh.rows), c = size(sh.cols);
    inst.values[v] = sampler.value(r, c, guards);
    if (method == Method::Dual) {
      auto has = [&](Guard g) { return std::find(guards.begin(), guards.end(), g) != guards.end(); };
      Matrix<mpq_class> dir = sampler.randomMatrix(r, c, false, false);
      if (has(Guard::Constant)) dir.setZero();
      if (has(Guard::Symmetric) || has(Guard::Spd)) dir = (dir + dir.transpose()).eval();
      if (has(Guard::Diagonal)) dir = Matrix<mpq_class>(dir.diagonal().asDiagonal());  // stay diagonal
      inst.directions[v] = dir;
    }
  }
  for (Id side : {id.lhs, id.rhs})
    for (Dim d : dimensionsOf(arena, side)) size(d);  // also dimensions only I or 0 has
  inst.sizes = sizes;
  return inst;
}

bool undefined(double x) { return !std::isfinite(x); }

template <class S>
TrialResult compare(const Arena& arena, const Identity& id, const Instance& inst, Method method) {
  Bindings<S> b;
  for (auto& [v, m] : inst.values) {
    Matrix<S> value(m.rows(), m.cols());
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      if constexpr (std::is_same_v<S, Dual>)
        value.data()[i] = Dual(m.data()[i].get_d(), Eigen::Matrix<double, 1, 1>(inst.directions.at(v).data()[i].get_d()));
      else
        value.data()[i] = convert<S>(m.data()[i]);
    }
    b.bind(arena, v, std::move(value));
  }
  for (auto [d, n] : inst.sizes) b.sizes.emplace(d, n);
  Matrix<S> l, r;
  try {
    l = evaluate(arena, id.lhs, b);
    r = evaluate(arena, id.rhs, b);
  } catch (const Error& e) {
    if (e.category() == Error::Category::Domain) return {TrialResult::Outcome::NoSample, method, e.what()};
    throw;
  }
  auto detail = [&](const std::string& what) {
    return what + " at " + inst.describe(arena, method) + ": lhs = " + show(l) + ", rhs = " + show(r);
  };
  if (l.rows() != r.rows() || l.cols() != r.cols()) return {TrialResult::Outcome::Different, method, detail("sizes differ")};
  for (Eigen::Index i = 0; i < l.size(); ++i) {
    if constexpr (std::is_same_v<S, mpq_class>) {
      if (l.data()[i] != r.data()[i]) return {TrialResult::Outcome::Different, method, detail("sides differ")};
    } else {
      double x = toDouble(l.data()[i]), y = toDouble(r.data()[i]);
      if (undefined(x) || undefined(y))
        return {TrialResult::Outcome::Undefined, method, detail("a side is undefined (missing guard?)")};
      if (std::fabs(x - y) > kTolerance * std::max({1.0, std::fabs(x), std::fabs(y)}))
        return {TrialResult::Outcome::Different, method, detail("sides differ")};
    }
  }
  return {TrialResult::Outcome::Equal, method, ""};
}

TrialResult checkOnce(const Arena& arena, const Identity& id, RandomSource& random, const Plan& plan) {
  Method method = plan.method;
  try {
    Instance inst = sample(arena, id, random, method, plan.largest);
    if (method == Method::Dual) return compare<Dual>(arena, id, inst, method);
    try {
      return compare<mpq_class>(arena, id, inst, method);
    } catch (const NotRational&) {
      // Transcendental: draw a floating-point instance instead.
      Instance real = sample(arena, id, random, Method::Double, plan.largest);
      return compare<double>(arena, id, real, Method::Double);
    }
  } catch (const Error& e) {
    if (e.category() == Error::Category::Domain) return {TrialResult::Outcome::NoSample, method, e.what()};
    throw;
  }
}

}  // namespace

TrialResult checkOnce(const Arena& arena, const Identity& id, RandomSource& random) {
  return checkOnce(arena, id, random, planFor(arena, id));
}

CheckSummary check(const Arena& arena, const Identity& id, int trials, std::uint64_t seed) {
  SeededSource random(seed);
  CheckSummary summary;
  Plan plan = planFor(arena, id);
  summary.method = plan.method;
  int misses = 0;
  while (summary.trials < trials) {
    TrialResult t = checkOnce(arena, id, random, plan);
    summary.method = t.method;
    if (t.outcome == TrialResult::Outcome::NoSample) {
      // A singular sample is rare by chance; many in a row means a missing guard.
      if (++misses > trials) {
        summary.ok = false;
        summary.detail = "could not find a sample where both sides are defined: " + t.detail;
        return summary;
      }
      continue;
    }
    ++summary.trials;
    if (t.outcome != TrialResult::Outcome::Equal) {
      summary.ok = false;
      summary.detail = t.detail;
      return summary;
    }
  }
  return summary;
}

}  // namespace matcalc
