#include <algorithm>
#include <functional>

#include "matcalc/print.hpp"
#include "matcalc/term.hpp"
#include "shape_rules.hpp"

namespace matcalc {

namespace {

const char* kFreshNames[] = {"n", "m", "p", "q", "r", "s", "k", "l"};

// The arena's unifier only checks: its dimensions are final.
struct CheckOnly {
  const Arena& arena;
  std::span<const Id> kids;
  bool same(Dim a, Dim b) const { return a == b; }
  [[noreturn]] void fail(const std::string& why, int i, int j) const {
    std::string msg = "shape error: " + why + ": '" + toText(arena, kids[i]) + "' is " +
                      arena.shapeText(arena.shape(kids[i]));
    if (j >= 0) msg += " and '" + toText(arena, kids[j]) + "' is " + arena.shapeText(arena.shape(kids[j]));
    throw Error(Error::Category::Shape, msg);
  }
};

}  // namespace

namespace {

// Sums rational weights by key, keeping first-seen order: the coefficients of
// like terms (2*X + 3*X) and the exponents of one base (alpha*alpha^2).
struct WeightsByKey {
  std::vector<Id> keys;
  std::vector<mpq_class> weights;
  void add(Id key, const mpq_class& w) {
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      weights.push_back(w);
    } else {
      weights[it - keys.begin()] += w;
    }
  }
};

}  // namespace

std::size_t Arena::NodeHash::operator()(const Node& n) const {
  std::size_t h = static_cast<std::size_t>(n.kind) * 0x9E3779B97F4A7C15ull ^ n.payload;
  h = h * 31 + n.shape.rows;
  h = h * 31 + n.shape.cols;
  for (Id k : n.kids) h = (h ^ k) * 0x100000001B3ull;
  return h;
}

Arena::Arena() {
  dimNames_.push_back("1");
  dimIndex_["1"] = kOne;
}

Id Arena::intern(Node node) {
  auto it = memo_.find(node);
  if (it != memo_.end()) return it->second;
  Id id = static_cast<Id>(nodes_.size());
  nodes_.push_back(node);
  memo_.emplace(std::move(node), id);
  return id;
}

Dim Arena::dim(std::string_view name) {
  auto it = dimIndex_.find(std::string(name));
  if (it != dimIndex_.end()) return it->second;
  Dim d = static_cast<Dim>(dimNames_.size());
  dimNames_.emplace_back(name);
  dimIndex_.emplace(std::string(name), d);
  return d;
}

Dim Arena::freshDim() {
  for (int round = 0;; ++round)
    for (const char* base : kFreshNames) {
      std::string name = round == 0 ? base : base + std::to_string(round);
      if (!dimIndex_.count(name)) return dim(name);
    }
}

Dim Arena::freshPatternDim() { return dim("_" + std::to_string(++patternDims_)); }

std::string Arena::shapeText(Shape s) const { return dimName(s.rows) + "×" + dimName(s.cols); }

Id Arena::symbol(std::string_view name, VarKind kind, Shape shape, std::uint32_t scope) {
  if (const Symbol* existing = findSymbol(name, scope)) {
    if (existing->kind != kind || existing->shape != shape)
      throw Error(Error::Category::Shape, "symbol '" + std::string(name) + "' is already " +
                                              shapeText(existing->shape));
    auto index = static_cast<std::uint32_t>(existing - symbols_.data());
    return intern({Kind::Symbol, index, shape, {}});
  }
  symbols_.push_back({std::string(name), kind, shape, scope});
  return intern({Kind::Symbol, static_cast<std::uint32_t>(symbols_.size() - 1), shape, {}});
}

const Symbol* Arena::findSymbol(std::string_view name, std::uint32_t scope) const {
  for (const Symbol& s : symbols_)
    if (s.scope == scope && s.name == name) return &s;
  return nullptr;
}

std::vector<Id> Arena::symbolsInScope(std::uint32_t scope) const {
  std::vector<Id> out;
  for (std::uint32_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i].scope == scope) out.push_back(memo_.at({Kind::Symbol, i, symbols_[i].shape, {}}));
  return out;
}

Id Arena::number(const mpq_class& value) {
  std::string key = value.get_str();
  auto it = numberIndex_.find(key);
  std::uint32_t index;
  if (it != numberIndex_.end()) {
    index = it->second;
  } else {
    index = static_cast<std::uint32_t>(numbers_.size());
    numbers_.push_back(value);
    numberIndex_.emplace(key, index);
  }
  return intern({Kind::Number, index, Shape{}, {}});
}

