// The smart constructors: every node is built through make(), which checks
// the shape rule and puts the node in canonical form. What they decide, and
// the verified rule each decision rests on, is listed in docs/architecture.md
// ("What the constructors decide"); they never grow a term except for the
// c*ones broadcast.
#include <algorithm>
#include <optional>
#include <boost/container/small_vector.hpp>

#include "matcalc/id_map.hpp"
#include "matcalc/print.hpp"
#include "matcalc/term.hpp"
#include "shape_rules.hpp"
#include "matcalc/small_rational.hpp"

namespace matcalc {

namespace {

// The arena's unifier only checks: its dimensions are final.
struct CheckOnly {
  const Arena& arena;
  std::span<const Id> kids;
  bool same(Dim a, Dim b) const { return a == b; }
  // Interning a product of dimensions does not change any term.
  Dim product(Dim a, Dim b) const { return const_cast<Arena&>(arena).dimProduct({a, b}); }
  [[noreturn]] void fail(const std::string& why, int i, int j) const {
    std::string msg = "shape error: " + why + ": '" + toText(arena, kids[i]) + "' is " +
                      arena.shapeText(arena.shape(kids[i]));
    if (j >= 0) msg += " and '" + toText(arena, kids[j]) + "' is " + arena.shapeText(arena.shape(kids[j]));
    throw Error(Error::Category::Shape, msg);
  }
};

// Sums rational weights by key, keeping first-seen order: the coefficients of
// like terms (2*X + 3*X) and the exponents of one base (alpha*alpha^2).
using detail::SmallRational;
struct WeightsByKey {
  boost::container::small_vector<Id, 8> keys;
  boost::container::small_vector<SmallRational, 8> weights;
  std::optional<IdMap> index;  // made once there are many keys; a short list is searched
  void add(Id key, const SmallRational& w) {
    std::size_t at = keys.size();
    if (keys.size() < 16) {
      at = std::find(keys.begin(), keys.end(), key) - keys.begin();
    } else {
      if (!index) {
        index.emplace();
        for (std::size_t i = 0; i < keys.size(); ++i) index->set(keys[i], static_cast<Id>(i));
      }
      Id found = index->get(key);
      if (found != kNoId) at = found;
    }
    if (at == keys.size()) {
      if (keys.size() >= 16) index->set(key, static_cast<Id>(keys.size()));
      keys.push_back(key);
      weights.push_back(w);
    } else {
      weights[at] += w;
    }
  }
};

// The value of a Number node, and the node of a value.
SmallRational valueOf(const Arena& a, Id number) { return SmallRational(a.numberOf(number)); }
Id numberNode(Arena& a, const SmallRational& q) {
  long v;
  return q.smallInteger(v) ? a.number(v) : a.number(q.toMpq());
}

[[noreturn]] void divisionByZero(const Arena& a, Id numerator) {
  throw Error(Error::Category::Domain, "division by zero: '" + toText(a, numerator) + "' is divided by 0");
}

// How f(A') relates to f(A): f(A)' for entrywise functions, inverses and
// powers; f(A) for det, norms, diag and the like; no relation otherwise.
enum class Orientation { None, Commutes, Invariant };
Orientation orientationOf(Kind k) {
  switch (k) {
    case Kind::Inverse:
    case Kind::MatPow:
    case Kind::HadamardPow:
    case Kind::Exp:
    case Kind::Log:
    case Kind::Sqrt:
    case Kind::Sin:
    case Kind::Cos:
    case Kind::Tanh:
    case Kind::Sinh:
    case Kind::Cosh:
    case Kind::Sigmoid:
    case Kind::Relu:
    case Kind::Abs:
    case Kind::Sign:
    case Kind::Step:
    case Kind::Expm:  // a primary matrix function with real coefficients: f(A') = f(A)'
    case Kind::Logm:
    case Kind::Sqrtm: return Orientation::Commutes;
    case Kind::Det:
    case Kind::LogDet:
    case Kind::Norm1:
    case Kind::Norm2:
    case Kind::LogSumExp:
    case Kind::DiagVector:
    case Kind::Sum: return Orientation::Invariant;
    case Kind::Symbol:
    case Kind::Number:
    case Kind::Identity:
    case Kind::Zero:
    case Kind::Ones:
    case Kind::Add:
    case Kind::Scale:
    case Kind::Mul:
    case Kind::Hadamard:
    case Kind::HadamardDiv:
    case Kind::Pow:
    case Kind::Transpose:
    case Kind::Inner:
    case Kind::Trace:
    case Kind::Softmax:
    case Kind::DiagMatrix:
    case Kind::Differential:
    case Kind::Kron:
    case Kind::Vec:
    case Kind::Commutation:
    case Kind::DExpm:
    case Kind::DLogm:
    case Kind::DSqrtm:
    case Kind::KExpm:
    case Kind::KLogm:
    case Kind::KSqrtm:
    case Kind::D2Expm:
    case Kind::D2Logm:
    case Kind::D2Sqrtm:
    case Kind::K2Expm:
    case Kind::K2Logm:
    case Kind::K2Sqrtm: return Orientation::None;
  }
  return Orientation::None;
}

// Sorts operands by the structural order. They mostly arrive as sorted runs
// (a flattened canonical product or sum plus a few new operands), so short
// runs are inserted by binary search and long ones merged: a sorted product
// of k factors and one new factor costs O(log k) comparisons, not the
// O(k log k) of sorting afresh, which made nested elementwise chains
// quadratic in comparisons times log k. The order is total, so the result is
// the one std::sort gives. Shallower operands come first: two factors of a
// nested chain (1 - tanh(t).^2, 1 - tanh(tanh(t)).^2) are then ordered
// without descending the chain, and simple operands print first.
bool operandBefore(const Arena& a, Id x, Id y) {
  std::uint32_t dx = a.facts(x).depth, dy = a.facts(y).depth;
  return dx != dy ? dx < dy : a.compare(x, y) < 0;
}

template <class Vec>
void sortOperands(const Arena& a, Vec& v) {
  auto less = [&](Id x, Id y) { return operandBefore(a, x, y); };
  boost::container::small_vector<std::size_t, 8> starts;  // where each run after the first begins
  for (std::size_t i = 1; i < v.size(); ++i)
    if (less(v[i], v[i - 1])) starts.push_back(i);
  if (starts.size() > 16) {  // unsorted input: sort it
    std::sort(v.begin(), v.end(), less);
    return;
  }
  starts.push_back(v.size());
  for (std::size_t r = 0; r + 1 < starts.size(); ++r) {
    std::size_t begin = starts[r], next = starts[r + 1];
    if (next - begin <= 4) {
      for (std::size_t i = begin; i < next; ++i) {  // insert each into the sorted prefix
        auto at = std::upper_bound(v.begin(), v.begin() + i, v[i], less);
        std::rotate(at, v.begin() + i, v.begin() + i + 1);
      }
    } else {
      std::inplace_merge(v.begin(), v.begin() + begin, v.begin() + next, less);
    }
  }
}
}  // namespace

Shape Arena::checkShape(Kind kind, std::span<const Id> kids) const {
  boost::container::small_vector<Shape, 8> shapes;
  for (Id k : kids) shapes.push_back(shape(k));
  CheckOnly checker{*this, kids};
  return detail::applyShapeRule(kind, std::span<const Shape>(shapes.data(), shapes.size()), checker);
}

Id Arena::finish(Kind kind, std::span<const Id> kids) {
  Shape s = checkShape(kind, kids);
  return intern(kind, 0, s, kids);
}

Id Arena::raw(Kind kind, std::span<const Id> kids) {
  const KindInfo& ki = info(kind);
  if (ki.form == Form::Leaf) throw std::logic_error("raw() called for a leaf kind");
  return finish(kind, kids);
}

Arena::Ids Arena::flatten(Kind kind, std::span<const Id> kids) const {
  Ids out;
  out.reserve(kids.size());
  for (Id k : kids) {
    if (this->kind(k) == kind) {
      auto inner = this->kids(k);
      out.insert(out.end(), inner.begin(), inner.end());
    } else {
      out.push_back(k);
    }
  }
  return out;
}

Id Arena::make(Kind kind, std::span<const Id> kids) {
  const KindInfo& ki = info(kind);
  if (ki.form == Form::Leaf) throw std::logic_error("make() called for a leaf kind");
  if (ki.arity >= 0 ? kids.size() != static_cast<std::size_t>(ki.arity) : kids.empty())
    throw std::logic_error("wrong number of operands for " + std::string(ki.id));
  switch (kind) {
    case Kind::Add: return makeAdd(kids);
    case Kind::Scale: return makeScale(kids);
    case Kind::Mul: return makeMul(kids);
    case Kind::Hadamard: return makeHadamard(kids);
    case Kind::HadamardDiv: return makeHadamardDiv(kids[0], kids[1]);
    case Kind::Pow: return makePow(kids[0], kids[1]);
    case Kind::Transpose: return transpose(kids[0]);
    case Kind::Trace:
      checkShape(kind, kids);
      return makeTrace(kids[0]);
    case Kind::Sum: return makeSum(kids[0]);
    case Kind::Inverse:
      checkShape(kind, kids);
      if (shape(kids[0]).isScalar()) return makePow(kids[0], number(-1));  // a 1×1 inverse is a reciprocal
      return makeInverse(kids[0]);
    case Kind::HadamardPow:
      checkShape(kind, kids);
      return makeHadamardPow(kids[0], kids[1]);
    case Kind::Abs:  // of a number: a number (abs(2*C) = abs(2)*abs(C) reads 2*abs(C))
    case Kind::Sign:
    case Kind::Step:
    case Kind::Relu:
      if (this->kind(kids[0]) == Kind::Number) {
        const mpq_class& v = numberOf(kids[0]);
        int s = sgn(v);
        return kind == Kind::Abs ? number(mpq_class(abs(v))) : kind == Kind::Sign ? number(s) : kind == Kind::Step ? number(s > 0 ? 1 : 0)
                                                                                             : number(s > 0 ? v : mpq_class(0));
      }
      break;
    case Kind::MatPow: {
      checkShape(kind, kids);
      if (this->kind(kids[1]) != Kind::Number) return orient(kind, kids);  // a pattern: A^beta
      if (numberOf(kids[1]).get_den() != 1 || !numberOf(kids[1]).get_num().fits_slong_p())
        throw Error(Error::Category::Shape, "a matrix power needs an integer exponent");
      long k = numberOf(kids[1]).get_num().get_si();
      if (k > 1'000'000 || k < -1'000'000) throw Error(Error::Category::Budget, "a matrix power beyond ±10^6");
      return makeMatPow(kids[0], k);
    }
    case Kind::DiagMatrix:
    case Kind::DiagVector:
    case Kind::Det:
      checkShape(kind, kids);
      if (shape(kids[0]).isScalar()) return kids[0];  // of a 1×1 matrix: its entry
      break;
    // vec, kron and the commutation matrix where their shapes decide them:
    // canonical choices made here, as for I*A (each is also a catalog entry).
    case Kind::Vec: {
      Shape s = shape(kids[0]);
      if (s.cols == kOne) return kids[0];                // vec(x) = x
      if (s.rows == kOne) return transpose(kids[0]);     // vec(x') = x
      if (isZero(kids[0])) return zero(checkShape(kind, kids));
      if (this->kind(kids[0]) == Kind::Vec) return kids[0];
      break;
    }
    case Kind::Kron: {
      Shape s0 = shape(kids[0]), s1 = shape(kids[1]);
      if (s0.isScalar()) return makeScale({kids[0], kids[1]});  // kron(alpha, B) = alpha*B
      if (s1.isScalar()) return makeScale({kids[1], kids[0]});
      if (isZero(kids[0]) || isZero(kids[1])) return zero(checkShape(kind, kids));
      if (this->kind(kids[0]) == Kind::Identity && this->kind(kids[1]) == Kind::Identity)
        return identity(checkShape(kind, kids).rows);  // kron(I, I) = I
      break;
    }
    case Kind::DExpm:  // the Fréchet derivative is linear in its direction: L(A, 0) = 0
    case Kind::DLogm:
    case Kind::DSqrtm:
      if (isZero(kids[1])) return zero(checkShape(kind, kids));
      break;
    case Kind::Commutation: {  // K(X) depends only on X's shape: its operand is made 0 of that shape; of a vector it is I
      Shape s = checkShape(kind, kids);
      Shape of = shape(kids[0]);
      if (of.rows == kOne || of.cols == kOne) return identity(s.rows);
      if (!isZero(kids[0])) return orient(kind, std::initializer_list<Id>{zero(of)});
      break;
    }
    default: break;
  }
  // d is linear: d(A + B) = d(A) + d(B), d(2*A) = 2*d(A), d(c) = 0 for a
  // number (diff-sum, diff-difference), so a sum of k terms is
  // differentiated in one step.
  if (kind == Kind::Differential) {
    if (this->kind(kids[0]) == Kind::Number) return number(0);
    if (this->kind(kids[0]) == Kind::Scale && this->kind(this->kids(kids[0])[0]) == Kind::Number) {  // d(2*A) = 2*d(A)
      auto fs = this->kids(kids[0]);
      Id r = fs.size() == 2 ? fs[1] : makeScale(fs.subspan(1));
      return makeScale({fs[0], make(Kind::Differential, {r})});
    }
    if (this->kind(kids[0]) == Kind::Add) {
      Ids terms;
      for (Id t : Ids(this->kids(kids[0]).begin(), this->kids(kids[0]).end())) terms.push_back(make(Kind::Differential, {t}));
      return makeAdd(terms);
    }
  }
  // Linear in an operand that is zero: the result is zero (d(0), diag(0), <0, B> …).
  switch (kind) {
    case Kind::Inner:
    case Kind::DiagMatrix:
    case Kind::DiagVector:
    case Kind::Differential:
      for (Id k : kids)
        if (isZero(k)) return zero(checkShape(kind, kids));
      break;
    default: break;
  }
  return orient(kind, kids);
}

// f(A') is written f(A)' (or f(A) when f ignores transposes) where the
// argument reads better untransposed: the one with fewer transposes, or the
// smaller one in the structural order, is kept.
Id Arena::orient(Kind kind, std::span<const Id> kids) {
  if (orientationOf(kind) != Orientation::None && !shape(kids[0]).isScalar()) {
    checkShape(kind, kids);
    Id arg = kids[0], flipped = transpose(arg);
    std::uint32_t ta = facts(arg).transposes, tf = facts(flipped).transposes;
    // An argument without transposes (zeros, ones) stays as it is: exp(zeros)
    // of n×1, not exp(zeros of 1×n)'.
    if (tf < ta || (tf == ta && ta > 0 && compare(flipped, arg) < 0)) {
      Ids oriented(kids.begin(), kids.end());
      oriented[0] = flipped;
      Id inner = finish(kind, oriented);
      return orientationOf(kind) == Orientation::Commutes ? raw(Kind::Transpose, {inner}) : inner;
    }
  }
  return finish(kind, kids);
}

void Arena::markMadeFlat(Id id) {
  if (id >= madeFlat_.size()) madeFlat_.resize(id + 1, 0);
  madeFlat_[id] = 1;
}

namespace {
// The operands of depth d in a run sorted shallower first.
std::span<const Id> operandsOfDepth(const Arena& a, std::span<const Id> sorted, std::uint32_t d) {
  auto lo = std::partition_point(sorted.begin(), sorted.end(), [&](Id o) { return a.facts(o).depth < d; });
  auto hi = std::partition_point(lo, sorted.end(), [&](Id o) { return a.facts(o).depth <= d; });
  return {lo, hi};
}
}  // namespace

Id Arena::madeAndNew(std::span<const Id> kids, Kind kind, bool (*special)(const Arena&, Id), NewOperands& extra) const {
  Id made = kNoId;
  for (Id k : kids) {
    if (this->kind(k) == kind && made == kNoId && madeFlat(k)) made = k;
    else if (this->kind(k) == kind || special(*this, k) || extra.size() == 4) return kNoId;
    else extra.push_back(k);
  }
  return extra.empty() ? kNoId : made;
}

Id Arena::internInserted(Id made, std::span<const Id> sorted, const NewOperands& extra, Id last) {
  auto less = [&](Id x, Id y) { return operandBefore(*this, x, y); };
  Ids all(sorted.begin(), sorted.end());
  for (Id e : extra) all.insert(std::upper_bound(all.begin(), all.end(), e, less), e);
  if (last != kNoId) all.push_back(last);
  Id grown = internGrown(made, all, std::span<const Id>(extra.data(), extra.size()));
  markMadeFlat(grown);
  return grown;
}

// A sum makeAdd made, with a few new terms of its shape that are not
// numbers, zeros, sums or scaled, and like none of its terms (T is like T
// and c*T) or each other: its terms with the new ones inserted in order, as
// the general pass gives. The exponent of a nested exp chain's differential,
// exp(a) .* exp(b) = exp(a + b), gains one term per level.
Id Arena::extendSum(std::span<const Id> kids) {
  NewOperands extra;
  Id sum = madeAndNew(kids, Kind::Add, [](const Arena& a, Id k) {
    return a.kind(k) == Kind::Scale || a.kind(k) == Kind::Number || a.kind(k) == Kind::Zero;
  }, extra);
  if (sum == kNoId) return kNoId;
  Shape result = shape(sum);
  for (Id e : extra)
    if (shape(e) != result) return kNoId;  // a scalar in a matrix sum: broadcast by the general pass
  auto terms = this->kids(sum);
  Id constant = kind(terms.back()) == Kind::Number ? terms.back() : kNoId;  // kept last, out of the order
  std::span<const Id> sorted = constant == kNoId ? terms : terms.first(terms.size() - 1);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    Id e = extra[i];
    for (std::size_t j = 0; j < i; ++j)
      if (extra[j] == e) return kNoId;
    for (Id o : operandsOfDepth(*this, sorted, facts(e).depth))
      if (o == e) return kNoId;
    for (Id o : operandsOfDepth(*this, sorted, facts(e).depth + 1))  // c*e
      if (kind(o) == Kind::Scale && this->kids(o).size() == 2 && this->kids(o)[1] == e) return kNoId;
  }
  return internInserted(sum, sorted, extra, constant);
}

