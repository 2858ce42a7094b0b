// Rewriting to normal form with the rules of rules/, one step at a time, each
// step recorded with the rule that made it.
#pragma once
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "matcalc/rules.hpp"

namespace matcalc {

// Limits that end rewriting with Error(Budget) rather than a hang.
struct Budget {
  std::size_t maxSteps = 4000;
  std::size_t maxSize = 4000;  // nodes of the term, counted as a tree
  std::size_t maxDepth = 200;
};

struct Step {
  const Rule* rule;
  Id before, after;  // the sub-term rewritten, and what replaced it
  Id term;           // the whole term after the step
};

// What guards may rely on beyond the shape of a term.
struct Facts {
  bool everythingVaries = true;                // constant(A): A has no variable at all …
  std::vector<Id> varying;                     // … or, when false, none of these
  std::set<Id> invertible, positive, nonzero;  // sub-terms the input presupposes to be so
  std::set<Id> symmetric, spd;                 // … or that the user assumes (--assume, a catalog guard)
  bool differentiable = false;                 // a rule with d(·) may assume its domain guards
};
// What an expression presupposes: inv(A) and logdet(A) need A invertible,
// log(A) and sqrt(A) need A positive, A in a denominator needs A nonzero.
Facts presuppositions(const Arena& arena, Id term);
// Adds guards as facts: spd(S) also makes S symmetric, invertible and nonzero.
void assume(Facts& facts, const std::vector<GuardUse>& guards);

enum class Phase {
  Simplify,  // rules in the recursive path order, and ordered rules on shrinking instances
  Gradient,  // any rule whose instance brings the differentials closer to <G, d(X)>
};

class Rewriter {
 public:
  Rewriter(Arena& arena, const RuleSet& rules, Phase phase, Facts facts = {}, Budget budget = {});
  Id normalize(Id term);
  const std::vector<Step>& steps() const { return steps_; }
  // Guards a rule with d(·) assumed, e.g. "invertible(X)", in first-use order.
  const std::vector<std::string>& assumptions() const { return assumed_; }

 private:
  bool rewriteOnce(Id term, Id& out, std::size_t depth);
  bool tryRules(Id term, Id& out);
  bool guardsHold(const Rule& rule, const std::vector<std::pair<Guard, Id>>& guards);

  Arena& arena_;
  Phase phase_;
  Facts facts_;
  Budget budget_;
  std::vector<std::vector<const Rule*>> byHead_;  // indexed by Kind
  std::unordered_set<Id> normal_;                 // known to be in normal form
  std::vector<Step> steps_;
  std::vector<std::string> assumed_;
  const Rule* lastRule_ = nullptr;
  Id lastBefore_ = 0, lastAfter_ = 0;
};

}  // namespace matcalc
