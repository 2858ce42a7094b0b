// Rewriting to normal form with the rules of rules/, on the shared DAG: the
// normal form of each distinct sub-term is computed once and remembered, so a
// sub-term shared n times is rewritten once. Every step is recorded with the
// rule that made it.
#pragma once
#include <functional>
#include <optional>
#include <memory>
#include <unordered_map>
#include <string>
#include <unordered_set>
#include <vector>

#include "matcalc/id_map.hpp"
#include "matcalc/rules.hpp"

namespace matcalc {

namespace detail {
struct Deadline;
class Matcher;
}  // namespace detail
class RuleMatch;

// Limits that end a job with Error(Budget) rather than a hang: rewrite
// steps, distinct nodes the job adds to the arena, and wall time.
struct Budget {
  std::size_t maxSteps = 200'000;
  std::size_t maxNewNodes = 2'000'000;  // distinct nodes the job adds, and the operands they hold
  double seconds = 5.0;
};

struct Step {
  const Rule* rule;  // null for a step of the isolation phase that only splits a sum
  Id before, after;  // the sub-term rewritten, and what replaced it
  Id term;           // the whole term after the step (when steps are recorded for display)
};

// What guards may rely on beyond the shape of a term.
struct Facts {
  bool everythingVaries = true;                                  // constant(A): A has no variable at all …
  std::vector<Id> varying;                                       // … or, when false, none of these
  std::unordered_set<Id> invertible, positive, nonzero;          // sub-terms the input presupposes to be so
  std::unordered_set<Id> principal;                              // … off the closed negative real axis: logm, sqrtm
  std::unordered_set<Id> fullColRank;                            // A of full column rank: A'*A is invertible (and spd)
  std::unordered_set<Id> symmetric, spd;                         // … or that the user assumes (--assume, a catalog guard)
  std::unordered_set<Id> diagonal;                               // … (also in symmetric)
  std::unordered_set<Id> constants;                              // d(C) = 0 for these (a catalog guard constant(C))
  bool differentiable = false;                                   // a rule with d(·) may assume its domain guards
  // Adds invertible(t); a product of square matrices is invertible only if
  // each factor is, and then so are their transposes.
  void addInvertible(const Arena& arena, Id t);
};
// What an expression presupposes: inv(A) and logdet(A) need A invertible,
// log(A) and sqrt(A) need A positive, A in a denominator needs A nonzero,
// logm(A) and sqrtm(A) (and their Fréchet derivatives) need principal(A).
Facts presuppositions(const Arena& arena, Id term);
// Adds guards as facts: spd(S) also makes S symmetric, invertible and nonzero.
void assume(Facts& facts, const std::vector<GuardUse>& guards);
void assume(const Arena& arena, Facts& facts, Guard guard, Id term);
// The sub-terms a domain stated of t passes to, t first: through transposes,
// scalings, sums and inverses (spd(X + A) holds where X and A are spd). The
// numeric checks draw the variables among them in the domain.
void forEachDomainPart(const Arena& arena, Id t, const std::function<void(Id)>& visit);
// Symmetric by structure (B*C*B', inv(S) of a symmetric S …) or by a fact.
bool isSymmetric(const Arena& arena, Id term, const Facts& facts);
// Diagonal by structure (I, diag(v), sums, products and inverses of diagonal
// matrices …) or by a fact.
bool isDiagonal(const Arena& arena, Id term, const Facts& facts);

enum class Phase {
  Simplify,       // every rpo and ordered rule: the canonical normal form (products expanded)
  Tidy,           // the same without family `expand`: no product is distributed over a sum
  Differentiate,  // the rules that push d(·) inward, nothing else
};

// One job's shared limits: the deadline and the arena size it started with.
class Job {
 public:
  // The arena's constructors stop at the job's deadline too, until the Job ends.
  explicit Job(Arena& arena, Budget budget = {});
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;
  const Budget& budget() const { return budget_; }
  const detail::Deadline& deadline() const { return *deadline_; }
  // Throws Error(Budget) past the deadline or the node budget.
  void check(const Arena& arena) const;
  // The node budget alone (no clock reading): cheap enough for every step.
  void checkSize(const Arena& arena) const;

 private:
  Budget budget_;
  std::unique_ptr<detail::Deadline> deadline_;
  std::size_t startNodes_;
  Arena& arena_;
  ArenaLimits previous_;  // restored when the job ends
};

class Rewriter {
 public:
  // With `record`, every step also carries the whole term after it (for --steps).
  Rewriter(Arena& arena, const RuleSet& rules, Phase phase, Facts facts, const Job& job, bool record = false);
  ~Rewriter();
  Id normalize(Id term);
  const std::vector<Step>& steps() const { return steps_; }
  // Guards a rule with d(·) assumed, e.g. "invertible(X)", in first-use order.
  const std::vector<std::string>& assumptions() const { return assumed_; }
  // The same as facts, to simplify what was derived under them.
  const std::vector<std::pair<Guard, Id>>& assumedFacts() const { return assumedFacts_; }

  // One rule of `candidates` applied at the root of term: the first rule
  // whose match and guards agree, and that `rank` accepts (nullopt rejects a
  // result); of that rule's matches, the one ranked lowest (the first when
  // tied; 0 ends the search). Without rank, the first match. kNoId when none.
  struct Applied {
    const Rule* rule = nullptr;
    Id result = kNoId;
  };
  using Rank = std::function<std::optional<std::uint32_t>(Id)>;
  Applied applyAtRoot(Id term, const std::vector<const Rule*>& candidates, const Rank& rank = {});
  // With commit false, nothing is recorded: no fact assumed for a differential rule.
  bool guardsHold(const Rule& rule, RuleMatch& match, bool commit = true);
  bool invertible(Id t) const;
  bool gram(Id t) const;
  bool positive(Id t) const;

 private:
  Id norm(Id term);
  Applied tryRules(Id term);
  Id view(Id t, IdMap& memo);
  void record(const Rule* rule, Id before, Id after);

  Arena& arena_;
  Facts facts_;
  const Job& job_;
  bool record_;
  const RuleIndex& index_;
  IdMap memo_;            // the normal form of each id, kNoId if not known yet
  int depth_ = 0;         // of norm()'s recursion: rewrites that unfold one level at a time (d(A^k)) nest it
  IdMap latest_;          // while recording: the current form of a sub-term in progress
  Id root_ = kNoId;
  std::vector<Step> steps_;
  std::vector<std::string> assumed_;
  std::vector<std::pair<Guard, Id>> assumedFacts_;
  std::unique_ptr<detail::Matcher> matcher_;
};

// The matcher's view of a match, for guards.
class RuleMatch {
 public:
  explicit RuleMatch(detail::Matcher& m) : m_(m) {}
  Id term(Id var);
  // The operands var is bound to, or its term: what the term holds, without making it.
  std::span<const Id> parts(Id var) const;
  bool hasDifferential(Id var) const;
  Shape shape(Id var) const;

 private:
  detail::Matcher& m_;
};

}  // namespace matcalc
