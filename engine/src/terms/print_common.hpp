// Shared by the printers.
#pragma once
#include <span>
#include <vector>

#include "matcalc/term.hpp"

namespace matcalc::detail {

// A negative number, or a product with a negative coefficient: printed as
// subtraction inside a sum.
inline bool isNegativeTerm(const Arena& a, Id t) {
  if (a.kind(t) == Kind::Number) return a.numberOf(t) < 0;
  if (a.kind(t) != Kind::Scale) return false;
  Id first = a.kids(t)[0];
  return a.kind(first) == Kind::Number && a.numberOf(first) < 0;
}

// I, or a multiple of it.
inline bool isIdentityTerm(const Arena& a, Id t) {
  if (a.kind(t) == Kind::Scale) t = a.kids(t).back();
  return a.kind(t) == Kind::Identity;
}

// A sum's terms in reading order: positive ones first, so that "X*w - y"
// rather than "-y + X*w", and of each sign multiples of I last: "A + A' + 2*I".
inline std::vector<Id> positivesFirst(const Arena& a, std::span<const Id> terms) {
  std::vector<Id> out;
  for (bool negatives : {false, true})
    for (bool identities : {false, true})
      for (Id t : terms)
        if (isNegativeTerm(a, t) == negatives && isIdentityTerm(a, t) == identities) out.push_back(t);
  return out;
}

// A product's factors as runs: `period` factors repeated `repeats` times
// (repeats 1: the factors as they stand). The constructors write a short
// power of a product out, (A*B)^2 as A*B*A*B; the printers fold it back, and
// only where the constructors would write it out, so the text reads back as
// the same term. Leftmost first, each the run covering most factors.
struct Run {
  std::size_t begin, period, repeats;
};
inline std::vector<Run> repeatedRuns(std::span<const Id> factors) {
  std::vector<Run> runs;
  auto same = [&](std::size_t i, std::size_t j, std::size_t n) {
    for (std::size_t k = 0; k < n; ++k)
      if (factors[i + k] != factors[j + k]) return false;
    return true;
  };
  for (std::size_t i = 0; i < factors.size();) {
    Run best{i, 1, 1};
    for (std::size_t p = 2; 2 * p <= kMaxWrittenOutPower && i + 2 * p <= factors.size(); ++p) {
      std::size_t r = 1;
      while (i + (r + 1) * p <= factors.size() && (r + 1) * p <= kMaxWrittenOutPower && same(i, i + r * p, p)) ++r;
      if (r >= 2 && p * r > best.period * best.repeats) best = {i, p, r};
    }
    if (best.repeats == 1 && !runs.empty() && runs.back().repeats == 1) ++runs.back().period;
    else runs.push_back(best);
    i += best.period * best.repeats;
  }
  return runs;
}

}  // namespace matcalc::detail
