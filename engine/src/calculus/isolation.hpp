// The pieces of the differential method that the gradient, the Jacobian and
// the Hessian share (gradient.cpp).
#pragma once
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "matcalc/calculus.hpp"

namespace matcalc {

// The schedule of both isolations (gradient: pairs <G, T>; Jacobian: J*vec(T)):
// pairs of a coefficient and a T linear in d(X), taken highest T first, the
// coefficients of one T summed before T is taken apart, so a sub-term shared
// by many paths is taken apart once. Pairs whose T is d(X) are done.
class PairSchedule {
 public:
  PairSchedule(Arena& a, Id dx) : a_(a), dx_(dx) {}
  void add(Id coefficient, Id t);
  bool empty() const { return queue_.empty(); }
  // The highest T still pending, with the sum of its coefficients.
  std::pair<Id, Id> next();
  // A step makes progress when every part's T is d(X) or lower than
  // `height`; the highest T that is still a product ranks it (0 when none
  // is: no split of a product leaves less), so of a rule's matches the one
  // that moves the most off T is taken: <1, d(x)'*A*x> becomes
  // <x'*A', d(x)'> in one step, not two. With `size` (T's tree size), a
  // part as high as T but smaller counts too: the isolations ask so only
  // when no rule lowers T (vec(kron(A, x'*d(X))) gives J*d(X)'*x, as high).
  // Either way each step lowers (height, size) lexicographically: it ends.
  template <class Parts>
  std::optional<std::uint32_t> rank(const Parts& parts, std::uint32_t height, std::uint32_t size = 0) const {
    std::uint32_t highest = 0;
    for (const auto& p : parts) {
      if (p.t == dx_) continue;
      std::uint32_t h = a_.facts(p.t).height;
      if (h > height || (h == height && a_.facts(p.t).treeSize >= size)) return std::nullopt;
      if (a_.kind(p.t) == Kind::Mul) highest = std::max(highest, h);
    }
    return highest;
  }
  const std::vector<Id>& done() const { return done_; }
  const std::unordered_map<Id, std::vector<Id>>& pending() const { return pending_; }
  Id sum(const std::vector<Id>& coefficients) const;

 private:
  struct HighestFirst {
    bool operator()(const std::pair<std::uint32_t, Id>& x, const std::pair<std::uint32_t, Id>& y) const {
      return x.first != y.first ? x.first > y.first : x.second > y.second;
    }
  };
  Arena& a_;
  Id dx_;
  std::set<std::pair<std::uint32_t, Id>, HighestFirst> queue_;
  std::unordered_map<Id, std::vector<Id>> pending_;
  std::vector<Id> done_;
};

// Refuses what cannot be differentiated: x not a variable, d(·) already in
// f, no rules loaded (Error(Usage)).
void requireDifferentiable(const Arena& a, const RuleSet& rules, Id f, Id x);
// The facts of differentiating f by x: `varying` for the rules, `plain` for simplifying the result.
struct Setting {
  Facts varying, plain;
  std::vector<Id> principal;  // the principal(A) f itself presupposes, before any assumption
};
Setting settingFor(const Arena& a, Id f, Id x, const std::vector<GuardUse>& assumptions);

// Adds the domains the differential rules assumed, for simplifying the
// derivative: it is checked where they hold. spd(M) of a compound M counts
// only as invertible unless M is symmetric wherever the variables the checks
// draw spd (forEachDomainPart) are: logdet(X*A) is differentiated as
// log det(X*A), valid wherever det(X*A) > 0, not only where X*A is symmetric.
// The variables `unconstrained` are never taken symmetric (a Hessian's).
void assumeDomainsOfRules(const Arena& a, Facts& facts, const Rewriter& differentiate, const std::vector<Id>& unconstrained = {});

// What a derivation assumed: the domains its differential rules asked for,
// and those f's matrix functions presuppose (principal(A) for logm(A) and
// sqrtm(A), which no rule asks for since the left-hand side presupposes it).
std::vector<std::string> assumedDomains(const Arena& a, const Setting& setting, const Rewriter& differentiate);

// The isolation rules (order: gradient), by head: <G, T> pairs for gradients, vec(T) for Jacobians.
const RuleIndex& isolationIndex(Arena& a, const RuleSet& rules);
// d(f) pushed inward, linear in d(x); a stage of `derivation`. Throws
// Error(Unsupported) naming a sub-term no rule differentiates.
Id differentiateOnce(Arena& a, Rewriter& differentiate, Id f, Id x, Derivation& derivation);
// The commutation matrices of a derivation's steps named as in its result (nameCommutations).
void nameCommutationsInSteps(Arena& a, Derivation& d, Id x);
// G with the scalar df = <G, dx>.
Id isolateGradient(Arena& a, Rewriter& r, const RuleIndex& index, Id dx, Id df, bool record, std::vector<Step>& steps);
// A derivative tidied, then expanded within a small budget where that reads
// shorter: returns what to show, sets `normal`.
Id simplifyDerivative(Arena& a, const RuleSet& rules, const Facts& plain, Job& job, Budget budget, Id g, bool recordSteps,
                      const std::string& title, Derivation& derivation, Id& normal);

}  // namespace matcalc
