#include "match.hpp"

#include <algorithm>

namespace matcalc::detail {

bool Matcher::bindDim(Dim p, Dim s, Binding& b) const {
  if (p == kOne) return s == kOne;
  auto [it, added] = b.dims.emplace(p, s);
  return added || it->second == s;
}

bool Matcher::bindVar(Id var, Id term, Binding& b) const {
  if (auto it = b.vars.find(var); it != b.vars.end()) return it->second == term;
  Shape ps = a_.shape(var), ss = a_.shape(term);
  if (!bindDim(ps.rows, ss.rows, b) || !bindDim(ps.cols, ss.cols, b)) return false;
  b.vars.emplace(var, term);
  return true;
}

Id Matcher::join(Kind kind, std::span<const Id> run) {
  if (run.size() == 1) return run[0];
  return a_.make(kind, std::vector<Id>(run.begin(), run.end()));
}

bool Matcher::match(Id p, Id s, Binding b, const Next& next) {
  if (isVar(p)) return bindVar(p, s, b) && next(b);
  const Node& pn = a_.node(p);
  const Node& sn = a_.node(s);
  if (pn.kind != sn.kind) return false;
  switch (pn.kind) {
    case Kind::Symbol:
    case Kind::Number:
      return p == s && next(b);
    case Kind::Identity:
    case Kind::Zero:
    case Kind::Ones:
      return bindDim(pn.shape.rows, sn.shape.rows, b) && bindDim(pn.shape.cols, sn.shape.cols, b) && next(b);
    case Kind::Mul:
      return matchRun(pn.kids, 0, sn.kids, 0, std::move(b), [&](Binding& bb) { return next(bb); });
    case Kind::Add:
    case Kind::Scale:
    case Kind::Hadamard:
      return matchAC(pn.kind, pn.kids, sn.kids, false, std::move(b),
                     [&](Binding& bb, std::vector<Id>&) { return next(bb); });
    default:
      if (pn.kids.size() != sn.kids.size()) return false;
      return matchKids(pn.kids, sn.kids, 0, std::move(b), next);
  }
}

bool Matcher::matchKids(std::span<const Id> p, std::span<const Id> s, std::size_t i, Binding b, const Next& next) {
  if (i == p.size()) return next(b);
  return match(p[i], s[i], std::move(b), [&](Binding& bb) { return matchKids(p, s, i + 1, bb, next); });
}

// Factors p[i..] against s[j..]: a non-scalar variable takes a run of factors.
bool Matcher::matchRun(std::span<const Id> p, std::size_t i, std::span<const Id> s, std::size_t j, Binding b,
                       const Next& next) {
  if (i == p.size()) return j == s.size() && next(b);
  if (j >= s.size()) return false;
  std::size_t othersNeed = p.size() - i - 1;
  if (isVar(p[i]) && !a_.shape(p[i]).isScalar()) {
    for (std::size_t len = 1; j + len + othersNeed <= s.size(); ++len) {
      Binding bb = b;
      Id run = join(Kind::Mul, s.subspan(j, len));
      if (bindVar(p[i], run, bb) && matchRun(p, i + 1, s, j + len, bb, next)) return true;
    }
    return false;
  }
  return match(p[i], s[j], std::move(b), [&](Binding& bb) { return matchRun(p, i + 1, s, j + 1, bb, next); });
}

// Operands in any order: non-variables first, each to one operand; then each
// variable to one operand, the last variable taking all that remain (unless
// `leftovers`, at the root, where what remains is handed to `next`).
bool Matcher::matchAC(Kind kind, std::span<const Id> p, std::span<const Id> s, bool leftovers, Binding b,
                      const std::function<bool(Binding&, std::vector<Id>&)>& next) {
  std::vector<Id> fixed, vars;
  for (Id k : p) (isVar(k) ? vars : fixed).push_back(k);
  std::vector<bool> used(s.size(), false);

  std::function<bool(std::size_t, Binding&)> assignVars = [&](std::size_t vi, Binding& bb) -> bool {
    std::vector<Id> rest;
    for (std::size_t j = 0; j < s.size(); ++j)
      if (!used[j]) rest.push_back(s[j]);
    if (vi == vars.size()) return (leftovers || rest.empty()) && next(bb, rest);
    if (rest.empty()) return false;
    if (vi + 1 == vars.size() && !leftovers) {
      Binding b2 = bb;
      Id all = join(kind, rest);
      std::vector<Id> none;
      return bindVar(vars[vi], all, b2) && next(b2, none);
    }
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (used[j]) continue;
      Binding b2 = bb;
      if (!bindVar(vars[vi], s[j], b2)) continue;
      used[j] = true;
      bool done = assignVars(vi + 1, b2);
      used[j] = false;
      if (done) return true;
    }
    return false;
  };
  std::function<bool(std::size_t, Binding&)> assignFixed = [&](std::size_t fi, Binding& bb) -> bool {
    if (fi == fixed.size()) return assignVars(0, bb);
    for (std::size_t j = 0; j < s.size(); ++j) {
      if (used[j]) continue;
      used[j] = true;
      bool done = match(fixed[fi], s[j], bb, [&](Binding& b2) { return assignFixed(fi + 1, b2); });
      used[j] = false;
      if (done) return true;
    }
    return false;
  };
  return assignFixed(0, b);
}

bool Matcher::matchRoot(Id pattern, Id subject, const std::function<bool(const RootMatch&)>& accept) {
  Kind pk = a_.kind(pattern);
  if (!isVar(pattern) && pk == a_.kind(subject) && pk == Kind::Mul) {
    auto p = a_.kids(pattern), s = a_.kids(subject);
    // Every run s[from, to), the whole product first.
    for (std::size_t len = s.size(); len >= 1; --len)
      for (std::size_t from = 0; from + len <= s.size(); ++from) {
        bool found = matchRun(p, 0, s.subspan(from, len), 0, Binding{}, [&](Binding& b) {
          RootMatch m{b, {s.begin(), s.begin() + from}, {s.begin() + from + len, s.end()}};
          return accept(m);
        });
        if (found) return true;
      }
    return false;
  }
  if (!isVar(pattern) && pk == a_.kind(subject) && isAC(pk)) {
    auto p = a_.kids(pattern), s = a_.kids(subject);
    for (bool leftovers : {false, true}) {
      if (leftovers && p.size() >= s.size()) break;
      bool found = matchAC(pk, p, s, leftovers, Binding{}, [&](Binding& b, std::vector<Id>& rest) {
        RootMatch m{b, rest, {}};
        return accept(m);
      });
      if (found) return true;
    }
    return false;
  }
  return match(pattern, subject, Binding{}, [&](Binding& b) { return accept(RootMatch{b, {}, {}}); });
}

Id Matcher::instantiate(Id pattern, const Binding& b) {
  if (isVar(pattern)) return b.vars.at(pattern);
  const Node n = a_.node(pattern);  // a copy: make() below may grow the arena
  auto dim = [&](Dim d) { return d == kOne ? kOne : b.dims.at(d); };
  switch (n.kind) {
    case Kind::Identity: return a_.identity(dim(n.shape.rows));
    case Kind::Zero: return a_.zero({dim(n.shape.rows), dim(n.shape.cols)});
    case Kind::Ones: return a_.ones({dim(n.shape.rows), dim(n.shape.cols)});
    case Kind::Symbol:
    case Kind::Number: return pattern;
    default: break;
  }
  std::vector<Id> kids;
  for (Id k : n.kids) kids.push_back(instantiate(k, b));
  return a_.make(n.kind, std::move(kids));
}

}  // namespace matcalc::detail
