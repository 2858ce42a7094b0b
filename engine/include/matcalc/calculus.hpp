// The user's jobs: simplify, decide equivalence, and take gradients by the
// differential method, with a derivation of named rule steps.
#pragma once
#include <string>
#include <vector>

#include "matcalc/rewrite.hpp"

namespace matcalc {

struct Derivation {
  struct Stage {
    std::string title;  // "differentiate", "isolate d(X)", "simplify G" …
    Id start;
    std::vector<Step> steps;
  };
  std::vector<Stage> stages;
  std::vector<std::string> assumptions;
};

struct SimplifyResult {
  Id normal;   // the normal form
  Id display;  // the same value, presented compactly (common factors factored out)
  Derivation derivation;
};
// With recordSteps, every step of the derivation carries the whole term (--steps).
SimplifyResult simplify(Arena& arena, const RuleSet& rules, Id term, const std::vector<GuardUse>& assumptions = {},
                        Budget budget = {}, bool recordSteps = false);
// The canonical normal form alone (simplify's `normal`), for callers that compare
// terms (equiv, the catalog): without simplify's presentation and its unexpanded pass.
// With Phase::Tidy, the form simplified without distributing products over sums.
Id normalForm(Arena& arena, const RuleSet& rules, Id term, const std::vector<GuardUse>& assumptions = {}, Budget budget = {},
              Phase phase = Phase::Simplify);
// The same under facts already worked out (termFacts: what the term
// presupposes, and the assumptions), for a caller that normalises it twice.
Id normalForm(Arena& arena, const RuleSet& rules, Id term, const Facts& facts, Budget budget, Phase phase);
Facts termFacts(const Arena& arena, Id term, const std::vector<GuardUse>& assumptions);

// A compact presentation of a normal form: common left/right factors and
// numeric factors taken out of sums, <x, y> of vectors written x'*y.
Id present(Arena& arena, Id term);
// The commutation matrix, made from a 0 of its shape, written with a
// variable of that shape (the preferred ones first, then the term's own).
Id nameCommutations(Arena& arena, Id term, std::vector<Id> preferred = {});

struct GradientResult {
  Id gradient;  // in normal form, shaped like the variable
  Id display;
  Derivation derivation;
};
// The gradient of a scalar f with respect to the symbol x. Throws
// Error(Shape) for a non-scalar f, Error(Usage) when x is not a variable,
// Error(Unsupported) when no rule applies where one is needed.
// `assumptions` (symmetric(S), spd(S) …) let rules that need them apply.
// A gradient to be differentiated again by the variables `differentiatedAgainBy`
// (a Hessian) uses no symmetry of theirs that spd(y) alone would give (from
// --assume or a rule's domain, as logdet's): it is right off the symmetric
// matrices too, so its Jacobian is the Hessian along every direction.
GradientResult gradient(Arena& arena, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& assumptions = {},
                        Budget budget = {}, bool recordSteps = false, const std::vector<Id>& differentiatedAgainBy = {});
// A gradient G of x taken within the matrices `assumptions` restrict x to:
// G .* I for diagonal(x), (G + G')/2 for symmetric(x) (docs/symmetric-gradients.md),
// G itself otherwise (spd(x) alone states a domain, not a structure).
Id withinStructure(Arena& arena, Id g, Id x, const std::vector<GuardUse>& assumptions);

// Derivatives of every shape (Magnus & Neudecker's identification theorems).
struct DerivativeResult {
  Id result;   // in normal form
  Id display;
  Derivation derivation;
};
// dF of an F of any shape, simplified, linear in d(x).
DerivativeResult differential(Arena& arena, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& assumptions = {},
                              Budget budget = {}, bool recordSteps = false);
// J = ∂vec(F)/∂vec(x)', size(F)×size(x), from vec(dF) = J*vec(d(x)); vec
// stacks columns. A scalar F gives the row vec(G)'.
DerivativeResult jacobian(Arena& arena, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& assumptions = {},
                          Budget budget = {}, bool recordSteps = false);
// H = ∂vec(∇ₓf)/∂vec(y)' of a scalar f: the Jacobian of the gradient
// (symmetric when y = x), from d²f = vec(dx)'*H*vec(dy).
DerivativeResult hessian(Arena& arena, const RuleSet& rules, Id f, Id x, Id y, const std::vector<GuardUse>& assumptions = {},
                         Budget budget = {}, bool recordSteps = false);
// The same from f's gradient by x (its derivation comes first in the result's):
// one gradient serves every block H_xy. Take that gradient with y among its
// `differentiatedAgainBy`, or under spd(y) the result holds along symmetric
// directions only.
DerivativeResult hessian(Arena& arena, const RuleSet& rules, const GradientResult& gradientByX, Id y,
                         const std::vector<GuardUse>& assumptions = {}, Budget budget = {}, bool recordSteps = false);

}  // namespace matcalc

