// Differentials, Jacobians and Hessians by the identification theorems
// (Magnus & Neudecker, Matrix Differential Calculus, ch. 9–10):
// vec(dF) = J*vec(dX) identifies J, and the Hessian of f is the Jacobian of
// its gradient.
//
// The Jacobian's isolation mirrors the gradient's: vec(dF) is kept as a sum
// of pairs J*vec(T), T linear in d(X); an isolation rule (rules/jacobian.yaml,
// head vec) moves one operator off T into J, until T is d(X). What shapes
// alone decide is done here, as the constructors do it: vec(x) = x for a
// column, vec(x') = x, a scalar factor goes into J, and vec(M*s) =
// vec(M)*s for a scalar s holding the differential. A scalar T is handed to
// the gradient's rules: vec(<G, d(X)>) = vec(G)'*vec(d(X)).
#include <algorithm>
#include <set>
#include <unordered_map>

#include "isolation.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/print.hpp"

namespace matcalc {

namespace {

struct VecPair {
  Id j, t;  // J*vec(t), t linear in d(X)
};

// J*K, K scalar or a matrix.
Id times(Arena& a, Id j, Id k) { return a.shape(k).isScalar() ? a.make(Kind::Scale, {k, j}) : a.make(Kind::Mul, {j, k}); }

bool carries(const Arena& a, Id t) { return a.hasKind(t, Kind::Differential); }

void vecPairsOf(Arena& a, Id u, Id j, std::vector<VecPair>& out) {
  if (a.isZero(u)) return;
  auto kids = a.kids(u);
  switch (a.kind(u)) {
    case Kind::Add:
      for (Id k : std::vector<Id>(kids.begin(), kids.end())) vecPairsOf(a, k, j, out);
      return;
    case Kind::Scale: {
      std::vector<Id> coefficient, carrier;
      for (Id k : kids) (carries(a, k) ? carrier : coefficient).push_back(k);
      if (carrier.size() != 1) break;
      Id c = coefficient.empty() ? a.number(1) : coefficient.size() == 1 ? coefficient[0] : a.make(Kind::Scale, coefficient);
      if (a.shape(carrier[0]).isScalar() && !a.shape(c).isScalar())
        vecPairsOf(a, carrier[0], a.make(Kind::Mul, {j, a.make(Kind::Vec, {c})}), out);  // vec(M*s) = vec(M)*s
      else
        vecPairsOf(a, carrier[0], times(a, j, c), out);
      return;
    }
    case Kind::Vec: vecPairsOf(a, kids[0], j, out); return;
    case Kind::Transpose:
      if (a.shape(kids[0]).rows == kOne || a.shape(kids[0]).cols == kOne) {  // vec(x') = x
        vecPairsOf(a, kids[0], j, out);
        return;
      }
      break;
    case Kind::Mul: {  // K*t with t a column holding the differential: vec(K*t) = K*t
      if (a.shape(u).cols != kOne || carries(a, kids[0])) break;
      std::size_t first = 0;  // the first factor holding the differential
      while (!carries(a, kids[first])) ++first;
      std::vector<Id> prefix(kids.begin(), kids.begin() + first), rest(kids.begin() + first, kids.end());
      Id k = prefix.size() == 1 ? prefix[0] : a.make(Kind::Mul, prefix);
      Id t = rest.size() == 1 ? rest[0] : a.make(Kind::Mul, rest);
      vecPairsOf(a, t, times(a, j, k), out);
      return;
    }
    default: break;
  }
  out.push_back({j, u});
}

class VecIsolation {
 public:
  VecIsolation(Arena& a, Rewriter& r, const RuleIndex& rules, Id dx, bool record)
      : a_(a), r_(r), rules_(rules), dx_(dx), record_(record), schedule_(a, dx) {}

  // J with vec(df) = J*vec(d(X)); start is the identity of size(F).
  Id run(Id df, Id start) {
    add(df, start);
    std::vector<Id> scalarParts;  // from pairs whose T is a scalar: J*vec(G)'
    while (!schedule_.empty()) {
      auto [sum, t] = schedule_.next();
      Id j = sum;  // a plain variable: clang 14 cannot capture a structured binding in the lambda below
      if (a_.isZero(j)) continue;
      if (a_.shape(t).isScalar()) {  // vec(<G, d(X)>) = vec(G)'*vec(d(X))
        Id g = isolateGradient(a_, r_, rules_, dx_, t, record_, steps_);
        scalarParts.push_back(a_.make(Kind::Mul, {j, a_.transpose(a_.make(Kind::Vec, {g}))}));
        continue;
      }
      Id subject = kNoId;
      std::uint32_t height = a_.facts(t).height, size = 0;
      auto progress = [&](Id result) {
        std::vector<VecPair> parts;
        vecPairsOf(a_, result, j, parts);
        return schedule_.rank(parts, height, size);
      };
      Rewriter::Applied step;
      for (std::uint32_t sizeBound : {0u, a_.facts(t).treeSize}) {  // lower first; else as high but smaller
        size = sizeBound;
        subject = a_.raw(Kind::Vec, {t});
        step = r_.applyAtRoot(subject, rules_.candidates(a_, subject), progress);
        if (!step.rule && a_.shape(t).cols == kOne) {  // a column is its own vec: rules written for it (diag(X))
          subject = t;
          step = r_.applyAtRoot(subject, rules_.candidates(a_, subject), progress);
        }
        if (step.rule) break;
      }
      if (!step.rule)
        throw Error(Error::Category::Unsupported,
                    "could not bring 'vec(" + toText(a_, t) + ")' to the form J*vec(" + toText(a_, dx_) + ")");
      add(step.result, j);
      steps_.push_back({step.rule, subject, step.result, kNoId});
    }
    std::vector<Id> parts = schedule_.done();
    parts.insert(parts.end(), scalarParts.begin(), scalarParts.end());
    if (parts.empty()) return kNoId;
    return schedule_.sum(parts);
  }

