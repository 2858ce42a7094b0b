#include "match.hpp"

#include <algorithm>
#include <boost/container/small_vector.hpp>

namespace matcalc::detail {

bool isTransposeOf(const Arena& a, Id x, Id y) {
  if ((a.kind(x) == Kind::Transpose && a.kids(x)[0] == y) || (a.kind(y) == Kind::Transpose && a.kids(y)[0] == x)) return true;
  if (a.shape(x).rows != a.shape(y).cols || a.shape(x).cols != a.shape(y).rows || a.kind(x) != a.kind(y)) return false;
  auto kx = a.kids(x), ky = a.kids(y);
  if (kx.size() != ky.size()) return false;
  switch (a.kind(x)) {
    case Kind::Mul:
      for (std::size_t i = 0; i < kx.size(); ++i)
        if (!isTransposeOf(a, kx[i], ky[kx.size() - 1 - i])) return false;
      return true;
    case Kind::Scale:  // the same scalars, by one matrix and its transpose
      return std::equal(kx.begin(), kx.end() - 1, ky.begin()) && isTransposeOf(a, kx.back(), ky.back());
    default: return false;
  }
}

void Deadline::check() const {
  if (std::chrono::steady_clock::now() > end) throw deadlineError(seconds);
}

void Matcher::tick() {
  if (deadline_ && (++ticks_ & 0xFFF) == 0) deadline_->check();
}

void Matcher::begin(const Rule& rule) {
  rule_ = &rule;
  if (rule.variables.size() > kMaxVars) throw std::logic_error("rule " + rule.name + " has too many variables");
  // The rewriter refuses a binding that breaks the d(·) guards (guardsHold):
  // refusing it when it is made spares trying the rest of the match with it
  // (<A, B .* C> with differential(B) against a product of k factors tries
  // one factor for B, not k, each leaving the k - 1 others to C).
  const bool known = rule.differentialNeed.size() == rule.variables.size();
  for (std::size_t i = 0; i < rule.variables.size(); ++i) {
    vars_[i].set = false;
    vars_[i].differential = known ? rule.differentialNeed[i] : Rule::DifferentialNeed::Any;
  }
  dimCount_ = 0;
  trail_.clear();
  deferred_.clear();
}

int Matcher::varIndex(Id var) const {
  const auto& vs = rule_->variables;
  for (std::size_t i = 0; i < vs.size(); ++i)
    if (vs[i] == var) return static_cast<int>(i);
  throw std::logic_error("not a variable of rule " + rule_->name);
}

// The deferred products, once the rest is bound: the factors of each bound
// factor's value (none for 1: kron(A, x) of a vector x has A's columns; several
// for a product: E may be n·n×1) must be the subject's; the unbound ones (a
// constant's own dimensions) take the factors left, in order, or 1 when none
// is left; and no factor of the subject may be left over.
bool Matcher::settleProducts() {
  for (std::size_t k = 0; k < deferred_.size(); ++k) {
    auto [p, s] = deferred_[k];
    std::vector<Dim> left = a_.dimFactors(s), unbound;
    auto take = [&](Dim d) {
      for (Dim g : a_.dimFactors(d)) {
        auto it = std::find(left.begin(), left.end(), g);
        if (it == left.end()) return false;
        left.erase(it);
      }
      return true;
    };
    for (Dim f : a_.dimFactors(p)) {
      if (const Dim* b = boundDim(f)) {
        if (!take(*b)) return false;
      } else {
        unbound.push_back(f);
      }
    }
    for (Dim f : unbound) {
      if (!boundDim(f) && !bindDim(f, left.empty() ? kOne : left.front())) return false;
      if (!take(*boundDim(f))) return false;
    }
    if (!left.empty()) return false;
  }
  return true;
}

bool Matcher::accepted(Accept accept, std::span<const Id> before, std::span<const Id> after) {
  std::size_t m = mark();
  if (settleProducts() && accept(before, after)) return true;
  undo(m);
  return false;
}

void Matcher::undo(std::size_t m) {
  while (trail_.size() > m) {
    int e = trail_.back();
    trail_.pop_back();
    if (e <= kDeferredMark) {
      deferred_.pop_back();
    } else if (e >= 0) {
      vars_[e].set = false;
      vars_[e].run.clear();
    } else {
      --dimCount_;
    }
  }
}

const Dim* Matcher::boundDim(Dim p) const {
  for (int i = 0; i < dimCount_; ++i)
    if (dimFrom_[i] == p) return &dimTo_[i];
  return nullptr;
}

// A product of dimensions (kron, vec) is kept with its factors in one order
// (m·n = n·m), so which pattern factor is which subject factor is decided by
// the other bindings: a product waits until the whole pattern has matched.
bool Matcher::bindDim(Dim p, Dim s) {
  if (p == kOne) return s == kOne;
  if (a_.isProductDim(p)) {  // of any number of factors: a factor may be 1 or a product
    trail_.push_back(kDeferredMark - static_cast<int>(deferred_.size()));
    deferred_.push_back({p, s});
    return true;
  }
  if (const Dim* b = boundDim(p)) return *b == s;
  if (dimCount_ == kMaxDims) throw std::logic_error("rule " + rule_->name + " has too many dimensions");
  dimFrom_[dimCount_] = p;
  dimTo_[dimCount_] = s;
  ++dimCount_;
  trail_.push_back(-dimCount_);
  return true;
}

bool Matcher::sameAsBound(Bound& b, Kind kind, std::span<const Id> run) {
  if (b.term == kNoId) return b.runKind == kind && b.run.size() == run.size() && std::equal(run.begin(), run.end(), b.run.begin());
  if (run.size() == 1) return b.term == run[0];
  if (a_.kind(b.term) != kind) return false;
  auto k = a_.kids(b.term);
  return k.size() == run.size() && std::equal(run.begin(), run.end(), k.begin());
}

bool Matcher::bindVar(Id var, Id t) {
  int i = varIndex(var);
  Bound& b = vars_[i];
  if (b.set) return term(var) == t;
  if (!b.allows(a_.hasKind(t, Kind::Differential))) return false;
  Shape ps = a_.shape(var), ss = a_.shape(t);
  std::size_t m = mark();
  if (!bindDim(ps.rows, ss.rows) || !bindDim(ps.cols, ss.cols)) {
    undo(m);
    return false;
  }
  b.set = true;
  b.term = t;
  b.shape = ss;
  trail_.push_back(i);
  return true;
}

bool Matcher::bindRun(Id var, Kind kind, std::span<const Id> run, Id from) {
  if (run.size() == 1) return bindVar(var, run[0]);
  int i = varIndex(var);
  Bound& b = vars_[i];
  if (b.set) return sameAsBound(b, kind, run);
  if (!b.allows(std::any_of(run.begin(), run.end(), [&](Id r) { return a_.hasKind(r, Kind::Differential); }))) return false;
  Shape ss = kind == Kind::Mul ? Shape{a_.shape(run.front()).rows, a_.shape(run.back()).cols} : a_.shape(run.front());
  if (kind != Kind::Mul)  // an AC run: a scalar product's run ends with its matrix, if any
    for (Id r : run)
      if (!a_.shape(r).isScalar()) ss = a_.shape(r);
  Shape ps = a_.shape(var);
  std::size_t m = mark();
  if (!bindDim(ps.rows, ss.rows) || !bindDim(ps.cols, ss.cols)) {
    undo(m);
    return false;
  }
  b.set = true;
  b.term = kNoId;
  b.runKind = kind;
  b.runOf = from;
  b.run.assign(run.begin(), run.end());
  b.shape = ss;
  trail_.push_back(i);
  return true;
}

Id Matcher::term(Id var) {
  Bound& b = vars_[varIndex(var)];
  if (b.term == kNoId) b.term = b.runOf != kNoId ? a_.makeRunOf(b.runOf, b.run) : a_.make(b.runKind, b.run);
  return b.term;
}

bool Matcher::boundHasDifferential(Id var) const {
  const Bound& b = vars_[varIndex(var)];
  if (b.term != kNoId) return a_.hasKind(b.term, Kind::Differential);
  return std::any_of(b.run.begin(), b.run.end(), [&](Id r) { return a_.hasKind(r, Kind::Differential); });
}

Shape Matcher::boundShape(Id var) const { return vars_[varIndex(var)].shape; }

std::span<const Id> Matcher::boundParts(Id var) const {
  const Bound& b = vars_[varIndex(var)];
  if (b.term != kNoId) return {&b.term, 1};
  return {b.run.data(), b.run.size()};
}

bool Matcher::match(Id p, Id s, Next k) {
  tick();
  if (isVar(p)) {
    std::size_t m = mark();
    if (bindVar(p, s) && k()) return true;
    undo(m);
    return false;
  }
  const NodeFacts& pf = a_.facts(p);
  const NodeFacts& sf = a_.facts(s);
  if (a_.kind(p) != a_.kind(s) || (pf.kinds & ~sf.kinds & ~kindBit(Kind::Symbol)) != 0) return false;
  auto pk = a_.kids(p), sk = a_.kids(s);
  switch (a_.kind(p)) {
    case Kind::Symbol:
    case Kind::Number: return p == s && k();
    case Kind::Identity:
    case Kind::Zero:
    case Kind::Ones: {
      std::size_t m = mark();
      if (bindDim(a_.shape(p).rows, a_.shape(s).rows) && bindDim(a_.shape(p).cols, a_.shape(s).cols) && k()) return true;
      undo(m);
      return false;
    }
    case Kind::Mul:
      if (a_.shape(p).isScalar() && a_.shape(s).isScalar()) return matchClosed(p, s, k);
      return matchRun(pk, 0, sk, 0, false, k);
    case Kind::Trace:
      if (a_.kind(pk[0]) == Kind::Mul && a_.kind(sk[0]) == Kind::Mul) return matchClosed(p, s, k);
      return matchKids(pk, sk, 0, k);
    case Kind::Add:
    case Kind::Scale:
    case Kind::Hadamard:
      return matchAC(a_.kind(p), pk, s, false, [&](std::span<const Id>) { return k(); });
    default:
      if (pk.size() != sk.size()) return false;
      return matchKids(pk, sk, 0, k);
  }
}

bool Matcher::matchKids(std::span<const Id> p, std::span<const Id> s, std::size_t i, Next k) {
  if (i == p.size()) return k();
  return match(p[i], s[i], [&] { return matchKids(p, s, i + 1, k); });
}

// Factors p[i..] against s[j..]: a non-scalar variable takes a run of
// factors, the last (unless openEnd, when the pattern may end before the
// subject does) all that remain. The variable before a last one tries its
// longest run first, so the last takes one factor first: d(A*B) with A
// constant takes all of A1*…*Ak off d(A1*…*Ak*X) in one step.
bool Matcher::matchRun(std::span<const Id> p, std::size_t i, std::span<const Id> s, std::size_t j, bool openEnd, Next k) {
  if (i == p.size()) {
    if (!openEnd && j != s.size()) return false;
    runEnd_ = j;
    return k();
  }
  if (j >= s.size()) return false;
  std::size_t othersNeed = p.size() - i - 1;
  auto isRunVar = [&](Id q) { return isVar(q) && !a_.shape(q).isScalar(); };
  if (isRunVar(p[i])) {
    if (s.size() - j < othersNeed + 1) return false;  // one factor at least for each
    std::size_t longest = s.size() - j - othersNeed;
    bool last = i + 1 == p.size() && !openEnd;
    bool longestFirst = !openEnd && i + 2 == p.size() && isRunVar(p[i + 1]);
    auto tryRun = [&](std::size_t len) {
      tick();
      std::size_t m = mark();
      if (bindRun(p[i], Kind::Mul, s.subspan(j, len)) && matchRun(p, i + 1, s, j + len, openEnd, k)) return true;
      undo(m);
      return false;
    };
    if (last) return tryRun(longest);
    if (longestFirst) {
      for (std::size_t len = longest; len >= 1; --len)
        if (tryRun(len)) return true;
      return false;
    }
    for (std::size_t len = 1; len <= longest; ++len)
      if (tryRun(len)) return true;
    return false;
  }
  // A' of a variable bound to a product A1*…*An matches An'*…*A1': the
  // constructors write a product's transpose as its factors' transposes.
  // Unbound, A' takes a run of transposes X1'*…*Xn' and A is Xn*…*X1.
  if (a_.kind(p[i]) == Kind::Transpose && isRunVar(a_.kids(p[i])[0])) {
    Id var = a_.kids(p[i])[0];
    const Bound& b = vars_[varIndex(var)];
    std::span<const Id> parts = !b.set ? std::span<const Id>()
                                : b.term == kNoId ? (b.runKind == Kind::Mul ? std::span<const Id>(b.run) : std::span<const Id>())
                                : a_.kind(b.term) == Kind::Mul ? a_.kids(b.term) : std::span<const Id>();
    if (!parts.empty()) {
      std::size_t n = parts.size();
      bool fits = s.size() - j >= n + othersNeed;
      for (std::size_t t = 0; fits && t < n; ++t) fits = isTransposeOf(a_, parts[n - 1 - t], s[j + t]);
      if (fits && matchRun(p, i + 1, s, j + n, openEnd, k)) return true;
    }
    if (!b.set && s.size() - j > othersNeed + 1) {
      // Xn, …, X1 for the run X1'*…*Xn', filled from the back: one step per
      // length. At most 8 factors: two such variables in a row (B'*A'*…)
      // would otherwise try k^2 pairs of runs at each of k places.
      constexpr std::size_t kLongestTransposedRun = 8;
      std::size_t longest = std::min(s.size() - j - othersNeed, kLongestTransposedRun);
      boost::container::small_vector<Id, 8> kids(longest);
      for (std::size_t len = 1; len <= longest && a_.kind(s[j + len - 1]) == Kind::Transpose; ++len) {
        kids[longest - len] = a_.kids(s[j + len - 1])[0];
        if (len == 1) continue;  // one factor: as any other pattern below
        tick();
        std::size_t m = mark();
        if (bindRun(var, Kind::Mul, std::span<const Id>(kids.data() + longest - len, len)) && matchRun(p, i + 1, s, j + len, openEnd, k))
          return true;
        undo(m);
      }
    }
  }
  return match(p[i], s[j], [&] { return matchRun(p, i + 1, s, j + 1, openEnd, k); });
}

// Operands in any order: non-variables first, each to one operand; then each
// variable to one operand, the last variable taking all that remain (unless
// `leftovers`, at the root, where what remains is handed to `k`).
bool Matcher::matchAC(Kind kind, std::span<const Id> p, Id subject, bool leftovers, FnRef<bool(std::span<const Id>)> k) {
  std::span<const Id> s = a_.kids(subject);
  using Ids = boost::container::small_vector<Id, 8>;
  Ids fixed, vars;
  for (Id q : p) (isVar(q) ? vars : fixed).push_back(q);
  if (fixed.size() + vars.size() > s.size()) return false;
  boost::container::small_vector<char, 16> used(s.size(), 0);
  Ids rest;

  auto unused = [&] {
    rest.clear();
    for (std::size_t j = 0; j < s.size(); ++j)
      if (!used[j]) rest.push_back(s[j]);
  };
  struct Assign {
    Matcher& self;
    Kind kind;
    Id subject;
    std::span<const Id> s;
    bool leftovers;
    Ids& fixed;
    Ids& vars;
    boost::container::small_vector<char, 16>& used;
    Ids& rest;
    decltype(unused)& computeRest;
    FnRef<bool(std::span<const Id>)> k;

    bool varsFrom(std::size_t vi) {
      if (vi == vars.size()) {
        if (leftovers && self.bindingsHold_ && !(*self.bindingsHold_)()) return false;
        computeRest();
        return (leftovers || rest.empty()) && k(std::span<const Id>(rest.data(), rest.size()));
      }
      if (vi + 1 == vars.size() && !leftovers) {
        computeRest();
        if (rest.empty()) return false;
        std::size_t m = self.mark();
        if (self.bindRun(vars[vi], kind, std::span<const Id>(rest.data(), rest.size()), subject) && k({})) return true;
        self.undo(m);
        return false;
      }
      for (std::size_t j = 0; j < s.size(); ++j) {
        if (used[j]) continue;
        self.tick();
        std::size_t m = self.mark();
        if (self.bindVar(vars[vi], s[j])) {
          used[j] = 1;
          bool done = varsFrom(vi + 1);
          used[j] = 0;
          if (done) return true;
        }
        self.undo(m);
      }
      return false;
    }
    bool fixedFrom(std::size_t fi) {
      if (fi == fixed.size()) return varsFrom(0);
      Kind want = self.a_.kind(fixed[fi]);
      for (std::size_t j = 0; j < s.size(); ++j) {
        if (used[j] || self.a_.kind(s[j]) != want) continue;  // match() would refuse it too, after a call
        used[j] = 1;
        bool done = self.match(fixed[fi], s[j], [&] { return fixedFrom(fi + 1); });
        used[j] = 0;
        if (done) return true;
      }
      return false;
    }
  } assign{*this, kind, subject, s, leftovers, fixed, vars, used, rest, unused, k};
  return assign.fixedFrom(0);
}

// A closed word against a closed word: every rotation (for a trace) and the
// reflection of the subject is tried.
bool Matcher::matchClosed(Id p, Id s, Next k) {
  bool trace = a_.kind(p) == Kind::Trace;
  auto pw = trace ? a_.kids(a_.kids(p)[0]) : a_.kids(p);
  auto sw = trace ? a_.kids(a_.kids(s)[0]) : a_.kids(s);
  std::vector<Id> reflected;
  for (auto it = sw.rbegin(); it != sw.rend(); ++it) reflected.push_back(a_.transpose(*it));
  for (const std::vector<Id>& base : {std::vector<Id>(sw.begin(), sw.end()), reflected}) {
    std::size_t rotations = trace ? base.size() : 1;
    for (std::size_t r = 0; r < rotations; ++r) {
      scratch_.push_back(std::make_unique<std::vector<Id>>());
      std::vector<Id>& word = *scratch_.back();
      for (std::size_t i = 0; i < base.size(); ++i) word.push_back(base[(r + i) % base.size()]);
      bool found = matchRun(pw, 0, word, 0, false, k);
      scratch_.pop_back();
      if (found) return true;
    }
  }
  return false;
}

// Runs s[from, to) that the product pattern p matches, found from the
// pattern's first non-variable factor (an anchor), or from every start when
// the pattern has none.
bool Matcher::matchProductRuns(std::span<const Id> p, std::span<const Id> s,
                               FnRef<bool(std::size_t from, std::size_t to)> k) {
  std::size_t anchor = 0;
  while (anchor < p.size() && isVar(p[anchor])) ++anchor;
  if (anchor == p.size()) {
    for (std::size_t from = 0; from < s.size(); ++from)
      if (matchRun(p, 0, s.subspan(from), 0, true, [&] { return k(from, from + runEnd_); })) return true;
    return false;
  }
  // The anchor at q; the variables before it take s[from, q), one factor or more each.
  auto tail = [&](std::size_t from, std::size_t q) {
    return matchRun(p.subspan(anchor), 0, s.subspan(q), 0, true, [&] { return k(from, q + runEnd_); });
  };
  Kind anchorKind = a_.kind(p[anchor]);
  for (std::size_t q = anchor; q < s.size(); ++q) {
    if (a_.kind(s[q]) != anchorKind) continue;
    if (anchor == 0) {
      if (tail(q, q)) return true;
      continue;
    }
    for (std::size_t from = q - anchor + 1; from-- > 0;) {
      bool found = matchRun(p.first(anchor), 0, s.subspan(from, q - from), 0, false, [&] { return tail(from, q); });
      if (found) return true;
    }
  }
  return false;
}

bool Matcher::matchRoot(const Rule& rule, Id subject, Accept accept, const Check* bindingsHold) {
  Id pattern = rule.lhs;
  Kind pk = a_.kind(pattern);
  if (pk != a_.kind(subject) || (a_.facts(pattern).kinds & ~a_.facts(subject).kinds & ~kindBit(Kind::Symbol)) != 0) return false;
  begin(rule);
  bindingsHold_ = bindingsHold;
  struct Reset {
    const Check*& slot;
    ~Reset() { slot = nullptr; }
  } reset{bindingsHold_};
  if (pk == Kind::Mul && !a_.shape(pattern).isScalar()) {
    auto p = a_.kids(pattern), s = a_.kids(subject);
    return matchProductRuns(p, s, [&](std::size_t from, std::size_t to) {
      return accepted(accept, s.subspan(0, from), s.subspan(to));
    });
  }
  if (isAC(pk)) {
    auto p = a_.kids(pattern), s = a_.kids(subject);
    for (bool leftovers : {false, true}) {
      if (leftovers && p.size() >= s.size()) break;
      bool found = matchAC(pk, p, subject, leftovers, [&](std::span<const Id> rest) { return accepted(accept, rest, {}); });
      if (found) return true;
      for (std::size_t i = 0; i < rule.variables.size(); ++i) vars_[i].set = false;
      dimCount_ = 0;
      trail_.clear();
      deferred_.clear();
    }
    return false;
  }
  return match(pattern, subject, [&] { return accepted(accept, {}, {}); });
}

bool Matcher::matchAcrossWrap(const Rule& rule, std::span<const Id> word, Accept accept) {
  begin(rule);
  Id pattern = rule.lhs;
  if (a_.kind(pattern) != Kind::Mul || a_.shape(pattern).isScalar()) return false;
  std::uint64_t have = 0;
  for (Id f : word) have |= a_.facts(f).kinds;
  if ((a_.facts(pattern).kinds & ~have & ~kindBit(Kind::Symbol) & ~kindBit(Kind::Mul)) != 0) return false;
  auto p = a_.kids(pattern);
  std::size_t n = word.size();
  for (std::size_t r = 1; r < n; ++r) {
    scratch_.push_back(std::make_unique<std::vector<Id>>());
    std::vector<Id>& rot = *scratch_.back();
    for (std::size_t i = 0; i < n; ++i) rot.push_back(word[(r + i) % n]);
    std::size_t wrap = n - r;  // rot[wrap] is word[0]
    bool found = matchProductRuns(p, rot, [&](std::size_t from, std::size_t to) {
      if (!(from < wrap && wrap < to)) return false;  // runs inside the word were tried on the product itself
      std::vector<Id> rest(rot.begin() + to, rot.end());
      rest.insert(rest.end(), rot.begin(), rot.begin() + from);
      return accepted(accept, rest, {});
    });
    scratch_.pop_back();
    if (found) return true;
  }
  return false;
}

Id Matcher::instantiate(Id pattern) {
  if (isVar(pattern)) return term(pattern);
  const Node n = a_.node(pattern);
  auto bound = [&](Dim d) -> Dim {
    if (d == kOne) return kOne;
    for (int i = 0; i < dimCount_; ++i)
      if (dimFrom_[i] == d) return dimTo_[i];
    throw std::logic_error("rule " + rule_->name + ": unbound dimension");
  };
  auto dim = [&](Dim d) -> Dim {
    if (!a_.isProductDim(d)) return bound(d);
    std::vector<Dim> fs = a_.dimFactors(d);
    for (Dim& f : fs) f = bound(f);
    return a_.dimProduct(fs);
  };
  switch (n.kind) {
    case Kind::Identity: return a_.identity(dim(n.shape.rows));
    case Kind::Zero: return a_.zero({dim(n.shape.rows), dim(n.shape.cols)});
    case Kind::Ones: return a_.ones({dim(n.shape.rows), dim(n.shape.cols)});
    case Kind::Symbol:
    case Kind::Number: return pattern;
    default: break;
  }
  boost::container::small_vector<Id, 4> kids(n.kids.size());
  for (std::size_t i = 0; i < kids.size(); ++i) kids[i] = instantiate(n.kids[i]);
  return a_.make(n.kind, std::span<const Id>(kids.data(), kids.size()));
}

Id Matcher::instantiateOverSum(const Rule::Distribution& d) {
  std::vector<Id> operands;
  for (Id var : {d.first, d.rest}) {
    const Bound& b = vars_[varIndex(var)];
    if (b.term == kNoId) operands.insert(operands.end(), b.run.begin(), b.run.end());  // a run of the sum's operands
    else if (a_.kind(b.term) == Kind::Add) operands.insert(operands.end(), a_.kids(b.term).begin(), a_.kids(b.term).end());
    else operands.push_back(b.term);
  }
  // The image once per operand, with `first` bound to it in turn (its term
  // alone changes; restored however this ends).
  struct Restore {
    Id& term;
    Id saved;
    ~Restore() { term = saved; }
  } restore{vars_[varIndex(d.first)].term, vars_[varIndex(d.first)].term};
  std::vector<Id> images;
  images.reserve(operands.size());
  for (Id t : operands) {
    restore.term = t;
    images.push_back(instantiate(d.image));
  }
  return a_.make(Kind::Add, images);
}

}  // namespace matcalc::detail