Id Arena::makeRunOf(Id node, std::span<const Id> operands) {
  Kind k = kind(node);
  if (!madeFlat(node) || operands.size() < 2 || operands.size() == kids(node).size()) return make(k, operands);
  Shape s = shape(node);
  for (Id o : operands)
    if (shape(o) != s) return make(k, operands);  // a scalar among matrices: the general pass decides
  return internMade(k, s, operands);
}

// Transposing is one to one and keeps coefficients ((c*T)' = c*T'), so the
// transposes of unlike terms are unlike: what makeAdd would do with them is
// only to sort them. A matrix sum has no constant term.
Id Arena::transposeMadeSum(Id sum) {
  // Grown from a sum whose transpose is known: that transpose grown by the
  // new terms' (a nested exp chain's exponent gains a term per level).
  if (const Growth* g = growth(sum)) {
    if (Id known = knownTranspose(g->from); known != kNoId && madeFlat(known)) {
      Ids parts{known};
      for (Id a : g->added) parts.push_back(transpose(a));
      return makeAdd(parts);
    }
  }
  Ids terms;
  bool plain = true;  // else, though not expected, the general pass
  for (Id k : this->kids(sum)) {
    terms.push_back(transpose(k));
    Kind kk = kind(terms.back());
    plain = plain && kk != Kind::Add && kk != Kind::Zero && kk != Kind::Number;
  }
  if (!plain) return make(Kind::Add, terms);
  sortOperands(*this, terms);
  Shape s = shape(sum);
  return internMade(Kind::Add, {s.cols, s.rows}, terms);
}

