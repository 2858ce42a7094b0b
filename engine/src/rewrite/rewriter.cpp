#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <functional>

#include "match.hpp"
#include "matcalc/id_map.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rewrite.hpp"
#include "matcalc/walk.hpp"
#include "order.hpp"

namespace matcalc {

namespace {

constexpr std::size_t kLongest = 64;  // sums paired term by term (quadratic) up to this length

bool transposed(const Arena& a, Id x, Id y, const Facts& facts);

// A sum (or Hadamard product) whose terms are symmetric or come in pairs
// A, A' is symmetric: X + X', A*B + B'*A'. Pairs are sought in short sums
// only (each term against the others): a long one is not known symmetric.
bool termsPairUnderTranspose(const Arena& a, Id t, const Facts& facts) {
  auto k = a.kids(t);
  for (Id x : k) {
    if (a.shape(x).isScalar() || isSymmetric(a, x, facts)) continue;
    if (k.size() > kLongest || std::none_of(k.begin(), k.end(), [&](Id y) { return transposed(a, x, y, facts); })) return false;
  }
  return true;
}

// Whether y = x' given the facts: as detail::isTransposeOf, and also where a
// symmetric factor stands for its own transpose and sums are the transposes of
// each other term by term: (C - A)*(C' - A) is symmetric where A is.
bool transposed(const Arena& a, Id x, Id y, const Facts& facts) {
  if (detail::isTransposeOf(a, x, y)) return true;
  if (x == y) return a.shape(x).isScalar() || isSymmetric(a, x, facts);
  if (a.kind(x) != a.kind(y) || a.shape(x).rows != a.shape(y).cols || a.shape(x).cols != a.shape(y).rows) return false;
  auto kx = a.kids(x), ky = a.kids(y);
  if (kx.size() != ky.size() || kx.size() > kLongest) return false;
  switch (a.kind(x)) {
    case Kind::Mul:
      for (std::size_t i = 0; i < kx.size(); ++i)
        if (!transposed(a, kx[i], ky[kx.size() - 1 - i], facts)) return false;
      return true;
    case Kind::Scale:
      return std::equal(kx.begin(), kx.end() - 1, ky.begin()) && transposed(a, kx.back(), ky.back(), facts);
    case Kind::Add:
    case Kind::Hadamard: {  // each term of x the transpose of its own term of y
      boost::container::small_vector<bool, 16> used(ky.size(), false);
      for (Id u : kx) {
        std::size_t j = 0;
        while (j < ky.size() && (used[j] || !transposed(a, u, ky[j], facts))) ++j;
        if (j == ky.size()) return false;
        used[j] = true;
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace

bool isSymmetric(const Arena& a, Id t, const Facts& facts) {
  if (facts.symmetric.count(t)) return true;
  auto isSymmetric = [&](const Arena& a, Id t) { return ::matcalc::isSymmetric(a, t, facts); };
  // f(S) entry by entry, and expm, logm, sqrtm of S: f(S)' = f(S') = f(S).
  if (info(a.kind(t)).form == Form::Elementwise) return isSymmetric(a, a.kids(t)[0]);
  switch (a.kind(t)) {
    case Kind::Expm:
    case Kind::Logm:
    case Kind::Sqrtm:
    case Kind::HadamardPow: return isSymmetric(a, a.kids(t)[0]);
    case Kind::HadamardDiv: return isSymmetric(a, a.kids(t)[0]) && isSymmetric(a, a.kids(t)[1]);
    case Kind::Identity:
    case Kind::DiagMatrix: return true;
    case Kind::Zero:
    case Kind::Ones: return a.shape(t).rows == a.shape(t).cols;
    case Kind::Add:
    case Kind::Hadamard: return termsPairUnderTranspose(a, t, facts);
    case Kind::Scale: return isSymmetric(a, a.kids(t).back());
    case Kind::Inverse:
    case Kind::MatPow: return isSymmetric(a, a.kids(t)[0]);
    case Kind::Mul: {  // B*C*B' and the like: a palindrome up to transposes
      auto k = a.kids(t);
      for (std::size_t i = 0, j = k.size() - 1; i <= j; ++i, --j) {
        if (i == j) return isSymmetric(a, k[i]);
        if (!transposed(a, k[i], k[j], facts)) return false;
        if (j == 0) break;
      }
      return true;
    }
    default: return false;
  }
}

bool isDiagonal(const Arena& a, Id t, const Facts& facts) {
  if (facts.diagonal.count(t)) return true;
  auto diagonal = [&](Id k) { return isDiagonal(a, k, facts); };
  auto k = a.kids(t);
  switch (a.kind(t)) {
    case Kind::Identity:
    case Kind::DiagMatrix: return true;
    case Kind::Zero: return a.shape(t).rows == a.shape(t).cols;
    case Kind::Add:
    case Kind::Mul: return std::all_of(k.begin(), k.end(), [&](Id f) { return a.shape(f).isScalar() || diagonal(f); });
    case Kind::Hadamard: return std::any_of(k.begin(), k.end(), [&](Id f) { return !a.shape(f).isScalar() && diagonal(f); });
    case Kind::Scale: return diagonal(k.back());
    // Of a diagonal D: expm, logm, sqrtm act on its diagonal, and so does an
    // entrywise f with f(0) = 0.
    case Kind::Expm:
    case Kind::Logm:
    case Kind::Sqrtm:
    case Kind::Sin:
    case Kind::Tanh:
    case Kind::Sinh:
    case Kind::Relu:
    case Kind::Abs:
    case Kind::Sign:
    case Kind::Transpose:
    case Kind::Inverse:
    case Kind::MatPow: return diagonal(k[0]);
    default: return false;
  }
}

Facts presuppositions(const Arena& a, Id term) {
  Facts f;
  forEachNode(a, term, [&](Id t) {
    const Node n = a.node(t);
    switch (n.kind) {
      case Kind::Inverse:
      case Kind::LogDet: f.addInvertible(a, n.kids[0]); break;
      case Kind::MatPow:
        if (a.kind(n.kids[1]) == Kind::Number && a.numberOf(n.kids[1]) < 0) f.addInvertible(a, n.kids[0]);
        break;
      case Kind::Log:
      case Kind::Sqrt: f.positive.insert(n.kids[0]); break;
      case Kind::Logm:
      case Kind::Sqrtm:
      case Kind::DLogm:
      case Kind::DSqrtm:
      case Kind::KLogm:
      case Kind::KSqrtm:
      case Kind::D2Logm:
      case Kind::D2Sqrtm:
      case Kind::K2Logm:
      case Kind::K2Sqrtm: f.principal.insert(n.kids[0]); break;
      case Kind::HadamardDiv: f.nonzero.insert(n.kids[1]); break;
      case Kind::HadamardPow:
        if (a.kind(n.kids[1]) == Kind::Number && a.numberOf(n.kids[1]) < 0) f.nonzero.insert(n.kids[0]);
        break;
      case Kind::Pow:
        if (a.kind(n.kids[1]) == Kind::Number && a.numberOf(n.kids[1]) < 0) f.nonzero.insert(n.kids[0]);
        break;
      default: break;
    }
    return true;
  });
  return f;
}

void forEachDomainPart(const Arena& a, Id t, const std::function<void(Id)>& visit) {
  visit(t);
  switch (a.kind(t)) {
    case Kind::Transpose:
    case Kind::Scale:
    case Kind::Add:
    case Kind::Inverse:
      for (Id k : a.kids(t)) forEachDomainPart(a, k, visit);
      break;
    default: break;
  }
}

void Facts::addInvertible(const Arena& a, Id t) {
  if (!invertible.insert(t).second) return;
  if (a.kind(t) == Kind::Transpose) addInvertible(a, a.kids(t)[0]);
  if (a.kind(t) == Kind::Mul) {
    auto k = a.kids(t);
    if (std::all_of(k.begin(), k.end(), [&](Id f) { return a.shape(f).rows == a.shape(f).cols; }))
      for (Id f : k) addInvertible(a, f);
  }
}

void assume(const Arena& a, Facts& f, Guard guard, Id t) {
  switch (guard) {
    case Guard::Spd:
      f.spd.insert(t);
      f.addInvertible(a, t);
      f.nonzero.insert(t);
      f.symmetric.insert(t);
      f.principal.insert(t);
      break;
    case Guard::Principal: f.principal.insert(t); break;
    case Guard::FullColRank: f.fullColRank.insert(t); break;
    case Guard::Symmetric: f.symmetric.insert(t); break;
    case Guard::Diagonal:
      f.diagonal.insert(t);
      f.symmetric.insert(t);
      break;
    case Guard::Invertible: f.addInvertible(a, t); break;
    case Guard::Positive: f.positive.insert(t); break;
    case Guard::Nonzero: f.nonzero.insert(t); break;
    case Guard::Constant: f.constants.insert(t); break;
    case Guard::Square:
    case Guard::Integer:
    case Guard::Differential:
    case Guard::NoDifferential: break;
  }
}

void assume(Facts& f, const std::vector<GuardUse>& guards) {
  for (const GuardUse& g : guards) {
    switch (g.guard) {
      case Guard::Spd:  // symmetric, not diagonal: spd(S) once made S .* I read S
        f.spd.insert(g.variable);
        f.invertible.insert(g.variable);
        f.nonzero.insert(g.variable);
        f.principal.insert(g.variable);
        f.symmetric.insert(g.variable);
        break;
      case Guard::Diagonal:
        f.diagonal.insert(g.variable);
        f.symmetric.insert(g.variable);
        break;
      case Guard::Symmetric: f.symmetric.insert(g.variable); break;
      case Guard::Invertible: f.invertible.insert(g.variable); break;
      case Guard::Principal: f.principal.insert(g.variable); break;
      case Guard::FullColRank: f.fullColRank.insert(g.variable); break;
      case Guard::Positive: f.positive.insert(g.variable); break;
      case Guard::Nonzero: f.nonzero.insert(g.variable); break;
      case Guard::Constant: f.constants.insert(g.variable); break;
      case Guard::Square:
      case Guard::Integer:
      case Guard::Differential:
      case Guard::NoDifferential: break;
    }
  }
}

Job::Job(Arena& arena, Budget budget)
    : budget_(budget), deadline_(std::make_unique<detail::Deadline>(detail::Deadline::after(budget.seconds))),
      startNodes_(arena.footprint()), arena_(arena), previous_(arena.limits()) {
  if (deadline_->end < arena.limits().deadline) {
    arena.limits().deadline = deadline_->end;
    arena.limits().deadlineSeconds = budget.seconds;
  }
}
Job::~Job() {
  arena_.limits().deadline = previous_.deadline;
  arena_.limits().deadlineSeconds = previous_.deadlineSeconds;
}

void Job::checkSize(const Arena& arena) const {
  if (arena.footprint() - startNodes_ > budget_.maxNewNodes)
    throw Error(Error::Category::Budget, "the job made more than " + std::to_string(budget_.maxNewNodes) + " new terms and operands");
}

void Job::check(const Arena& arena) const {
  checkSize(arena);
  deadline_->check();
}

Id RuleMatch::term(Id var) { return m_.term(var); }
std::span<const Id> RuleMatch::parts(Id var) const { return m_.boundParts(var); }
bool RuleMatch::hasDifferential(Id var) const { return m_.boundHasDifferential(var); }
Shape RuleMatch::shape(Id var) const { return m_.boundShape(var); }

const std::vector<const Rule*>& RuleIndex::candidates(const Arena& a, Id t) const {
  Kind head = a.kind(t);
  const auto& all = byHead[static_cast<int>(head)];
  auto kids = a.kids(t);
  if (all.size() < 4 || kids.empty()) return all;
  auto kindAt = [&](std::size_t i) { return i < kids.size() ? static_cast<std::uint32_t>(a.kind(kids[i])) + 1 : 0u; };
  // The kinds below the root: a pattern's operands match the subject's (or
  // runs of them), so what they hold the subject's operands must hold too
  // (inv(A*B)'*B'*A' needs a product inside an operand of the product).
  std::uint64_t have = kindBit(Kind::Symbol);  // pattern variables are symbols
  for (Id k : kids) have |= a.facts(k).kinds;
  Key key{(static_cast<std::uint32_t>(head) << 16) | (kindAt(0) << 8) | kindAt(1), have};
  {
    std::shared_lock read(lock_.mutex);
    if (auto it = byKids_.find(key); it != byKids_.end()) return it->second;
    if (byKids_.size() >= kMaxKeys) return all;  // the filter only saves time
  }
  std::vector<const Rule*> out;
  // Only ordered product and AC patterns match operands out of place: they keep every rule.
  bool positional = head != Kind::Mul && !isAC(head);
  for (const Rule* r : all) {
    auto pk = a.kids(r->lhs);
    std::uint64_t needs = 0;
    for (Id k : pk) needs |= a.facts(k).kinds;
    bool fits = (needs & ~have) == 0;
    for (std::size_t i = 0; fits && positional && i < 2 && i < pk.size() && i < kids.size(); ++i) {
      bool variable = a.kind(pk[i]) == Kind::Symbol && a.symbolOf(pk[i]).scope == r->scope;
      if (!variable && a.kind(pk[i]) != a.kind(kids[i])) fits = false;
    }
    if (fits) out.push_back(r);
  }
  std::unique_lock write(lock_.mutex);
  return byKids_.try_emplace(key, std::move(out)).first->second;  // another thread's equal list, if it was first
}

namespace {

RuleIndex buildIndex(const Arena& arena, const RuleSet& rules, Phase phase) {
  RuleIndex index;
  index.byHead.resize(std::size(kKindInfo));
  for (const Rule& r : rules.rules()) {
    if (r.order == Order::Gradient || r.order == Order::Builtin) continue;
    Kind head = arena.kind(r.lhs);
    if (phase == Phase::Differentiate && head != Kind::Differential) continue;
    if (phase == Phase::Tidy && r.family == "expand") continue;
    index.byHead[static_cast<int>(head)].push_back(&r);
    if (head == Kind::Mul && !arena.shape(r.lhs).isScalar()) index.acrossWrap.push_back(&r);
  }
  return index;
}

}  // namespace

Rewriter::Rewriter(Arena& arena, const RuleSet& rules, Phase phase, Facts facts, const Job& job, bool record)
    : arena_(arena), facts_(std::move(facts)), job_(job), record_(record),
      index_(rules.index(static_cast<int>(phase), [&] { return buildIndex(arena, rules, phase); })),
      matcher_(std::make_unique<detail::Matcher>(arena, &job.deadline())) {}

Rewriter::~Rewriter() = default;

bool Rewriter::guardsHold(const Rule& rule, RuleMatch& m, bool commit) {
  const Arena& a = arena_;
  bool differentialRule = a.hasKind(rule.lhs, Kind::Differential);
  std::vector<std::string> assumedHere;
  auto positive = [&](Id t) { return this->positive(t); };
  for (const GuardUse& g : rule.where) {
    if (g.presupposed) continue;
    bool ok = false;
    switch (g.guard) {
      case Guard::Square: ok = m.shape(g.variable).rows == m.shape(g.variable).cols; break;
      case Guard::Differential: ok = m.hasDifferential(g.variable); break;
      case Guard::NoDifferential: ok = !m.hasDifferential(g.variable); break;
      case Guard::Constant: {
        if (m.hasDifferential(g.variable)) break;
        // Decided on the operands of a run (a term holds what they hold), so
        // that a refused split of a product does not make its factors' product.
        auto constant = [&](Id t) {
          if (!facts_.everythingVaries)
            return std::none_of(facts_.varying.begin(), facts_.varying.end(), [&](Id v) { return a.contains(t, v); });
          // No variable, or only variables declared constant.
          if (!a.hasKind(t, Kind::Symbol) || facts_.constants.count(t)) return true;
          if (facts_.constants.empty()) return false;
          std::vector<Id> vars = variablesOf(a, t);
          return std::all_of(vars.begin(), vars.end(), [&](Id v) { return facts_.constants.count(v) > 0; });
        };
        auto parts = m.parts(g.variable);
        ok = std::all_of(parts.begin(), parts.end(), constant);
        break;
      }
      case Guard::Symmetric: {
        Id t = m.term(g.variable);
        ok = isSymmetric(a, t, facts_);
        break;
      }
      case Guard::Diagonal: {
        Id t = m.term(g.variable);
        ok = isDiagonal(a, t, facts_);
        break;
      }
      case Guard::Invertible: ok = invertible(m.term(g.variable)); break;
      case Guard::Positive: ok = positive(m.term(g.variable)); break;
      case Guard::Nonzero: {
        Id t = m.term(g.variable);
        ok = positive(t) || facts_.nonzero.count(t) || (a.kind(t) == Kind::Number && a.numberOf(t) != 0) ||
             (a.kind(t) == Kind::Det && invertible(a.kids(t)[0]));  // det(A) of an invertible A
        break;
      }
      case Guard::Spd: {
        Id t = m.term(g.variable);
        ok = a.kind(t) == Kind::Identity || facts_.spd.count(t) || gram(t);
        break;
      }
      case Guard::Integer: {
        Id t = m.term(g.variable);
        ok = a.kind(t) == Kind::Number && a.numberOf(t).get_den() == 1;
        break;
      }
      case Guard::Principal: {  // A' has A's eigenvalues: principal with A
        Id t = m.term(g.variable);
        while (a.kind(t) == Kind::Transpose) t = a.kids(t)[0];
        ok = a.kind(t) == Kind::Identity || facts_.principal.count(t) || facts_.spd.count(t) || gram(t);
        break;
      }
      case Guard::FullColRank: {
        Id t = m.term(g.variable);
        ok = facts_.fullColRank.count(t) || (a.shape(t).rows == a.shape(t).cols && invertible(t));
        break;
      }
    }
    if (!ok && differentialRule && facts_.differentiable &&
        (g.guard == Guard::Invertible || g.guard == Guard::Positive || g.guard == Guard::Nonzero || g.guard == Guard::Spd ||
         g.guard == Guard::Principal)) {
      // Differentiating f presupposes f is differentiable where it is
      // evaluated: the domain a differential rule asks for is assumed.
      if (commit) {
        assumedHere.push_back(std::string(guardName(g.guard)) + "(" + toText(a, m.term(g.variable)) + ")");
        assumedFacts_.push_back({g.guard, m.term(g.variable)});
      }
      ok = true;
    }
    if (!ok) return false;
  }
  for (auto& s : assumedHere)
    if (std::find(assumed_.begin(), assumed_.end(), s) == assumed_.end()) assumed_.push_back(s);
  return true;
}

// Positive (entrywise) by a fact or by structure: exp, sigmoid, softmax,
// ones, positive numbers, a Gram form x'*x or tr(A'*A) (nonnegative, and
// zero only where A is), and powers, products and sums of positive terms.
bool Rewriter::positive(Id t) const {
  const Arena& a = arena_;
  if (facts_.positive.count(t)) return true;
  auto k = a.kids(t);
  switch (a.kind(t)) {
    case Kind::Exp:
    case Kind::Cosh:
    case Kind::Sigmoid:
    case Kind::Softmax:
    case Kind::Ones: return true;
    case Kind::Number: return a.numberOf(t) > 0;
    case Kind::Pow:
    case Kind::HadamardPow: return positive(k[0]);
    case Kind::Scale:
    case Kind::Hadamard:
    case Kind::Add: return std::all_of(k.begin(), k.end(), [&](Id c) { return positive(c); });
    case Kind::Mul:
    case Kind::Trace: {
      std::span<const Id> word = a.kind(t) == Kind::Mul ? k : a.kind(k[0]) == Kind::Mul ? a.kids(k[0]) : std::span<const Id>{};
      return a.shape(t).isScalar() && word.size() == 2 && const_cast<Arena&>(a).transpose(word[0]) == word[1];
    }
    default: return false;
  }
}

// Invertible by a fact, or by structure: I, an inverse, a power, a transpose
// or a product of square invertible matrices.
// A'*A for an A of full column rank: symmetric positive definite.
bool Rewriter::gram(Id t) const {
  const Arena& a = arena_;
  if (a.kind(t) != Kind::Mul || a.kids(t).size() != 2) return false;
  Id l = a.kids(t)[0], r = a.kids(t)[1];
  return a.kind(l) == Kind::Transpose && a.kids(l)[0] == r && facts_.fullColRank.count(r);
}

bool Rewriter::invertible(Id t) const {
  const Arena& a = arena_;
  if (facts_.invertible.count(t) || gram(t)) return true;
  switch (a.kind(t)) {
    case Kind::Identity:
    case Kind::Inverse: return true;
    case Kind::Transpose:
    case Kind::MatPow: return invertible(a.kids(t)[0]);
    case Kind::Mul: {
      auto k = a.kids(t);
      return std::all_of(k.begin(), k.end(), [&](Id f) { return a.shape(f).rows == a.shape(f).cols && invertible(f); });
    }
    default: return false;
  }
}

Rewriter::Applied Rewriter::applyAtRoot(Id term, const std::vector<const Rule*>& candidates, const Rank& rank) {
  Kind kind = arena_.kind(term);
  for (const Rule* rule : candidates) {
    Id result = kNoId;
    std::uint32_t best = 0;
    auto build = [&](std::span<const Id> before, std::span<const Id> after, bool closedWord) -> bool {
      RuleMatch m(*matcher_);
      if (!guardsHold(*rule, m)) return false;
      Id r;
      try {
        r = rule->distribution ? matcher_->instantiateOverSum(rule->distribution) : matcher_->instantiate(rule->rhs);
        if (closedWord) {  // the rest of a cyclic word follows the rewritten run
          std::vector<Id> word{r};
          word.insert(word.end(), before.begin(), before.end());
          r = arena_.make(Kind::Trace, {arena_.make(Kind::Mul, std::move(word))});
        } else if (!before.empty() || !after.empty()) {
          std::vector<Id> kids(before.begin(), before.end());
          kids.push_back(r);
          kids.insert(kids.end(), after.begin(), after.end());
          r = arena_.make(kind, std::move(kids));
        }
      } catch (const Error& e) {
        if (e.category() == Error::Category::Shape) return false;  // an ill-shaped instance
        throw;
      }
      if (r == term) return false;
      if (rule->order == Order::Ordered && !detail::groundLess(arena_, r, term)) return false;
      if (!rank) {
        result = r;
        return true;
      }
      std::optional<std::uint32_t> score = rank(r);
      if (!score || (result != kNoId && *score >= best)) return false;
      result = r;
      best = *score;
      return best == 0;  // else the rule's other matches may rank lower
    };
    auto bindingsHold = [&] {
      RuleMatch m(*matcher_);
      return guardsHold(*rule, m, false);
    };
    detail::Matcher::Check check(bindingsHold);
    if (arena_.kind(rule->lhs) == kind)
      matcher_->matchRoot(*rule, term, [&](std::span<const Id> before, std::span<const Id> after) {
        return build(before, after, false);
      }, rule->where.empty() ? nullptr : &check);
    if (result == kNoId && arena_.kind(rule->lhs) == Kind::Mul && !arena_.shape(rule->lhs).isScalar()) {
      // A product rule across the end of a closed word: tr(inv(A)*B*A).
      std::span<const Id> word;
      if (kind == Kind::Trace && arena_.kind(arena_.kids(term)[0]) == Kind::Mul) word = arena_.kids(arena_.kids(term)[0]);
      else if (kind == Kind::Mul && arena_.shape(term).isScalar()) word = arena_.kids(term);
      if (word.size() >= 2)
        matcher_->matchAcrossWrap(*rule, word, [&](std::span<const Id> rest, std::span<const Id>) {
          return build(rest, {}, true);
        });
    }
    if (result != kNoId) return {rule, result};
  }
  return {};
}

Rewriter::Applied Rewriter::tryRules(Id term) {
  Kind kind = arena_.kind(term);
  Applied a = applyAtRoot(term, index_.candidates(arena_, term));  // a 1×1 product also tries them across its end
  if (a.rule || kind != Kind::Trace || arena_.kind(arena_.kids(term)[0]) != Kind::Mul) return a;
  return applyAtRoot(term, index_.acrossWrap);
}

void Rewriter::record(const Rule* rule, Id before, Id after) {
  Id whole = kNoId;
  if (record_) {
    IdMap memo;
    whole = view(root_, memo);
  }
  steps_.push_back({rule, before, after, whole});
  if (steps_.size() > job_.budget().maxSteps)
    throw Error(Error::Category::Budget, "rewriting took more than " + std::to_string(job_.budget().maxSteps) +
                                             " steps (last rule: " + rule->name + ")");
  // One step may build a whole sum (distributing over n terms at once).
  if ((steps_.size() & 63) == 0) job_.check(arena_);
  else job_.checkSize(arena_);
}

// The whole term as far as rewriting has got: finished sub-terms by their
// normal form, sub-terms in progress by their latest form.
Id Rewriter::view(Id t, IdMap& memo) {
  if (Id known = memo.get(t); known != kNoId) return known;
  Id out;
  if (Id normal = memo_.get(t); normal != kNoId) {
    out = normal;
  } else if (Id l = latest_.get(t); l != kNoId && l != t) {
    out = view(l, memo);
  } else {
    auto kids = arena_.kids(t);
    std::vector<Id> nk;
    bool changed = false;
    for (Id k : kids) {
      nk.push_back(view(k, memo));
      changed = changed || nk.back() != k;
    }
    out = changed ? arena_.make(arena_.kind(t), std::move(nk)) : t;
  }
  memo.set(t, out);
  return out;
}

Id Rewriter::normalize(Id term) {
  root_ = term;
  return norm(term);
}

Id Rewriter::norm(Id t) {
  auto known = [&](Id x) { return memo_.get(x); };
  if (Id m = known(t); m != kNoId) return m;
  // The stack is bounded whatever the input: the terms' own depth is (the
  // arena's limit), but a rule may unfold a fresh sub-term to normalise at
  // every level (d(A^k) = d(A)*A^(k-1) + A*d(A^(k-1))).
  constexpr int kMaxDepth = 8000;
  if (depth_ >= kMaxDepth)
    throw Error(Error::Category::Budget, "rewriting nests deeper than " + std::to_string(kMaxDepth) + " levels");
  struct Deeper {
    int& d;
    explicit Deeper(int& x) : d(x) { ++d; }
    ~Deeper() { --d; }
  } deeper(depth_);
  boost::container::small_vector<Id, 8> forms{t};  // every form t went through: all have the normal form found
  Id cur = t;
  for (;;) {
    auto kids = arena_.kids(cur);
    boost::container::small_vector<Id, 8> nk;  // the operands' normal forms, from the first that differs
    bool changed = false;
    // Grown from a normal form, whose operands are normal forms too, by
    // operands that are: nothing to look up (a nested chain's differential
    // gains a factor per level, and the lookups would cost the product's length).
    const Arena::Growth* g = arena_.growth(cur);
    bool grownFromNormal = g && memo_.get(g->from) == g->from && std::all_of(g->added.begin(), g->added.end(), [&](Id a) {
      Id m = known(a);
      return (m != kNoId ? m : norm(a)) == a;
    });
    for (std::size_t i = 0; i < (grownFromNormal ? 0 : kids.size()); ++i) {
      Id m = known(kids[i]);  // most operands are: a long product gains one factor at a time
      if (m == kNoId) m = norm(kids[i]);
      if (!changed && m != kids[i]) {
        changed = true;
        nk.reserve(kids.size());
        nk.assign(kids.begin(), kids.begin() + static_cast<std::ptrdiff_t>(i));
      }
      if (changed) nk.push_back(m);
    }
    Id next = changed ? arena_.make(arena_.kind(cur), std::span<const Id>(nk.data(), nk.size())) : cur;
    if (next == cur) {
      Applied ap = tryRules(cur);
      if (!ap.rule) break;
      next = ap.result;
      if (record_) latest_.set(t, next);
      record(ap.rule, cur, next);
    } else if (record_) {
      latest_.set(t, next);
    }
    cur = next;
    if (Id m = known(cur); m != kNoId) {
      cur = m;
      break;
    }
    forms.push_back(cur);
  }
  for (Id f : forms) memo_.set(f, cur);
  memo_.set(cur, cur);
  if (record_) latest_.set(t, kNoId);
  return cur;
}

}  // namespace matcalc
