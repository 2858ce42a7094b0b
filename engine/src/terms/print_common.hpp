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

}  // namespace matcalc::detail
