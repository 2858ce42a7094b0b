#include "distribution.hpp"

#include <algorithm>
#include <vector>

#include "order.hpp"

namespace matcalc::detail {

namespace {

// Whether r is p with its sub-term `sum` replaced by `by`. Operands of
// AC kinds may stand in another order.
bool replaced(const Arena& a, Id p, Id r, Id sum, Id by) {
  if (p == sum) return r == by;
  if (!a.contains(p, sum)) return p == r;
  if (a.kind(p) != a.kind(r)) return false;
  auto pk = a.kids(p), rk = a.kids(r);
  if (pk.size() != rk.size()) return false;
  if (!isAC(a.kind(p))) {
    for (std::size_t i = 0; i < pk.size(); ++i)
      if (!replaced(a, pk[i], rk[i], sum, by)) return false;
    return true;
  }
  // One operand holds the sum (it occurs once); the others are the same:
  // r's operands less p's others leave the one that holder became.
  std::vector<Id> same;
  Id holder = kNoId;
  for (Id k : pk) {
    if (a.contains(k, sum)) holder = k;
    else same.push_back(k);
  }
  std::vector<Id> left = multisetMinus(std::vector<Id>(rk.begin(), rk.end()), std::move(same));
  return holder != kNoId && left.size() == 1 && replaced(a, holder, left[0], sum, by);
}

// How many times `sub` occurs in the tree of t, counting up to 2.
std::size_t occurrences(const Arena& a, Id t, Id sub) {
  if (t == sub) return 1;
  if (!a.contains(t, sub)) return 0;
  std::size_t n = 0;
  for (Id k : a.kids(t))
    if ((n += occurrences(a, k, sub)) > 1) break;
  return n;
}

// The distinct sums in t, up to two (a rule with two is not the form sought,
// and a left-hand side of a million sums is not walked to the end).
void sumsIn(const Arena& a, Id t, std::vector<Id>& out) {
  if (out.size() > 1 || !a.hasKind(t, Kind::Add)) return;
  if (a.kind(t) == Kind::Add && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  for (Id k : a.kids(t)) sumsIn(a, k, out);
}

}  // namespace

Rule::Distribution distributionOf(const Arena& a, const Rule& rule) {
  if (rule.order != Order::Rpo || a.kind(rule.lhs) == Kind::Add || a.kind(rule.rhs) != Kind::Add) return {};
  auto rk = a.kids(rule.rhs);
  if (rk.size() != 2) return {};
  std::vector<Id> sums;
  sumsIn(a, rule.lhs, sums);
  if (sums.size() != 1) return {};
  Id sum = sums[0];
  auto parts = a.kids(sum);
  auto isVariable = [&](Id t) { return std::find(rule.variables.begin(), rule.variables.end(), t) != rule.variables.end(); };
  if (parts.size() != 2 || parts[0] == parts[1] || !isVariable(parts[0]) || !isVariable(parts[1])) return {};
  for (Id v : parts) {
    if (occurrences(a, rule.lhs, v) != 1) return {};
    for (const GuardUse& g : rule.where)
      if (g.variable == v) return {};
  }
  Id b = parts[0], c = parts[1];
  for (std::size_t i : {0, 1})
    if (replaced(a, rule.lhs, rk[i], sum, b) && replaced(a, rule.lhs, rk[1 - i], sum, c)) return {b, c, rk[i]};
  return {};
}

}  // namespace matcalc::detail
