// Rules that distribute a context over a sum, Ctx[B + C] -> Ctx[B] + Ctx[C]
// (A*(B + C) -> A*B + A*C, kron(A, B + C), vec(A + B), ...). Applied as
// written, distributing over a sum of n terms takes n - 1 steps, each of
// which copies the rest of the sum: O(n^2). Since the rule holds for every B
// and C, it holds for every split, so Ctx[t1 + ... + tn] = Ctx[t1] + ... +
// Ctx[tn]; the rewriter builds that in one step.
#pragma once
#include "matcalc/rules.hpp"

namespace matcalc::detail {

// What makes `rule` such a rule (its first, rest and image), or an empty
// Distribution: the lhs has one sum, of two variables B and C that occur
// nowhere else and that no guard names; the rhs is the sum of the lhs with
// that sum replaced by B and by C; the rule is oriented by the path order.
Rule::Distribution distributionOf(const Arena& arena, const Rule& rule);

}  // namespace matcalc::detail
