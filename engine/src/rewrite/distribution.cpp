#include "distribution.hpp"

#include <algorithm>
#include <vector>

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
  // One operand holds the sum (it occurs once); the others are the same.
  std::vector<Id> others(rk.begin(), rk.end());
  Id holder = kNoId;
  for (Id k : pk) {
    if (a.contains(k, sum)) {
      holder = k;
      continue;
    }
    auto it = std::find(others.begin(), others.end(), k);
    if (it == others.end()) return false;
    others.erase(it);
  }
  return others.size() == 1 && holder != kNoId && replaced(a, holder, others[0], sum, by);
}

// How many times `sub` occurs in the tree of t.
std::size_t occurrences(const Arena& a, Id t, Id sub) {
  if (t == sub) return 1;
  std::size_t n = 0;
  for (Id k : a.kids(t)) n += occurrences(a, k, sub);
  return n;
}

void sumsIn(const Arena& a, Id t, std::vector<Id>& out) {
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