Id Arena::makeAdd(std::span<const Id> kids) {
  if (Id extended = extendSum(kids); extended != kNoId) return extended;
  Ids flat = flatten(Kind::Add, kids);
  Shape result = checkShape(Kind::Add, flat);
  // A scalar in a matrix sum is broadcast: alpha becomes alpha*ones, so that
  // no rule ever sees operands of different shapes.
  if (!result.isScalar())
    for (Id& k : flat)
      if (shape(k).isScalar()) k = makeScale({k, ones(result)});
  flat = flatten(Kind::Add, flat);
  // Like terms: c1*T + c2*T -> (c1 + c2)*T, numbers fold into one constant.
  SmallRational constant = 0;
  WeightsByKey like;  // core term -> coefficient
  for (Id k : flat) {
    if (kind(k) == Kind::Zero) continue;
    if (kind(k) == Kind::Number) {
      constant += valueOf(*this, k);
      continue;
    }
    SmallRational c = 1;
    Id core = k;
    if (kind(k) == Kind::Scale && kind(this->kids(k)[0]) == Kind::Number) {
      auto ks = this->kids(k);
      c = valueOf(*this, ks[0]);
      core = ks.size() == 2 ? ks[1] : intern(Kind::Scale, 0, shape(k), ks.subspan(1));
    }
    like.add(core, c);
  }
  Ids terms;
  for (std::size_t i = 0; i < like.keys.size(); ++i) {
    if (like.weights[i] == 0) continue;
    terms.push_back(like.weights[i] == 1 ? like.keys[i] : makeScale({numberNode(*this, like.weights[i]), like.keys[i]}));
  }
  sortOperands(*this, terms);
  if (constant != 0) terms.push_back(numberNode(*this, constant));  // constants last: "alpha + 1"
  if (terms.empty()) return zero(result);
  if (terms.size() == 1) return terms[0];
  return internMade(Kind::Add, result, terms);
}

