// Naming common sub-expressions for output: a term is a DAG, and printed as
// a tree a sub-term shared by many parents is written many times (an
// L-layer network's gradient would print O(L^2) characters). Each sub-term
// that would be printed more than once, and is not tiny, gets a name.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "matcalc/print.hpp"

namespace matcalc {

namespace {

// Parents before children.
std::vector<Id> topologicalOrder(const Arena& a, Id root) {
  std::vector<Id> post;
  std::unordered_map<Id, bool> seen;
  std::vector<std::pair<Id, std::size_t>> stack{{root, 0}};
  seen[root] = true;
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    auto kids = a.kids(t);
    if (next < kids.size()) {
      Id k = kids[next++];
      if (seen.emplace(k, true).second) stack.push_back({k, 0});
    } else {
      post.push_back(t);
      stack.pop_back();
    }
  }
  std::reverse(post.begin(), post.end());
  return post;
}

// A name pays for itself for a function application (tanh(W1*x), inv(A +
// x*x')) or a big term; x - m or x'*x read better written out twice.
bool worthNaming(const Arena& a, Id t) {
  Kind k = a.kind(t);
  if (a.kids(t).empty() || k == Kind::Transpose || k == Kind::Differential) return false;
  std::uint64_t functions = 0;
  for (std::size_t i = 0; i < std::size(kKindInfo); ++i)
    if (kKindInfo[i].form == Form::Function || kKindInfo[i].form == Form::Elementwise) functions |= kindBit(static_cast<Kind>(i));
  std::uint32_t size = a.facts(t).treeSize;
  return (size >= 3 && (a.facts(t).kinds & functions)) || size >= 8;
}

}  // namespace

Shared shareCommonSubterms(Arena& a, Id term) {
  std::vector<Id> order = topologicalOrder(a, term);
  std::unordered_map<Id, double> printed;  // how many times each node would be printed
  std::unordered_map<Id, bool> named;
  printed[term] = 1;
  for (Id t : order) {
    double times = printed[t];
    bool name = t != term && times >= 2 && worthNaming(a, t);
    if (name) named[t] = true;
    for (Id k : a.kids(t)) printed[k] += name ? 1 : times;
  }
  Shared out{term, {}};
  if (named.empty()) return out;

  // Names t1, t2 … in dependency order (children first), none a user's variable.
  std::uint32_t scope = a.newScope();
  std::unordered_map<Id, Id> symbolFor, rebuilt;
  int counter = 0;
  auto freshName = [&] {
    for (;;) {
      std::string name = "t" + std::to_string(++counter);
      if (!a.findSymbol(name, 0)) return name;
    }
  };
  std::function<Id(Id, bool)> replace = [&](Id t, bool top) -> Id {
    if (!top)
      if (auto s = symbolFor.find(t); s != symbolFor.end()) return s->second;
    if (auto r = rebuilt.find(t); r != rebuilt.end() && !top) return r->second;
    auto kids = a.kids(t);
    if (kids.empty()) return t;
    std::vector<Id> nk;
    bool changed = false;
    for (Id k : kids) {
      nk.push_back(replace(k, false));
      changed = changed || nk.back() != k;
    }
    Id r = changed ? a.raw(a.kind(t), std::move(nk)) : t;
    if (!top) rebuilt.emplace(t, r);
    return r;
  };
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Id t = *it;
    if (!named.count(t)) continue;
    Id definition = replace(t, true);
    Shape s = a.shape(t);
    VarKind kind = s.isScalar() ? VarKind::Scalar : s.isColumn() ? VarKind::Vector : VarKind::Matrix;
    std::string name = freshName();
    symbolFor.emplace(t, a.symbol(name, kind, s, scope));
    out.bindings.push_back({name, definition});
  }
  out.result = replace(term, true);
  return out;
}

}  // namespace matcalc
