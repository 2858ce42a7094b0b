// Numeric verification of an identity lhs = rhs (a rule, or a catalog entry):
// sample dimensions 1–5 and values that satisfy the guards, evaluate both
// sides, compare.
//   - rational operations only: exactly, over GMP rationals, on integers
//     from [-1000, 1000] (Schwartz–Zippel);
//   - with d(·): dual numbers; every variable gets a random direction
//     (zero when guarded constant), d(E) is E's directional derivative;
//   - transcendental functions: doubles, relative tolerance kTolerance.
#pragma once
#include <cstdint>
#include <random>
#include <string>

#include "matcalc/rules.hpp"

namespace matcalc {

inline constexpr double kTolerance = 1e-8;

// Where the random choices come from: a seeded generator for the CLI, or
// RapidCheck's generators in the property tests (which then shrink failures).
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual long integer(long lo, long hi) = 0;  // inclusive
};

class SeededSource : public RandomSource {
 public:
  explicit SeededSource(std::uint64_t seed) : rng_(seed) {}
  long integer(long lo, long hi) override { return std::uniform_int_distribution<long>(lo, hi)(rng_); }

 private:
  std::mt19937_64 rng_;
};

enum class Method { Exact, Dual, Double };
const char* methodName(Method m);

struct Identity {
  Id lhs, rhs;
  std::vector<GuardUse> where;
};
// A rule as written: a builtin rule's canonical sides are one term, so its raw sides are checked.
inline Identity identityOf(const Rule& r) { return {r.lhsRaw, r.rhsRaw, r.where}; }

struct TrialResult {
  enum class Outcome { Equal, Different, Undefined, NoSample } outcome;
  Method method;
  std::string detail;  // for a failure: the instance and both values
};

// The method an identity is verified with (Exact may fall back to Double).
Method preferredMethod(const Arena& arena, const Identity& id);

// One random instance.
TrialResult checkOnce(const Arena& arena, const Identity& id, RandomSource& random);

struct CheckSummary {
  bool ok = true;
  Method method = Method::Exact;
  int trials = 0;
  std::string detail;  // the first failure
};

// `trials` instances from a generator seeded with `seed`; stops at the first failure.
CheckSummary check(const Arena& arena, const Identity& id, int trials, std::uint64_t seed);

}  // namespace matcalc
