// Shared by the printers.
#pragma once
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

}  // namespace matcalc::detail