Id Arena::makeScale(std::span<const Id> kids) {
  Ids flat = flatten(Kind::Scale, kids);
  checkShape(Kind::Scale, flat);
  SmallRational coefficient = 1;
  Ids factors;
  Id matrix = 0;
  bool hasMatrix = false, isZero = false;
  for (Id k : flat) {
    if (kind(k) == Kind::Number) {
      coefficient *= valueOf(*this, k);
    } else if (!shape(k).isScalar()) {
      hasMatrix = true;
      matrix = k;
      isZero = isZero || kind(k) == Kind::Zero;
    } else {
      factors.push_back(k);
    }
  }
  Shape result = hasMatrix ? shape(matrix) : Shape{};
  if (coefficient == 0 || isZero) return zero(result);
  // Powers of one base combine: alpha^-1*alpha -> 1, alpha*alpha^2 -> alpha^3.
  WeightsByKey powers;  // base -> exponent
  for (Id f : factors) {
    bool power = kind(f) == Kind::Pow && kind(this->kids(f)[1]) == Kind::Number;
    powers.add(power ? this->kids(f)[0] : f, power ? valueOf(*this, this->kids(f)[1]) : SmallRational(1));
  }
  factors.clear();
  for (std::size_t i = 0; i < powers.keys.size(); ++i) {
    if (powers.weights[i] == 0) continue;
    Id base = powers.keys[i];
    Id f = powers.weights[i] == 1 ? base : makePow(base, numberNode(*this, powers.weights[i]));
    if (kind(f) == Kind::Number) coefficient *= valueOf(*this, f);
    else if (kind(f) == Kind::Scale) {  // (alpha*beta)^2 came apart: take its factors
      for (Id g : this->kids(f)) {
        if (kind(g) == Kind::Number) coefficient *= valueOf(*this, g);
        else factors.push_back(g);
      }
    } else factors.push_back(f);
  }
  sortOperands(*this, factors);
  Ids out;
  if (coefficient != 1) out.push_back(numberNode(*this, coefficient));  // coefficient first: "2*X"
  out.insert(out.end(), factors.begin(), factors.end());
  if (hasMatrix) out.push_back(matrix);  // the non-scalar factor last
  if (out.empty()) return number(1);
  if (out.size() == 1) return out[0];
  return intern(Kind::Scale, 0, result, out);
}