  std::vector<Step>& steps() { return steps_; }

 private:
  void add(Id u, Id j) {
    std::vector<VecPair> parts;
    vecPairsOf(a_, u, j, parts);
    for (const VecPair& p : parts) schedule_.add(p.j, p.t);
  }

  Arena& a_;
  Rewriter& r_;
  const RuleIndex& rules_;
  Id dx_;
  bool record_;
  PairSchedule schedule_;
  std::vector<Step> steps_;
};

}  // namespace

DerivativeResult differential(Arena& a, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& assumptions, Budget budget,
                              bool recordSteps) {
  requireDifferentiable(a, rules, f, x);
  Job job(a, budget);
  Setting s = settingFor(a, f, x, assumptions);
  DerivativeResult out{};
  Rewriter differentiate(a, rules, Phase::Differentiate, s.varying, job, recordSteps);
  Id df = differentiateOnce(a, differentiate, f, x, out.derivation);
  assumeDomainsOfRules(a, s.plain, differentiate);
  out.derivation.assumptions = assumedDomains(a, s, differentiate);
  // Tidied only: expanding would distribute d-free factors over sums.
  Rewriter tidy(a, rules, Phase::Tidy, s.plain, job, recordSteps);
  out.result = tidy.normalize(df);
  out.derivation.stages.push_back({"simplify the differential", df, tidy.steps()});
  out.display = present(a, out.result);
  job.check(a);
  return out;
}

DerivativeResult jacobian(Arena& a, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& assumptions, Budget budget,
                          bool recordSteps) {
  requireDifferentiable(a, rules, f, x);
  Job job(a, budget);
  Setting s = settingFor(a, f, x, assumptions);
  DerivativeResult out{};
  Id dx = a.make(Kind::Differential, {x});
  Rewriter differentiate(a, rules, Phase::Differentiate, s.varying, job, recordSteps);
  Id df = differentiateOnce(a, differentiate, f, x, out.derivation);

  Shape sf = a.shape(f), sx = a.shape(x);
  Dim rows = a.dimProduct({sf.rows, sf.cols}), cols = a.dimProduct({sx.rows, sx.cols});
  VecIsolation isolation(a, differentiate, isolationIndex(a, rules), dx, recordSteps);
  Id j = isolation.run(df, a.identity(rows));
  if (j == kNoId) j = a.zero({rows, cols});
  out.derivation.stages.push_back({"isolate vec(" + toText(a, dx) + ")", df, std::move(isolation.steps())});
  if (a.shape(j) != Shape{rows, cols})
    throw std::logic_error("a Jacobian of shape " + a.shapeText(a.shape(j)) + " where " + a.shapeText({rows, cols}) + " was due");

  assumeDomainsOfRules(a, s.plain, differentiate);
  out.derivation.assumptions = assumedDomains(a, s, differentiate);
  Id shown = simplifyDerivative(a, rules, s.plain, job, budget, j, recordSteps, "simplify the Jacobian", out.derivation, out.result);
  out.display = nameCommutations(a, present(a, shown), {x});
  if (recordSteps) nameCommutationsInSteps(a, out.derivation, x);
  job.check(a);
  return out;
}

DerivativeResult hessian(Arena& a, const RuleSet& rules, Id f, Id x, Id y, const std::vector<GuardUse>& assumptions, Budget budget,
                         bool recordSteps) {
  return hessian(a, rules, gradient(a, rules, f, x, assumptions, budget, recordSteps, {y}), y, assumptions, budget, recordSteps);
}

DerivativeResult hessian(Arena& a, const RuleSet& rules, const GradientResult& g, Id y, const std::vector<GuardUse>& assumptions,
                         Budget budget, bool recordSteps) {
  DerivativeResult h = jacobian(a, rules, g.gradient, y, assumptions, budget, recordSteps);
  Derivation whole = g.derivation;
  for (auto& stage : h.derivation.stages) whole.stages.push_back(std::move(stage));
  for (auto& why : h.derivation.assumptions)  // each said once: the gradient may have assumed it already
    if (std::find(whole.assumptions.begin(), whole.assumptions.end(), why) == whole.assumptions.end())
      whole.assumptions.push_back(std::move(why));
  h.derivation = std::move(whole);
  return h;
}

}  // namespace matcalc