Id Arena::identity(Dim n) { return intern({Kind::Identity, 0, Shape{n, n}, {}}); }
// A 1×1 zero or all-ones matrix is the number itself.
Id Arena::zero(Shape shape) { return shape.isScalar() ? number(0) : intern({Kind::Zero, 0, shape, {}}); }
Id Arena::ones(Shape shape) { return shape.isScalar() ? number(1) : intern({Kind::Ones, 0, shape, {}}); }

Shape Arena::checkShape(Kind kind, std::span<const Id> kids) const {
  std::vector<Shape> shapes;
  for (Id k : kids) shapes.push_back(shape(k));
  CheckOnly checker{*this, kids};
  return detail::applyShapeRule(kind, shapes, checker);
}

Id Arena::finish(Kind kind, std::vector<Id> kids) {
  Shape s = checkShape(kind, kids);
  return intern({kind, 0, s, std::move(kids)});
}

std::vector<Id> Arena::flatten(Kind kind, const std::vector<Id>& kids) const {
  std::vector<Id> out;
  for (Id k : kids) {
    if (this->kind(k) == kind)
      out.insert(out.end(), nodes_[k].kids.begin(), nodes_[k].kids.end());
    else
      out.push_back(k);
  }
  return out;
}

// Which operand a kind is linear in, so that a zero there makes the result
// zero: kAnyOperand for multilinear kinds, -1 for none.
constexpr int kAnyOperand = 100;
int zeroOperandOf(Kind kind) {
  switch (kind) {
    case Kind::Mul:
    case Kind::Hadamard:
    case Kind::Inner: return kAnyOperand;
    case Kind::HadamardDiv:
    case Kind::Transpose:
    case Kind::Trace:
    case Kind::Sum:
    case Kind::DiagMatrix:
    case Kind::DiagVector:
    case Kind::Differential: return 0;
    default: return -1;
  }
}

Id Arena::make(Kind kind, std::vector<Id> kids) {
  const KindInfo& ki = info(kind);
  if (ki.form == Form::Leaf) throw std::logic_error("make() called for a leaf kind");
  if (ki.arity >= 0 ? kids.size() != static_cast<std::size_t>(ki.arity) : kids.empty())
    throw std::logic_error("wrong number of operands for " + std::string(ki.id));
  switch (kind) {
    case Kind::Add: return makeAdd(std::move(kids));
    case Kind::Scale: return makeScale(std::move(kids));
    case Kind::Mul: return makeMul(std::move(kids));
    case Kind::Hadamard: return makeHadamard(std::move(kids));
    case Kind::HadamardDiv: {
      checkShape(kind, kids);
      Id a = kids[0], b = kids[1];
      // X ./ alpha is alpha^-1*X; alpha ./ X is (alpha*ones) ./ X.
      if (shape(b).isScalar()) return makeScale({make(Kind::Pow, {b, number(-1)}), a});
      if (shape(a).isScalar()) a = makeScale({a, ones(shape(b))});
      return finish(kind, {a, b});
    }
    case Kind::Pow:
      // Fold a number to an integer power: 2^3 -> 8.
      if (this->kind(kids[0]) == Kind::Number && this->kind(kids[1]) == Kind::Number) {
        const mpq_class& base = numberOf(kids[0]);
        const mpq_class& exponent = numberOf(kids[1]);
        if (exponent.get_den() == 1 && mpz_fits_slong_p(exponent.get_num_mpz_t()) &&
            (base != 0 || exponent >= 0)) {
          long e = exponent.get_num().get_si();
          if (e > -64 && e < 64) {
            mpq_class r = 1;
            for (long i = 0; i < std::labs(e); ++i) r *= base;
            return number(e < 0 ? mpq_class(1 / r) : r);
          }
        }
      }
      // (alpha*beta)^q = alpha^q*beta^q for an integer q, so powers of one base can meet.
      if (this->kind(kids[0]) == Kind::Scale && this->kind(kids[1]) == Kind::Number && numberOf(kids[1]).get_den() == 1) {
        std::vector<Id> factors;
        for (Id f : std::vector<Id>(nodes_[kids[0]].kids)) factors.push_back(make(Kind::Pow, {f, kids[1]}));
        return makeScale(std::move(factors));
      }
      // (b^p)^q = b^(p*q) for an integer q: alpha^-1 stays a power of alpha.
      if (this->kind(kids[0]) == Kind::Pow && this->kind(kids[1]) == Kind::Number &&
          numberOf(kids[1]).get_den() == 1 && this->kind(nodes_[kids[0]].kids[1]) == Kind::Number) {
        Id base = nodes_[kids[0]].kids[0];
        mpq_class e = numberOf(nodes_[kids[0]].kids[1]) * numberOf(kids[1]);
        return make(Kind::Pow, {base, number(e)});
      }
      return finish(kind, std::move(kids));
    default:
      break;
  }
  // Linear in an operand that is zero: the result is zero (0*X, tr(0), <0, B> …).
  if (int z = zeroOperandOf(kind); z >= 0) {
    std::size_t from = z == kAnyOperand ? 0 : static_cast<std::size_t>(z);
    std::size_t to = z == kAnyOperand ? kids.size() : from + 1;
    for (std::size_t i = from; i < to; ++i)
      if (this->kind(kids[i]) == Kind::Zero || isNumber(kids[i], 0)) return zero(checkShape(kind, kids));
  }
  return finish(kind, std::move(kids));
}

