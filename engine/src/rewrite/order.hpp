// The reduction orders that keep rewriting from looping
// (docs/reduction-order.md), and the load-time checks against them.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "matcalc/rules.hpp"

namespace matcalc::detail {

// Kind precedence of the recursive path order: higher is "bigger".
int precedence(Kind kind);

// s > t in the recursive path order with multiset status; pattern variables
// (symbols of scope `scope`) are variables, every other leaf a constant.
bool rpoGreater(const Arena& arena, Id s, Id t, std::uint32_t scope);

// Ordered rewriting's ground order: smaller size first, then the arena's
// structural order. Total and well-founded on terms.
bool groundLess(const Arena& arena, Id a, Id b);
std::size_t termSize(const Arena& arena, Id t);

// The gradient phase's measure: for every occurrence of a node that `isCarrier`
// accepts, its depth and whether it stands anywhere but as the second operand
// of an inner product. A step must make this multiset smaller.
using PathMeasure = std::vector<std::pair<int, int>>;
template <class Pred>
void collectPaths(const Arena& arena, Id t, Pred isCarrier, PathMeasure& out, int depth = 0, bool atInnerRight = false) {
  if (isCarrier(t)) {
    out.push_back({depth, atInnerRight ? 0 : 1});
    return;
  }
  auto kids = arena.kids(t);
  for (std::size_t i = 0; i < kids.size(); ++i)
    collectPaths(arena, kids[i], isCarrier, out, depth + 1, arena.kind(t) == Kind::Inner && i == 1);
}
bool multisetLess(PathMeasure a, PathMeasure b);  // a < b in the multiset extension

// Why the rule is not oriented by its order (empty when it is).
std::string orientationProblem(const Arena& arena, const Rule& rule);
std::optional<std::string> dimensionOnlyOnRight(const Arena& arena, Id lhs, Id rhs);

}  // namespace matcalc::detail
