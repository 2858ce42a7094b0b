// The reduction orders that keep rewriting from looping
// (docs/reduction-order.md), and the load-time checks against them.
#pragma once
#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "matcalc/rules.hpp"

namespace matcalc::detail {

// Kind precedence of the recursive path order: higher is "bigger".
int precedence(Kind kind);

// s > t in the recursive path order with multiset status; pattern variables
// (symbols of scope `scope`) are variables, every other leaf a constant.
// `counters` are variables known to be positive integers: beta > beta - c.
// The comparison can take time quadratic in the sides (a product of n
// factors against one of n): past kMaxRpoComparisons steps (comparisons and
// operands sorted; the standard rules take at most a few hundred) it throws
// Error(Rule).
inline constexpr std::size_t kMaxRpoComparisons = 200'000;
bool rpoGreater(const Arena& arena, Id s, Id t, std::uint32_t scope, const std::vector<Id>& counters = {});

// Ordered rewriting's ground order: smaller size first, then the arena's
// structural order. Total and well-founded on terms.
bool groundLess(const Arena& arena, Id a, Id b);
std::size_t termSize(const Arena& arena, Id t);

// The gradient phase's measure, taken on a redex and its replacement: for
// every occurrence of a node that `isCarrier` accepts, the size of the second
// operand of the inner product at the root when it holds the occurrence, else
// the size of the whole term (a sum is measured summand by summand). Moving
// factors off the differential, or into that slot, makes the multiset
// smaller; every gradient step must.
using PathMeasure = std::vector<std::size_t>;
std::size_t termSize(const Arena& arena, Id t);
template <class Pred>
void countCarriers(const Arena& arena, Id t, Pred isCarrier, std::size_t weight, PathMeasure& out) {
  if (isCarrier(t)) {
    out.push_back(weight);
    return;
  }
  if (arena.kind(t) == Kind::Commutation) return;  // its operand only gives the shape
  for (Id k : arena.kids(t)) countCarriers(arena, k, isCarrier, weight, out);
}
template <class Pred>
void isolationMeasureInto(const Arena& arena, Id t, Pred isCarrier, PathMeasure& out) {
  auto kids = arena.kids(t);
  if (arena.kind(t) == Kind::Add) {  // a sum of pairs: each pair on its own
    for (Id k : kids) isolationMeasureInto(arena, k, isCarrier, out);
  } else if (arena.kind(t) == Kind::Inner) {
    countCarriers(arena, kids[0], isCarrier, termSize(arena, t), out);
    countCarriers(arena, kids[1], isCarrier, termSize(arena, kids[1]), out);
  } else if (arena.kind(t) == Kind::Vec) {  // the Jacobian's pairs: J*vec(T), T in the slot
    countCarriers(arena, kids[0], isCarrier, termSize(arena, kids[0]), out);
  } else if (arena.kind(t) == Kind::Mul && arena.shape(kids.back()).cols == kOne) {  // J*vec(T), J*x
    for (std::size_t i = 0; i + 1 < kids.size(); ++i) countCarriers(arena, kids[i], isCarrier, termSize(arena, t), out);
    if (arena.kind(kids.back()) == Kind::Vec) isolationMeasureInto(arena, kids.back(), isCarrier, out);
    else countCarriers(arena, kids.back(), isCarrier, termSize(arena, kids.back()), out);
  } else {
    countCarriers(arena, t, isCarrier, termSize(arena, t), out);
  }
}
template <class Pred>
PathMeasure isolationMeasure(const Arena& arena, Id t, Pred isCarrier) {
  PathMeasure out;
  isolationMeasureInto(arena, t, isCarrier, out);
  return out;
}
// m > n in the multiset extension of `greater`: once common elements are
// removed, m keeps something and each element left in n has a bigger one in m.
// m less n as multisets, sorted (by sorting: a side may have thousands).
template <class T>
std::vector<T> multisetMinus(std::vector<T> m, std::vector<T> n) {
  std::sort(m.begin(), m.end());
  std::sort(n.begin(), n.end());
  std::vector<T> out;
  std::set_difference(m.begin(), m.end(), n.begin(), n.end(), std::back_inserter(out));
  return out;
}
template <class T, class Greater>
bool multisetGreaterBy(std::vector<T> m, std::vector<T> n, Greater greater) {
  std::vector<T> mOnly = multisetMinus(m, n);  // the common elements removed
  n = multisetMinus(std::move(n), std::move(m));
  m = std::move(mOnly);
  if (m.empty()) return false;
  for (const T& t : n)
    if (std::none_of(m.begin(), m.end(), [&](const T& s) { return greater(s, t); })) return false;
  return true;
}
inline bool multisetLess(const PathMeasure& a, const PathMeasure& b) {
  return multisetGreaterBy(b, a, [](std::size_t x, std::size_t y) { return x > y; });
}

// Why the rule is not oriented by its order (empty when it is).
std::string orientationProblem(const Arena& arena, const Rule& rule);
std::optional<std::string> dimensionOnlyOnRight(const Arena& arena, Id lhs, Id rhs);

}  // namespace matcalc::detail