// A matrix product: flattened; scalar factors (also those of scaled
// operands, and 1×1 runs of factors between two dimensions of 1) taken out
// in front; identities dropped; a 1×1 product is a closed word (closed.cpp).
Id Arena::makeMul(std::span<const Id> kids) {
  Shape result = checkShape(Kind::Mul, kids);
  for (Id k : kids)
    if (isZero(k)) return zero(result);
  Ids scalars, factors;
  for (Id k : kids) {
    if (shape(k).isScalar()) {  // numbers, scalars, and 1×1 closed words
      scalars.push_back(k);
      continue;
    }
    switch (kind(k)) {
      case Kind::Mul: {
        auto inner = this->kids(k);
        factors.insert(factors.end(), inner.begin(), inner.end());
        continue;
      }
      case Kind::Scale: {
        auto fs = this->kids(k);
        scalars.insert(scalars.end(), fs.begin(), fs.end() - 1);
        Id m = fs.back();
        if (kind(m) == Kind::Mul) factors.insert(factors.end(), this->kids(m).begin(), this->kids(m).end());
        else if (kind(m) != Kind::Identity) factors.push_back(m);
        continue;
      }
      case Kind::Identity: continue;
      default: break;
    }
    factors.push_back(k);
  }
  combinePowers(factors, false);
  if (factors.empty()) {
    if (!result.isScalar()) factors.push_back(identity(result.rows));  // I*I
  }
  // Split at inner dimensions of 1: the runs between two of them are 1×1
  // closed words (scalars); what is left is at most an outer product.
  Ids matrix;
  if (!factors.empty()) {
    std::size_t start = 0;
    auto closeRun = [&](std::size_t end) {  // factors [start, end)
      std::span<const Id> run(factors.data() + start, end - start);
      Shape runShape{shape(run.front()).rows, shape(run.back()).cols};
      if (runShape.isScalar()) scalars.push_back(run.size() == 1 ? run[0] : closedWord(run));
      else matrix.insert(matrix.end(), run.begin(), run.end());
      start = end;
    };
    for (std::size_t i = 0; i + 1 < factors.size(); ++i)
      if (shape(factors[i]).cols == kOne) closeRun(i + 1);
    closeRun(factors.size());
  }
  Id product = matrix.empty() ? kNoId : matrix.size() == 1 ? matrix[0] : intern(Kind::Mul, 0, result, matrix);
  if (scalars.empty()) return product == kNoId ? number(1) : product;
  if (product != kNoId) scalars.push_back(product);
  return makeScale(scalars);
}