namespace matcalc {

// Whether a = b: the same normal form proves it; for expressions built from
// rational operations only, exact evaluation over the rationals at random
// integer points decides it up to a stated chance of a false identity
// passing (Schwartz–Zippel); otherwise evaluation in doubles can only refute.
struct EquivalenceOptions {
  int sizeDraws = 5;      // dimension sizes drawn (all 6 or the most that fits, one less, then each from 1–6) …
  int pointsPerDraw = 3;  // … and points evaluated exactly at each
  std::uint64_t seed = 1;
  Budget budget{};
};
struct Equivalence {
  enum class Verdict { Equal, Different, NotProven } verdict = Verdict::NotProven;
  enum class Method { NormalForm, Exact, Numeric } method = Method::Numeric;
  int points = 0;                 // points evaluated
  double falsePassBound = 0;      // Exact: at most this chance that unequal sides (at the sizes drawn) agreed everywhere
  int largestSize = 6;            // Exact: the largest size a dimension had
  double largestDifference = 0;   // Numeric: the largest relative difference seen
  std::string detail;             // the normal form, or where the sides differ
};
// Whether every operation of t is rational (no exp, log, abs …; integer
// exponents): what compareExactly can evaluate.
bool isRationalFunction(const Arena& arena, Id t);
// Whether u's own operation is (its operands aside).
bool isRationalOperation(const Arena& arena, Id u);
// u's exponent when u is a matrix or elementwise power by a number that is
// not an integer (b^(1/2)), else null: one way an operation is not rational.
const mpq_class* fractionalExponent(const Arena& arena, Id u);
// Exact evaluation at random integer points, where both sides are rational
// functions of the entries (Method::Exact, Equal or Different); otherwise
// Verdict::NotProven with Method::Numeric, and nothing evaluated.
Equivalence compareExactly(const Arena& arena, Id a, Id b, const std::vector<GuardUse>& assumptions = {},
                           const EquivalenceOptions& options = {});
// Throws Error(Shape) when the sides' shapes differ.
Equivalence decideEquivalence(Arena& arena, const RuleSet& rules, Id a, Id b, const std::vector<GuardUse>& assumptions = {},
                              const EquivalenceOptions& options = {});

// Numeric comparisons at random points, for `equiv`, `grad --check`, and the
// self-check every gradient gets before it is shown. Values are sampled by
// what the expression presupposes: a square matrix under inv/logdet/det is
// symmetric positive definite, an argument of log/sqrt or a denominator is
// positive, anything else uniform in [-1, 1]; a point where a side is not
// finite is skipped.
struct NumericCheck {
  int points = 0;         // points where both sides were defined
  double maxError = 0;    // largest |a - b| / max(1, |a|, |b|)
  std::string worst;      // where the largest error was found
};
inline constexpr double kGradientTolerance = 1e-6;
// `assumptions` (symmetric(S), spd(S), positive(x)) are sampled as such.
NumericCheck compareNumerically(const Arena& arena, Id a, Id b, int points, std::uint64_t seed,
                                const std::vector<GuardUse>& assumptions = {});
// <G, V> against the exact directional derivative of f along V (dual numbers);
// V is symmetric when X is assumed symmetric.
NumericCheck checkGradient(const Arena& arena, Id f, Id x, Id g, int points, std::uint64_t seed,
                           const std::vector<GuardUse>& assumptions = {});
// J*vec(V) against the exact directional derivative vec(dF) of F along V (dual numbers).
NumericCheck checkJacobian(const Arena& arena, Id f, Id x, Id j, int points, std::uint64_t seed,
                           const std::vector<GuardUse>& assumptions = {});

}  // namespace matcalc