Id Arena::makeAdd(std::vector<Id> kids) {
  std::vector<Id> flat = flatten(Kind::Add, kids);
  Shape result = checkShape(Kind::Add, flat);
  // A scalar in a matrix sum is broadcast: alpha becomes alpha*ones, so that
  // no rule ever sees operands of different shapes.
  if (!result.isScalar())
    for (Id& k : flat)
      if (shape(k).isScalar()) k = makeScale({k, ones(result)});
  // Like terms: c1*T + c2*T -> (c1 + c2)*T, numbers fold into one constant.
  mpq_class constant = 0;
  WeightsByKey like;  // core term -> coefficient
  for (Id k : flat) {
    if (kind(k) == Kind::Zero) continue;
    if (kind(k) == Kind::Number) {
      constant += numberOf(k);
      continue;
    }
    mpq_class c = 1;
    Id core = k;
    if (kind(k) == Kind::Scale && kind(nodes_[k].kids[0]) == Kind::Number) {
      c = numberOf(nodes_[k].kids[0]);
      std::vector<Id> rest(nodes_[k].kids.begin() + 1, nodes_[k].kids.end());
      core = rest.size() == 1 ? rest[0] : finish(Kind::Scale, std::move(rest));
    }
    like.add(core, c);
  }
  std::vector<Id> terms;
  for (std::size_t i = 0; i < like.keys.size(); ++i) {
    if (like.weights[i] == 0) continue;
    terms.push_back(like.weights[i] == 1 ? like.keys[i] : makeScale({number(like.weights[i]), like.keys[i]}));
  }
  std::sort(terms.begin(), terms.end(), [&](Id a, Id b) { return compare(a, b) < 0; });
  if (constant != 0) terms.push_back(number(constant));  // constants last: "alpha + 1"
  if (terms.empty()) return result.isScalar() ? number(0) : zero(result);
  if (terms.size() == 1) return terms[0];
  return finish(Kind::Add, std::move(terms));
}

Id Arena::makeScale(std::vector<Id> kids) {
  std::vector<Id> flat = flatten(Kind::Scale, kids);
  checkShape(Kind::Scale, flat);
  mpq_class coefficient = 1;
  std::vector<Id> factors;
  Id matrix = 0;
  bool hasMatrix = false, isZero = false;
  for (Id k : flat) {
    if (kind(k) == Kind::Number) {
      coefficient *= numberOf(k);
    } else if (!shape(k).isScalar()) {
      hasMatrix = true;
      matrix = k;
      isZero = isZero || kind(k) == Kind::Zero;
    } else {
      factors.push_back(k);
      isZero = isZero || kind(k) == Kind::Zero;
    }
  }
  Shape result = hasMatrix ? shape(matrix) : Shape{};
  if (coefficient == 0 || isZero) return result.isScalar() ? number(0) : zero(result);
  // Powers of one base combine: alpha^-1*alpha -> 1, alpha*alpha^2 -> alpha^3.
  WeightsByKey powers;  // base -> exponent
  for (Id f : factors) {
    bool power = kind(f) == Kind::Pow && kind(nodes_[f].kids[1]) == Kind::Number;
    powers.add(power ? nodes_[f].kids[0] : f, power ? numberOf(nodes_[f].kids[1]) : mpq_class(1));
  }
  factors.clear();
  for (std::size_t i = 0; i < powers.keys.size(); ++i) {
    if (powers.weights[i] == 0) continue;
    Id base = powers.keys[i];
    factors.push_back(powers.weights[i] == 1 ? base : make(Kind::Pow, {base, number(powers.weights[i])}));
  }
  std::sort(factors.begin(), factors.end(), [&](Id a, Id b) { return compare(a, b) < 0; });
  std::vector<Id> out;
  if (coefficient != 1) out.push_back(number(coefficient));  // coefficient first: "2*X"
  out.insert(out.end(), factors.begin(), factors.end());
  if (hasMatrix) out.push_back(matrix);  // the non-scalar factor last
  if (out.empty()) return number(1);
  if (out.size() == 1) return out[0];
  return finish(Kind::Scale, std::move(out));
}