// The base under which an operand of a Hadamard product combines with
// others: B for B.^c with a number c, the operand itself otherwise. Both
// extendHadamard and makeHadamard's general pass ask it, so they agree.
namespace {
Id hadamardBase(const Arena& a, Id k) {
  return a.kind(k) == Kind::HadamardPow && a.kind(a.kids(k)[1]) == Kind::Number ? a.kids(k)[0] : k;
}
}  // namespace

// A product makeHadamard made, with a few new operands that are plain
// matrices (not scalars, scaled, ones, zeros, products or exponentials) and
// share no base with its operands or each other: the result is its operands
// with the new ones inserted in order, what the general pass below gives
// after flattening, indexing and re-sorting all of them. The differential of
// a nested chain, sin(sin(…(X)…)), adds one factor per level to such a product.
Id Arena::extendHadamard(std::span<const Id> kids, Shape result) {
  NewOperands extra;
  Id product = madeAndNew(kids, Kind::Hadamard, [](const Arena& a, Id k) {
    Kind kk = a.kind(k);
    bool exp = kk == Kind::Exp || (kk == Kind::Transpose && a.kind(a.kids(k)[0]) == Kind::Exp);
    return exp || kk == Kind::Scale || kk == Kind::Ones || kk == Kind::Zero || a.shape(k).isScalar();
  }, extra);
  if (product == kNoId) return kNoId;
  auto base = [&](Id k) { return hadamardBase(*this, k); };
  auto operands = this->kids(product);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    Id b = base(extra[i]);
    for (std::size_t j = 0; j < i; ++j)
      if (base(extra[j]) == b) return kNoId;
    // An operand of base b is b itself or b.^c, one level deeper.
    for (std::uint32_t d : {facts(b).depth, facts(b).depth + 1})
      for (Id o : operandsOfDepth(*this, operands, d))
        if (base(o) == b) return kNoId;
  }
  if (result != shape(product)) return kNoId;  // not expected: new operands of a product's shape
  return internInserted(product, operands, extra, kNoId);
}

// A Hadamard product: flattened and sorted, scalar factors in front, all-ones
// operands dropped (A .* ones = A).
Id Arena::makeHadamard(std::span<const Id> kids) {
  Shape result = checkShape(Kind::Hadamard, kids);
  for (Id k : kids)
    if (isZero(k)) return zero(result);
  if (Id extended = extendHadamard(kids, result); extended != kNoId) return extended;
  Ids scalars, rest;
  for (Id k : flatten(Kind::Hadamard, kids)) {
    if (shape(k).isScalar()) {
      scalars.push_back(k);
    } else if (kind(k) == Kind::Scale) {
      auto fs = this->kids(k);
      scalars.insert(scalars.end(), fs.begin(), fs.end() - 1);
      rest.push_back(fs.back());
    } else {
      rest.push_back(k);
    }
  }
  // Re-flatten: a scaled operand may have been a Hadamard product itself.
  rest = flatten(Kind::Hadamard, rest);
  rest.erase(std::remove_if(rest.begin(), rest.end(), [&](Id k) { return kind(k) == Kind::Ones; }), rest.end());
  // Exponentials combine: exp(A) .* exp(B) = exp(A + B), as powers of one
  // base do below (exp-hadamard-product); exp(B)' counts as exp(B').
  {
    Ids exponents, others;
    for (Id k : rest) {
      if (kind(k) == Kind::Exp) exponents.push_back(this->kids(k)[0]);
      else if (kind(k) == Kind::Transpose && kind(this->kids(k)[0]) == Kind::Exp) exponents.push_back(transpose(this->kids(this->kids(k)[0])[0]));
      else others.push_back(k);
    }
    if (exponents.size() >= 2) {
      others.push_back(make(Kind::Exp, {makeAdd(exponents)}));
      rest = std::move(others);
    }
  }
  // Powers of one base combine: A .* A = A.^2, A.^2 .* A = A.^3.
  WeightsByKey powers;
  for (Id k : rest) {
    Id base = hadamardBase(*this, k);
    powers.add(base, base != k ? valueOf(*this, this->kids(k)[1]) : SmallRational(1));
  }
  if (powers.keys.size() != rest.size()) {
    rest.clear();
    for (std::size_t i = 0; i < powers.keys.size(); ++i) {
      if (powers.weights[i] == 0) continue;
      Id p = powers.weights[i] == 1 ? powers.keys[i] : makeHadamardPow(powers.keys[i], numberNode(*this, powers.weights[i]));
      if (kind(p) == Kind::Scale) {  // (alpha*B).^k came apart
        auto fs = this->kids(p);
        scalars.insert(scalars.end(), fs.begin(), fs.end() - 1);
        p = fs.back();
      }
      if (kind(p) == Kind::Hadamard) rest.insert(rest.end(), this->kids(p).begin(), this->kids(p).end());
      else if (kind(p) != Kind::Ones) rest.push_back(p);
    }
  }
  if (rest.empty() && !result.isScalar()) rest.push_back(ones(result));
  if (rest.empty()) return makeScale(scalars);
  sortOperands(*this, rest);
  Id product = rest.size() == 1 ? rest[0] : internMade(Kind::Hadamard, result, rest);
  if (scalars.empty()) return product;
  scalars.push_back(product);
  return makeScale(scalars);
}

