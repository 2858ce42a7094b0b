// Presentation of a normal form: the same value, written compactly. Normal
// forms are fully expanded sums of products; people read (A + A')*x better
// than A*x + A'*x, and x'*y better than <x, y>.
#include <algorithm>
#include <map>
#include <numeric>

#include "matcalc/calculus.hpp"

namespace matcalc {

namespace {

// A term of a sum as coefficient * scalar factors * matrix factors.
struct Term {
  mpq_class coefficient = 1;
  std::vector<Id> scalars;
  std::vector<Id> factors;  // a matrix product, in order; empty for a scalar term
  Shape shape;
};

Id negate(Arena& a, Id sum) {
  std::vector<Id> terms;
  for (Id k : std::vector<Id>(a.kids(sum).begin(), a.kids(sum).end())) terms.push_back(a.make(Kind::Scale, {a.number(-1), k}));
  return a.make(Kind::Add, terms);
}

// A sum standing first or last in a product is written with the sign that
// makes it the smaller of S and -S, the coefficient taking the other sign, so
// that m*(x' - m') + x*(m' - x') shows the common factor (x' - m').
void normaliseSigns(Arena& a, Term& t) {
  if (t.factors.empty()) return;
  for (Id* end : {&t.factors.front(), &t.factors.back()}) {
    if (a.kind(*end) != Kind::Add) continue;
    Id negated = negate(a, *end);
    if (a.compare(negated, *end) < 0) {
      *end = negated;
      t.coefficient = -t.coefficient;
    }
    if (t.factors.size() == 1) break;
  }
}

Term split(Arena& a, Id t) {
  Term out;
  out.shape = a.shape(t);
  Id matrix = t;
  bool hasMatrix = true;
  if (a.kind(t) == Kind::Scale) {
    auto k = a.kids(t);
    std::size_t i = 0;
    if (a.kind(k[0]) == Kind::Number) out.coefficient = a.numberOf(k[i++]);
    for (; i < k.size(); ++i) {
      if (a.shape(k[i]).isScalar()) out.scalars.push_back(k[i]);
      else matrix = k[i];
    }
    hasMatrix = !a.shape(t).isScalar();
  } else if (a.shape(t).isScalar() && a.kind(t) != Kind::Mul) {
    if (a.kind(t) == Kind::Number) out.coefficient = a.numberOf(t);
    else out.scalars.push_back(t);
    hasMatrix = false;
  }
  if (hasMatrix) {
    if (a.kind(matrix) == Kind::Mul) out.factors.assign(a.kids(matrix).begin(), a.kids(matrix).end());
    else out.factors.push_back(matrix);
  }
  normaliseSigns(a, out);
  return out;
}

Id join(Arena& a, const Term& t) {
  std::vector<Id> parts;
  if (t.coefficient != 1) parts.push_back(a.number(t.coefficient));
  parts.insert(parts.end(), t.scalars.begin(), t.scalars.end());
  if (!t.factors.empty()) parts.push_back(t.factors.size() == 1 ? t.factors[0] : a.make(Kind::Mul, t.factors));
  else if (!t.shape.isScalar()) parts.push_back(a.identity(t.shape.rows));  // 2*A with A taken out is 2*I
  if (parts.empty()) return a.number(1);
  return parts.size() == 1 ? parts[0] : a.make(Kind::Scale, parts);
}

mpq_class commonCoefficient(const std::vector<Term>& terms) {
  mpz_class num = 0, den = 1;
  for (const Term& t : terms) {
    mpz_gcd(num.get_mpz_t(), num.get_mpz_t(), t.coefficient.get_num_mpz_t());
    mpz_lcm(den.get_mpz_t(), den.get_mpz_t(), t.coefficient.get_den_mpz_t());
  }
  if (num == 0) return 1;
  mpq_class c(num, den);
  c.canonicalize();
  bool allNegative = std::all_of(terms.begin(), terms.end(), [](const Term& t) { return t.coefficient < 0; });
  return allNegative ? mpq_class(-c) : c;
}

// The sums being factored, outermost first: a group that comes back as one
// of them is left as it is, so factoring cannot recurse forever.
using InProgress = std::vector<Id>;
Id factorSum(Arena& a, std::vector<Term> terms, Shape shape, InProgress& open);

// Factor a sum until nothing changes: A*(A + B) + B*(A + B) -> (A + B)*(A + B).
Id factorFully(Arena& a, Id sum, Shape shape, InProgress& open) {
  if (std::find(open.begin(), open.end(), sum) != open.end() || open.size() > 16) return sum;
  open.push_back(sum);
  struct Pop {
    InProgress& open;
    ~Pop() { open.pop_back(); }
  } pop{open};
  for (int round = 0; round < 4 && a.kind(sum) == Kind::Add; ++round) {
    std::vector<Term> terms;
    for (Id k : std::vector<Id>(a.kids(sum).begin(), a.kids(sum).end())) terms.push_back(split(a, k));
    Id next = factorSum(a, std::move(terms), shape, open);
    if (next == sum) break;
    sum = next;
  }
  return sum;
}

// The operands of a term read as a Hadamard product (a plain matrix or
// matrix product is one operand).
std::vector<Id> hadamardFactors(Arena& a, const Term& t) {
  if (t.factors.empty()) return {};
  if (t.factors.size() > 1) return {a.make(Kind::Mul, t.factors)};
  Id f = t.factors[0];
  if (a.kind(f) == Kind::Hadamard) return {a.kids(f).begin(), a.kids(f).end()};
  return {f};
}

constexpr int kHadamard = 2;  // a side: a common operand of Hadamard products

// What the remaining terms of a group look like once `f` is taken out on
// `side` (-1 left, +1 right, 0 a scalar factor, kHadamard a Hadamard operand).
Term without(Arena& a, const Term& t, Id f, int side) {
  Term r = t;
  if (side == kHadamard) {
    std::vector<Id> rest = hadamardFactors(a, t);
    rest.erase(std::find(rest.begin(), rest.end(), f));
    Id remaining = rest.empty() ? a.ones(t.shape) : rest.size() == 1 ? rest[0] : a.make(Kind::Hadamard, rest);
    r.factors = {remaining};  // A .* B with A taken out is B; A alone leaves ones
    return r;
  }
  if (side == 0) r.scalars.erase(std::find(r.scalars.begin(), r.scalars.end(), f));
  else if (side < 0) r.factors.erase(r.factors.begin());
  else r.factors.pop_back();
  return r;
}

Id factorSum(Arena& a, std::vector<Term> terms, Shape shape, InProgress& open) {
  if (terms.size() == 1) return join(a, terms[0]);
  // 1. A numeric factor common to every term.
  mpq_class c = commonCoefficient(terms);
  if (c != 1) {
    for (Term& t : terms) t.coefficient /= c;
    return a.make(Kind::Scale, {a.number(c), factorSum(a, std::move(terms), shape, open)});
  }
  // 2. The factor shared by most terms: a scalar, a leftmost or a rightmost factor.
  struct Candidate {
    Id factor;
    int side;
    std::size_t count;
  };
  std::vector<Candidate> candidates;
  auto has = [&](const Term& t, Id f, int side) {
    if (side == 0) return std::find(t.scalars.begin(), t.scalars.end(), f) != t.scalars.end();
    if (side == kHadamard) {
      auto h = hadamardFactors(a, t);
      return std::find(h.begin(), h.end(), f) != h.end();
    }
    if (t.factors.empty()) return false;
    return (side < 0 ? t.factors.front() : t.factors.back()) == f;
  };
  auto consider = [&](Id f, int side) {
    std::size_t n = std::count_if(terms.begin(), terms.end(), [&](const Term& t) { return has(t, f, side); });
    if (n >= 2) candidates.push_back({f, side, n});
  };
  for (const Term& t : terms) {
    for (Id s : t.scalars) consider(s, 0);
    if (!t.factors.empty()) {
      consider(t.factors.front(), -1);
      consider(t.factors.back(), +1);
    }
    if (!shape.isScalar())
      for (Id h : hadamardFactors(a, t)) consider(h, kHadamard);
  }
  if (candidates.empty()) {
    std::vector<Id> parts;
    for (const Term& t : terms) parts.push_back(join(a, t));
    return a.make(Kind::Add, parts);
  }
  Candidate best = *std::max_element(candidates.begin(), candidates.end(),
                                     [](const Candidate& x, const Candidate& y) { return x.count < y.count; });
  std::vector<Term> inside, outside;
  for (const Term& t : terms) {
    if (has(t, best.factor, best.side)) inside.push_back(without(a, t, best.factor, best.side));
    else outside.push_back(t);
  }
  Shape innerShape = shape;
  if (best.side == -1) innerShape.rows = a.shape(best.factor).cols;
  if (best.side == +1) innerShape.cols = a.shape(best.factor).rows;
  for (Term& t : inside) t.shape = innerShape;
  Id group = factorFully(a, factorSum(a, std::move(inside), innerShape, open), innerShape, open);
  Id grouped = best.side == 0          ? a.make(Kind::Scale, {best.factor, group})
               : best.side == kHadamard ? a.make(Kind::Hadamard, {best.factor, group})
               : best.side < 0          ? a.make(Kind::Mul, {best.factor, group})
                                        : a.make(Kind::Mul, {group, best.factor});
  if (outside.empty()) return grouped;
  Id rest = factorSum(a, std::move(outside), shape, open);
  return a.make(Kind::Add, {grouped, rest});
}


Id presentSums(Arena& a, Id t);

// A sum of transposes as a transposed sum: x' - m' -> (x - m)'; and an
// elementwise function of a transpose as a transposed function.
Id transposedSums(Arena& a, Id t) {
  const Node n = a.node(t);
  if (n.kids.empty()) return t;
  std::vector<Id> kids;
  for (Id k : n.kids) kids.push_back(transposedSums(a, k));
  Id rebuilt = a.make(n.kind, kids);
  // f(x'*W') -> f(W*x)' for an elementwise f: the transpose read once, outside.
  if (info(a.kind(rebuilt)).form == Form::Elementwise) {
    Id arg = a.kids(rebuilt)[0];
    std::vector<Id> inner;
    if (a.kind(arg) == Kind::Transpose) inner.push_back(a.kids(arg)[0]);
    else if (a.kind(arg) == Kind::Mul)
      for (auto k = a.kids(arg).rbegin(); k != a.kids(arg).rend(); ++k) {
        if (a.kind(*k) != Kind::Transpose) return rebuilt;
        inner.push_back(a.kids(*k)[0]);
      }
    if (inner.empty()) return rebuilt;
    Id untransposed = inner.size() == 1 ? inner[0] : a.make(Kind::Mul, inner);
    return a.make(Kind::Transpose, {a.make(a.kind(rebuilt), {untransposed})});
  }
  if (a.kind(rebuilt) != Kind::Add) return rebuilt;
  std::vector<Id> inner;
  for (Id k : std::vector<Id>(a.kids(rebuilt).begin(), a.kids(rebuilt).end())) {
    Id core = k;
    std::vector<Id> scalars;
    if (a.kind(k) == Kind::Scale) {
      auto f = a.kids(k);
      scalars.assign(f.begin(), f.end() - 1);
      core = f.back();
    }
    if (a.kind(core) != Kind::Transpose) return rebuilt;
    scalars.push_back(a.kids(core)[0]);
    inner.push_back(a.make(Kind::Scale, scalars));
  }
  return a.make(Kind::Transpose, {a.make(Kind::Add, inner)});
}

}  // namespace

Id present(Arena& a, Id t) { return transposedSums(a, presentSums(a, t)); }

namespace {

Id presentSums(Arena& a, Id t) {
  const Node n = a.node(t);  // a copy: make() below may grow the arena
  if (n.kids.empty()) return t;
  std::vector<Id> kids;
  for (Id k : n.kids) kids.push_back(presentSums(a, k));
  if (n.kind == Kind::Inner && a.shape(kids[0]).isColumn() && !a.shape(kids[0]).isScalar())
    return a.make(Kind::Mul, {a.make(Kind::Transpose, {kids[0]}), kids[1]});  // <x, y> as x'*y
  if (n.kind != Kind::Add) return a.make(n.kind, kids);
  InProgress open;
  return factorFully(a, a.make(Kind::Add, kids), n.shape, open);
}

}  // namespace
}  // namespace matcalc
