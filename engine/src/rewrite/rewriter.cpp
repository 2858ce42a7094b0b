#include <algorithm>
#include <functional>

#include "match.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rewrite.hpp"
#include "order.hpp"

namespace matcalc {

namespace {

bool isSymmetric(const Arena& a, Id t) {
  switch (a.kind(t)) {
    case Kind::Identity:
    case Kind::DiagMatrix: return true;
    case Kind::Zero:
    case Kind::Ones: return a.shape(t).rows == a.shape(t).cols;
    case Kind::Add:
    case Kind::Hadamard:
      return std::all_of(a.kids(t).begin(), a.kids(t).end(), [&](Id k) { return a.shape(k).isScalar() || isSymmetric(a, k); });
    case Kind::Scale: return isSymmetric(a, a.kids(t).back());
    case Kind::Inverse:
    case Kind::Transpose: return isSymmetric(a, a.kids(t)[0]);
    case Kind::Mul: {  // B*C*B' and the like: a palindrome up to transposes
      auto k = a.kids(t);
      for (std::size_t i = 0, j = k.size() - 1; i <= j; ++i, --j) {
        if (i == j) return isSymmetric(a, k[i]);
        Id x = k[i], y = k[j];
        bool mirror = (a.kind(y) == Kind::Transpose && a.kids(y)[0] == x) || (a.kind(x) == Kind::Transpose && a.kids(x)[0] == y);
        if (!mirror) return false;
        if (j == 0) break;
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace

Facts presuppositions(const Arena& a, Id term) {
  Facts f;
  std::function<void(Id)> walk = [&](Id t) {
    const Node& n = a.node(t);
    switch (n.kind) {
      case Kind::Inverse:
      case Kind::LogDet: f.invertible.insert(n.kids[0]); break;
      case Kind::MatPow:
        if (a.numberOf(n.kids[1]) < 0) f.invertible.insert(n.kids[0]);
        break;
      case Kind::Log:
      case Kind::Sqrt: f.positive.insert(n.kids[0]); break;
      case Kind::HadamardDiv: f.nonzero.insert(n.kids[1]); break;
      case Kind::Pow:
        if (a.kind(n.kids[1]) == Kind::Number && a.numberOf(n.kids[1]) < 0) f.nonzero.insert(n.kids[0]);
        break;
      default: break;
    }
    for (Id k : n.kids) walk(k);
  };
  walk(term);
  return f;
}

void assume(Facts& f, const std::vector<GuardUse>& guards) {
  for (const GuardUse& g : guards) {
    switch (g.guard) {
      case Guard::Spd: f.spd.insert(g.variable); [[fallthrough]];
      case Guard::Symmetric: f.symmetric.insert(g.variable); break;
      case Guard::Invertible: f.invertible.insert(g.variable); break;
      case Guard::Positive: f.positive.insert(g.variable); break;
      case Guard::Nonzero: f.nonzero.insert(g.variable); break;
      case Guard::Square:
      case Guard::Integer:
      case Guard::Constant:
      case Guard::Differential:
      case Guard::NoDifferential: break;
    }
    if (g.guard == Guard::Spd) {
      f.invertible.insert(g.variable);
      f.nonzero.insert(g.variable);
    }
  }
}

Rewriter::Rewriter(Arena& arena, const RuleSet& rules, Phase phase, Facts facts, Budget budget)
    : arena_(arena), phase_(phase), facts_(std::move(facts)), budget_(budget), byHead_(std::size(kKindInfo)) {
  for (const Rule& r : rules.rules()) {
    if (phase == Phase::Simplify && r.order == Order::Gradient) continue;
    byHead_[static_cast<int>(arena.kind(r.lhs))].push_back(&r);
  }
}

bool Rewriter::guardsHold(const Rule& rule, const std::vector<std::pair<Guard, Id>>& guards) {
  const Arena& a = arena_;
  bool differentialRule = containsKind(a, rule.lhs, Kind::Differential);
  std::vector<std::string> assumedHere;
  auto positive = [&](Id t) {
    Kind k = a.kind(t);
    return facts_.positive.count(t) || k == Kind::Exp || k == Kind::Sigmoid || k == Kind::Softmax || k == Kind::Ones ||
           (k == Kind::Number && a.numberOf(t) > 0);
  };
  for (auto [guard, t] : guards) {
    bool ok = false;
    switch (guard) {
      case Guard::Square: ok = a.shape(t).rows == a.shape(t).cols; break;
      case Guard::Differential: ok = containsKind(a, t, Kind::Differential); break;
      case Guard::NoDifferential: ok = !containsKind(a, t, Kind::Differential); break;
      case Guard::Constant:
        ok = !containsKind(a, t, Kind::Differential) &&
             (facts_.everythingVaries
                  ? !containsKind(a, t, Kind::Symbol)
                  : std::none_of(facts_.varying.begin(), facts_.varying.end(), [&](Id v) { return containsTerm(a, t, v); }));
        break;
      case Guard::Symmetric: ok = isSymmetric(a, t) || facts_.symmetric.count(t); break;
      case Guard::Invertible:
        ok = facts_.invertible.count(t) || a.kind(t) == Kind::Identity || a.kind(t) == Kind::Inverse ||
             (a.kind(t) == Kind::Transpose && facts_.invertible.count(a.kids(t)[0]));
        break;
      case Guard::Positive: ok = positive(t); break;
      case Guard::Nonzero:
        ok = positive(t) || facts_.nonzero.count(t) || (a.kind(t) == Kind::Number && a.numberOf(t) != 0);
        break;
      case Guard::Spd: ok = a.kind(t) == Kind::Identity || facts_.spd.count(t); break;
      case Guard::Integer: ok = a.kind(t) == Kind::Number && a.numberOf(t).get_den() == 1; break;
    }
    if (!ok && differentialRule && facts_.differentiable &&
        (guard == Guard::Invertible || guard == Guard::Positive || guard == Guard::Nonzero || guard == Guard::Spd)) {
      // Differentiating f presupposes f is differentiable where it is
      // evaluated: the domain a differential rule asks for is assumed.
      assumedHere.push_back(std::string(guardName(guard)) + "(" + toText(a, t) + ")");
      ok = true;
    }
    if (!ok) return false;
  }
  for (auto& s : assumedHere)
    if (std::find(assumed_.begin(), assumed_.end(), s) == assumed_.end()) assumed_.push_back(s);
  return true;
}

bool Rewriter::tryRules(Id term, Id& out) {
  for (const Rule* rule : byHead_[static_cast<int>(arena_.kind(term))]) {
    detail::Matcher matcher(arena_, rule->scope);
    Id result = 0;
    bool found = matcher.matchRoot(rule->lhs, term, [&](const detail::RootMatch& m) {
      std::vector<std::pair<Guard, Id>> guards;
      for (const GuardUse& g : rule->where) guards.push_back({g.guard, m.binding.vars.at(g.variable)});
      if (!guardsHold(*rule, guards)) return false;
      Id r;
      try {
        r = matcher.instantiate(rule->rhs, m.binding);
        if (!m.before.empty() || !m.after.empty()) {
          std::vector<Id> kids = m.before;
          kids.push_back(r);
          kids.insert(kids.end(), m.after.begin(), m.after.end());
          r = arena_.make(arena_.kind(term), std::move(kids));
        }
      } catch (const Error&) {
        return false;  // the instance is ill-shaped (a variable bound across a broadcast)
      }
      if (r == term) return false;
      if (phase_ == Phase::Gradient) {
        auto isD = [&](Id t) { return arena_.kind(t) == Kind::Differential; };
        if (!detail::multisetLess(detail::isolationMeasure(arena_, r, isD), detail::isolationMeasure(arena_, term, isD)))
          return false;
      } else if (rule->order == Order::Ordered && !detail::groundLess(arena_, r, term)) {
        return false;
      }
      result = r;
      return true;
    });
    if (found) {
      lastRule_ = rule;
      lastBefore_ = term;
      lastAfter_ = result;
      out = result;
      return true;
    }
  }
  return false;
}

// One step, innermost first: rewrite inside the leftmost kid that is not in
// normal form, else at the root.
bool Rewriter::rewriteOnce(Id term, Id& out, std::size_t depth) {
  if (normal_.count(term)) return false;
  if (depth > budget_.maxDepth)
    throw Error(Error::Category::Budget, "the term is nested deeper than " + std::to_string(budget_.maxDepth));
  auto kids = arena_.kids(term);
  for (std::size_t i = 0; i < kids.size(); ++i) {
    Id k;
    if (rewriteOnce(kids[i], k, depth + 1)) {
      std::vector<Id> rebuilt(kids.begin(), kids.end());
      rebuilt[i] = k;
      out = arena_.make(arena_.kind(term), std::move(rebuilt));
      return true;
    }
  }
  if (tryRules(term, out)) return true;
  normal_.insert(term);
  return false;
}

Id Rewriter::normalize(Id term) {
  Id next;
  while (rewriteOnce(term, next, 0)) {
    term = next;
    steps_.push_back({lastRule_, lastBefore_, lastAfter_, term});
    if (steps_.size() > budget_.maxSteps)
      throw Error(Error::Category::Budget, "rewriting took more than " + std::to_string(budget_.maxSteps) +
                                               " steps (last rule: " + lastRule_->name + ")");
    if (detail::termSize(arena_, term) > budget_.maxSize)
      throw Error(Error::Category::Budget, "the term grew beyond " + std::to_string(budget_.maxSize) + " nodes");
  }
  return term;
}

}  // namespace matcalc