// A ./ B is A .* B.^-1, as alpha/beta is alpha*beta^-1, so that quotients
// cancel with the powers of a Hadamard product: (B .* C) ./ B = C.
Id Arena::makeHadamardDiv(Id a, Id b) {
  Shape result = checkShape(Kind::HadamardDiv, span({a, b}));
  if (isZero(b)) divisionByZero(*this, a);
  if (shape(b).isScalar()) return makeScale({makePow(b, number(-1)), a});
  if (isZero(a)) return zero(result);
  if (shape(a).isScalar()) a = makeScale({a, ones(shape(b))});
  return makeHadamard({a, makeHadamardPow(b, number(-1))});
}

Id Arena::makePow(Id base, Id exponent) {
  checkShape(Kind::Pow, span({base, exponent}));
  bool integerExponent = kind(exponent) == Kind::Number && numberOf(exponent).get_den() == 1;
  if (kind(exponent) == Kind::Number) {
    const mpq_class& e = numberOf(exponent);
    if (isZero(base) && e < 0) divisionByZero(*this, number(1));
    if (e == 1) return base;
    if (e == 0) return number(1);
  }
  if (isNumber(base, 1)) return base;
  // Fold a number to an integer power: 2^3 -> 8, while the result stays
  // moderate: each fold of a power of a power multiplies the digits, and
  // 99722^12^42^12^42^12 would be computed exactly, hundreds of millions of
  // digits, past any deadline (GMP cannot be interrupted). It stays a power,
  // and the text stays short: 10 characters fold to at most 1234 digits.
  constexpr std::size_t kMaxFoldedBits = 1 << 12;
  if (kind(base) == Kind::Number && integerExponent && mpz_fits_slong_p(numberOf(exponent).get_num_mpz_t())) {
    long e = numberOf(exponent).get_num().get_si();
    const mpq_class& b = numberOf(base);
    // 1/b is as long as b, and its text (1/b) reads back folded.
    if (e > -64 && e < 64 && (e == -1 || detail::bitsOf(b) * static_cast<std::size_t>(std::labs(e)) <= kMaxFoldedBits)) {
      mpq_class r = 1;
      for (long i = 0; i < std::labs(e); ++i) r *= numberOf(base);
      return number(e < 0 ? mpq_class(1 / r) : r);
    }
  }
  // (alpha*beta)^q = alpha^q*beta^q for an integer q, so powers of one base can meet.
  if (kind(base) == Kind::Scale && integerExponent) {
    Ids factors;
    for (Id f : Ids(kids(base).begin(), kids(base).end())) factors.push_back(makePow(f, exponent));
    return makeScale(factors);
  }
  // (b^p)^q = b^(p*q) for an integer q: alpha^-1 stays a power of alpha.
  if (kind(base) == Kind::Pow && integerExponent && kind(kids(base)[1]) == Kind::Number) {
    Id inner = kids(base)[0];
    mpq_class e = numberOf(kids(base)[1]) * numberOf(exponent);
    return makePow(inner, number(e));
  }
  return intern(Kind::Pow, 0, Shape{}, span({base, exponent}));
}

std::pair<Id, long> Arena::powerOf(Id f) {
  auto small = [&](Id n) { return numberOf(n).get_num().get_si(); };
  switch (kind(f)) {
    case Kind::MatPow: {
      Id b = kids(f)[0];
      if (kind(kids(f)[1]) != Kind::Number) return {f, 1};  // a pattern's A^beta
      long k = small(kids(f)[1]);
      if (kind(b) == Kind::Inverse) return {kids(b)[0], -k};
      return {b, k};
    }
    case Kind::Inverse: return {kids(f)[0], -1};
    case Kind::Transpose: {
      auto [b, e] = powerOf(kids(f)[0]);
      if (e == 1) return {f, 1};
      Id bt = transpose(b);
      if (kind(bt) == Kind::Mul) return {f, 1};
      return {bt, e};
    }
    default: return {f, 1};
  }
}

// B^e for a base B that is not itself a power or an inverse.
Id Arena::power(Id base, long e) {
  if (e == 0) return identity(shape(base).rows);
  if (e == 1) return base;
  if (e == -1) return orient(Kind::Inverse, {base});
  if (e > 0) return orient(Kind::MatPow, {base, number(e)});
  return orient(Kind::MatPow, {orient(Kind::Inverse, {base}), number(-e)});
}

void Arena::combinePowers(Ids& factors, bool cyclic) {
  boost::container::small_vector<std::pair<Id, long>, 8> stack;
  bool merged = false;  // else stack holds each factor's powerOf, unchanged
  for (Id f : factors) {
    auto p = powerOf(f);
    if (!stack.empty() && stack.back().first == p.first) {
      merged = true;
      stack.back().second += p.second;
      if (stack.back().second == 0) stack.pop_back();
    } else {
      stack.push_back(p);
    }
  }
  while (cyclic && stack.size() >= 2 && stack.front().first == stack.back().first) {
    merged = true;
    stack.front().second += stack.back().second;
    stack.pop_back();
    if (stack.front().second == 0) stack.erase(stack.begin());
  }
  if (!merged) return;
  factors.clear();
  for (auto [b, e] : stack) {
    Id f = power(b, e);
    if (kind(f) != Kind::Identity) factors.push_back(f);
  }
}