// Scalar-shaped operands of a matrix or Hadamard product, and the scalar
// factors of scaled operands, are gathered in front: A*(2*B) -> 2*(A*B).
namespace {
struct Split {
  std::vector<Id> scalars, rest;
};
}  // namespace

Id Arena::makeMul(std::vector<Id> kids) {
  for (Id k : kids)
    if (kind(k) == Kind::Zero || isNumber(k, 0)) return zero(checkShape(Kind::Mul, kids));
  Split split;
  for (Id k : flatten(Kind::Mul, kids)) {
    if (shape(k).isScalar()) {
      split.scalars.push_back(k);
    } else if (kind(k) == Kind::Scale) {
      const auto& fs = nodes_[k].kids;
      split.scalars.insert(split.scalars.end(), fs.begin(), fs.end() - 1);
      Id m = fs.back();
      if (kind(m) == Kind::Mul) split.rest.insert(split.rest.end(), nodes_[m].kids.begin(), nodes_[m].kids.end());
      else split.rest.push_back(m);
    } else {
      split.rest.push_back(k);
    }
  }
  if (split.rest.empty()) return makeScale(std::move(split.scalars));
  Id product = split.rest.size() == 1 ? split.rest[0] : finish(Kind::Mul, std::move(split.rest));
  if (split.scalars.empty()) return product;
  split.scalars.push_back(product);
  return makeScale(std::move(split.scalars));
}

Id Arena::makeHadamard(std::vector<Id> kids) {
  for (Id k : kids)
    if (kind(k) == Kind::Zero || isNumber(k, 0)) return zero(checkShape(Kind::Hadamard, kids));
  Split split;
  for (Id k : flatten(Kind::Hadamard, kids)) {
    if (shape(k).isScalar()) {
      split.scalars.push_back(k);
    } else if (kind(k) == Kind::Scale) {
      const auto& fs = nodes_[k].kids;
      split.scalars.insert(split.scalars.end(), fs.begin(), fs.end() - 1);
      split.rest.push_back(fs.back());
    } else {
      split.rest.push_back(k);
    }
  }
  // Re-flatten: a scaled operand may have been a Hadamard product itself.
  split.rest = flatten(Kind::Hadamard, split.rest);
  if (split.rest.empty()) return makeScale(std::move(split.scalars));
  std::sort(split.rest.begin(), split.rest.end(), [&](Id a, Id b) { return compare(a, b) < 0; });
  Id product = split.rest.size() == 1 ? split.rest[0] : finish(Kind::Hadamard, std::move(split.rest));
  if (split.scalars.empty()) return product;
  split.scalars.push_back(product);
  return makeScale(std::move(split.scalars));
}

int Arena::compare(Id a, Id b) const {
  if (a == b) return 0;
  const Node& x = nodes_[a];
  const Node& y = nodes_[b];
  if (x.kind != y.kind) return x.kind < y.kind ? -1 : 1;
  switch (x.kind) {
    case Kind::Symbol: {
      const Symbol& s = symbols_[x.payload];
      const Symbol& t = symbols_[y.payload];
      if (int c = s.name.compare(t.name)) return c < 0 ? -1 : 1;
      if (s.scope != t.scope) return s.scope < t.scope ? -1 : 1;
      break;
    }
    case Kind::Number: {
      int c = cmp(numbers_[x.payload], numbers_[y.payload]);
      if (c) return c < 0 ? -1 : 1;
      break;
    }
    default:
      if (x.kids.size() != y.kids.size()) return x.kids.size() < y.kids.size() ? -1 : 1;
      for (std::size_t i = 0; i < x.kids.size(); ++i)
        if (int c = compare(x.kids[i], y.kids[i])) return c;
  }
  // Same structure up to dimensions: order by dimension names.
  if (x.shape.rows != y.shape.rows) return dimName(x.shape.rows) < dimName(y.shape.rows) ? -1 : 1;
  if (x.shape.cols != y.shape.cols) return dimName(x.shape.cols) < dimName(y.shape.cols) ? -1 : 1;
  return a < b ? -1 : 1;
}

}  // namespace matcalc