// A.^1 = A, A.^0 = ones, (A.^p).^q = A.^(p*q) and (A .* B).^q = A.^q .* B.^q
// and (alpha*A).^q = alpha^q*A.^q for an integer q, ones.^p = ones.
Id Arena::makeHadamardPow(Id base, Id exponent) {
  if (kind(exponent) != Kind::Number) return orient(Kind::HadamardPow, {base, exponent});  // a pattern's A.^beta
  const mpq_class& p = numberOf(exponent);
  bool integer = p.get_den() == 1;
  if (shape(base).isScalar()) return makePow(base, exponent);
  if (p == 1) return base;
  if (p == 0 || kind(base) == Kind::Ones) return ones(shape(base));
  if (kind(base) == Kind::Identity && p > 0) return base;  // 1^p on the diagonal, 0^p off it: I .* I = I
  if (kind(base) == Kind::Zero || (kind(base) == Kind::Identity && p < 0)) {  // 0^p for p < 0 is undefined
    if (p < 0) divisionByZero(*this, ones(shape(base)));
    return base;
  }
  if (integer && kind(base) == Kind::HadamardPow && kind(kids(base)[1]) == Kind::Number)
    return makeHadamardPow(kids(base)[0], number(numberOf(kids(base)[1]) * p));
  if (integer && (kind(base) == Kind::Hadamard || kind(base) == Kind::Scale)) {
    Ids parts;
    for (Id k : Ids(kids(base).begin(), kids(base).end()))
      parts.push_back(shape(k).isScalar() ? makePow(k, exponent) : makeHadamardPow(k, exponent));
    return kind(base) == Kind::Scale ? makeScale(parts) : makeHadamard(parts);
  }
  return orient(Kind::HadamardPow, {base, exponent});
}

// X^0 = I, X^1 = X, X^-k = inv(X)^k, (X^p)^q = X^(p*q), (alpha*X)^k = alpha^k*X^k.
Id Arena::makeMatPow(Id base, long k) {
  if (shape(base).isScalar()) return makePow(base, number(k));
  if (k == 0 || kind(base) == Kind::Identity) return identity(shape(base).rows);
  if (k == 1) return base;
  if (kind(base) == Kind::Zero) {
    if (k < 0) divisionByZero(*this, identity(shape(base).rows));
    return base;
  }
  if (kind(base) == Kind::Scale) {
    auto fs = kids(base);
    Ids out;
    for (std::size_t i = 0; i + 1 < fs.size(); ++i) out.push_back(makePow(fs[i], number(k)));
    out.push_back(makeMatPow(fs.back(), k));
    return makeScale(out);
  }
  // (A*B)^k is A*B*…*A*B written out while that is short: a power of a
  // product and its product have one normal form, and a trace sees the
  // cyclic word (tr((A*B)^2) is tr((B*A)^2)). The text form prints such a
  // run as the power again (print_text.cpp).
  if (kind(base) == Kind::Mul && k >= 2 && kids(base).size() * static_cast<std::size_t>(k) <= kMaxWrittenOutPower) {
    Ids copies(static_cast<std::size_t>(k), base);
    return makeMul(copies);
  }
  auto [b, e] = powerOf(base);
  long product;
  if (__builtin_mul_overflow(e, k, &product) || product > 1'000'000 || product < -1'000'000)
    throw Error(Error::Category::Budget, "a matrix power beyond ±10^6");
  return power(b, product);
}

// inv(inv(A)) = A, inv(A^k) = inv(A)^k, inv(alpha*A) = alpha^-1*inv(A), inv(I) = I.
Id Arena::makeInverse(Id m) {
  if (kind(m) == Kind::Identity) return m;
  if (kind(m) == Kind::Zero) divisionByZero(*this, identity(shape(m).rows));
  if (kind(m) == Kind::Scale) {
    auto fs = kids(m);
    Ids out;
    for (std::size_t i = 0; i + 1 < fs.size(); ++i) out.push_back(makePow(fs[i], number(-1)));
    out.push_back(makeInverse(fs.back()));
    return makeScale(out);
  }
  auto [b, e] = powerOf(m);
  return power(b, -e);
}

// tr(alpha) = alpha; tr(alpha*A) = alpha*tr(A); a trace of a product is a
// closed word (closed.cpp), one representative of its rotations and reflections.
Id Arena::makeTrace(Id m) {
  if (shape(m).isScalar()) return m;
  switch (kind(m)) {
    case Kind::Zero: return number(0);
    case Kind::Scale: {
      auto fs = kids(m);
      Ids out(fs.begin(), fs.end() - 1);
      out.push_back(makeTrace(fs.back()));
      return makeScale(out);
    }
    case Kind::Add:
    case Kind::Identity: return intern(Kind::Trace, 0, Shape{}, span({m}));
    case Kind::Mul: return closedWord(kids(m));
    default: return closedWord(span({m}));
  }
}

// sum(alpha) = alpha; sum(alpha*A) = alpha*sum(A); sum(A') = sum(A).
Id Arena::makeSum(Id m) {
  if (shape(m).isScalar()) return m;
  switch (kind(m)) {
    case Kind::Zero: return number(0);
    case Kind::Scale: {
      auto fs = kids(m);
      Ids out(fs.begin(), fs.end() - 1);
      out.push_back(makeSum(fs.back()));
      return makeScale(out);
    }
    default: break;
  }
  Id flipped = transpose(m);
  std::uint32_t ta = facts(m).transposes, tf = facts(flipped).transposes;
  if (tf < ta || (tf == ta && compare(flipped, m) < 0)) m = flipped;
  return intern(Kind::Sum, 0, Shape{}, span({m}));
}

}  // namespace matcalc
