// Factoring a sum for display: common numeric, scalar, left, right and
// Hadamard factors taken out, terms with one matrix part collected first.
#include <algorithm>
#include <map>
#include <numeric>
#include <boost/container/small_vector.hpp>
#include <unordered_map>
#include <unordered_set>

#include "matcalc/small_rational.hpp"
#include "present.hpp"

namespace matcalc::detail {

namespace {

using detail::SmallRational;

// Counts by key: a short list searched, a hash map once it is long.
class IdCounts {
 public:
  std::size_t increment(std::uint64_t key) {
    if (map_.empty()) {
      for (auto& [k, n] : list_)
        if (k == key) return ++n;
      list_.push_back({key, 1});
      if (list_.size() > 32)
        for (auto [k, n] : list_) map_[k] = n;
      return 1;
    }
    return ++map_[key];
  }
  std::size_t count(std::uint64_t key) const {
    if (map_.empty()) {
      for (auto [k, n] : list_)
        if (k == key) return n;
      return 0;
    }
    auto it = map_.find(key);
    return it == map_.end() ? 0 : it->second;
  }

 private:
  boost::container::small_vector<std::pair<std::uint64_t, std::size_t>, 16> list_;
  std::unordered_map<std::uint64_t, std::size_t> map_;
};

// A term of a sum as coefficient * scalar factors * matrix factors.
using Ids = boost::container::small_vector<Id, 6>;
std::span<const Id> view(const Ids& v) { return {v.data(), v.size()}; }
struct Term {
  SmallRational coefficient = 1;
  Ids scalars;
  Ids factors;  // a matrix product, in order; empty for a scalar term
  Shape shape;
};
Id numberNode(Arena& a, const SmallRational& q) {
  long v;
  return q.smallInteger(v) ? a.number(v) : a.number(q.toMpq());
}

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
    if (a.kind(k[0]) == Kind::Number) out.coefficient = SmallRational(a.numberOf(k[i++]));
    for (; i < k.size(); ++i) {
      if (a.shape(k[i]).isScalar()) out.scalars.push_back(k[i]);
      else matrix = k[i];
    }
    hasMatrix = !a.shape(t).isScalar();
  } else if (a.shape(t).isScalar() && a.kind(t) != Kind::Mul) {
    if (a.kind(t) == Kind::Number) out.coefficient = SmallRational(a.numberOf(t));
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
  Ids parts;
  if (t.coefficient != 1) parts.push_back(numberNode(a, t.coefficient));
  parts.insert(parts.end(), t.scalars.begin(), t.scalars.end());
  if (!t.factors.empty()) parts.push_back(t.factors.size() == 1 ? t.factors[0] : a.make(Kind::Mul, view(t.factors)));
  else if (!t.shape.isScalar()) parts.push_back(a.identity(t.shape.rows));  // 2*A with A taken out is 2*I
  if (parts.empty()) return a.number(1);
  return parts.size() == 1 ? parts[0] : a.make(Kind::Scale, view(parts));
}

SmallRational commonCoefficient(const std::vector<Term>& terms) {
  bool allNegative = std::all_of(terms.begin(), terms.end(), [](const Term& t) { return t.coefficient.sign() < 0; });
  bool integers = std::all_of(terms.begin(), terms.end(), [](const Term& t) { return t.coefficient.isSmall() && t.coefficient.den() == 1; });
  if (integers) {  // the common case, without GMP
    std::int64_t g = 0;
    for (const Term& t : terms) g = std::gcd(g, t.coefficient.num());
    if (g == 0) return 1;
    return allNegative ? -g : g;
  }
  mpz_class num = 0, den = 1;
  for (const Term& t : terms) {
    mpq_class q = t.coefficient.toMpq();
    mpz_gcd(num.get_mpz_t(), num.get_mpz_t(), q.get_num_mpz_t());
    mpz_lcm(den.get_mpz_t(), den.get_mpz_t(), q.get_den_mpz_t());
  }
  if (num == 0) return 1;
  mpq_class c(num, den);
  c.canonicalize();
  return SmallRational(allNegative ? mpq_class(-c) : c);
}

// The sums being factored, outermost first: a group that comes back as one
// of them is left as it is, so factoring cannot recurse forever. Settled:
// sums whose terms had no common factor, which factoring again leaves as they are.
struct InProgress {
  std::vector<Id> open;
  std::unordered_set<Id> settled;
};
Id factorSum(Arena& a, std::vector<Term> terms, Shape shape, InProgress& progress);

// Factor a sum until nothing changes: A*(A + B) + B*(A + B) -> (A + B)*(A + B).
Id factorFully(Arena& a, Id sum, Shape shape, InProgress& progress) {
  auto& open = progress.open;
  if (std::find(open.begin(), open.end(), sum) != open.end() || open.size() > 16) return sum;
  if (progress.settled.count(sum)) return sum;
  open.push_back(sum);
  struct Pop {
    std::vector<Id>& open;
    ~Pop() { open.pop_back(); }
  } pop{open};
  for (int round = 0; round < 4 && a.kind(sum) == Kind::Add; ++round) {
    std::vector<Term> terms;
    for (Id k : Ids(a.kids(sum).begin(), a.kids(sum).end())) terms.push_back(split(a, k));
    Id next = factorSum(a, std::move(terms), shape, progress);
    bool settled = progress.settled.count(next) > 0;
    if (next == sum) break;
    sum = next;
    if (settled) break;
  }
  return sum;
}

// The operands of a term read as a Hadamard product (a plain matrix or
// matrix product is one operand).
Ids hadamardFactors(Arena& a, const Term& t) {
  if (t.factors.empty()) return {};
  if (t.factors.size() > 1) return {a.make(Kind::Mul, view(t.factors))};
  Id f = t.factors[0];
  if (a.kind(f) == Kind::Hadamard) return Ids(a.kids(f).begin(), a.kids(f).end());
  return {f};
}

constexpr int kHadamard = 2;  // a side: a common operand of Hadamard products

// What the remaining terms of a group look like once `f` is taken out on
// `side` (-1 left, +1 right, 0 a scalar factor, kHadamard a Hadamard operand).
Term without(Arena& a, const Term& t, Id f, int side) {
  Term r = t;
  if (side == kHadamard) {
    Ids rest = hadamardFactors(a, t);
    rest.erase(std::find(rest.begin(), rest.end(), f));
    Id remaining = rest.empty() ? a.ones(t.shape) : rest.size() == 1 ? rest[0] : a.make(Kind::Hadamard, view(rest));
    r.factors = {remaining};  // A .* B with A taken out is B; A alone leaves ones
    return r;
  }
  if (side == 0) r.scalars.erase(std::find(r.scalars.begin(), r.scalars.end(), f));
  else if (side < 0) r.factors.erase(r.factors.begin());
  else r.factors.pop_back();
  return r;
}

// A hash of a term's matrix part: terms with equal parts have equal hashes.
std::uint64_t matrixPartHash(const Term& t) {
  std::uint64_t h = 1469598103934665603ull;
  for (Id f : t.factors) h = (h ^ f) * 1099511628211ull;
  return h;
}

// Whether two terms may have the same matrix part (equal hashes).
bool mayShareMatrixPart(const std::vector<Term>& terms) {
  boost::container::small_vector<std::uint64_t, 16> hashes;
  for (const Term& t : terms) hashes.push_back(matrixPartHash(t));
  std::sort(hashes.begin(), hashes.end());
  return std::adjacent_find(hashes.begin(), hashes.end()) != hashes.end();
}

// Terms with one matrix part collect their scalar parts: c*B*x - B*x and
// c*B'*x - B'*x become (c - 1)*B*x and (c - 1)*B'*x, whose common scalar
// factor step 2 then takes out.
std::vector<Term> collectByMatrixPart(Arena& a, std::vector<Term> terms) {
  if (!mayShareMatrixPart(terms)) return terms;  // nothing to collect (the common case, without allocating)
  std::vector<Ids> parts;
  std::vector<std::size_t> group;
  std::unordered_multimap<std::uint64_t, std::size_t> byHash;
  for (const Term& t : terms) {
    std::uint64_t h = matrixPartHash(t);
    std::size_t i = parts.size();
    auto range = byHash.equal_range(h);
    for (auto it = range.first; it != range.second; ++it)
      if (parts[it->second] == t.factors) i = it->second;
    if (i == parts.size()) {
      parts.push_back(t.factors);
      byHash.emplace(h, i);
    }
    group.push_back(i);
  }
  if (parts.size() == terms.size() || parts.size() == 1) return terms;  // nothing to collect, or one scalar sum
  std::vector<std::vector<Id>> scalarSums(parts.size());
  for (std::size_t j = 0; j < terms.size(); ++j) {
    std::vector<Id> s{numberNode(a, terms[j].coefficient)};
    s.insert(s.end(), terms[j].scalars.begin(), terms[j].scalars.end());
    scalarSums[group[j]].push_back(a.make(Kind::Scale, s));
  }
  std::vector<Term> out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Id coefficient = a.make(Kind::Add, scalarSums[i]);
    if (a.isZero(coefficient)) continue;
    Term t = split(a, a.make(Kind::Scale, {coefficient, parts[i].empty() ? a.identity(terms[0].shape.rows) : parts[i].size() == 1 ? parts[i][0] : a.make(Kind::Mul, view(parts[i]))}));
    t.shape = terms[0].shape;
    out.push_back(t);
  }
  return out.empty() ? terms : out;
}

Id factorSum(Arena& a, std::vector<Term> terms, Shape shape, InProgress& progress) {
  if (terms.size() > 1 && !shape.isScalar()) terms = collectByMatrixPart(a, std::move(terms));
  if (terms.size() == 1) return join(a, terms[0]);
  // 1. A numeric factor common to every term.
  SmallRational c = commonCoefficient(terms);
  if (c != 1) {
    for (Term& t : terms) t.coefficient /= c;
    return a.make(Kind::Scale, {numberNode(a, c), factorSum(a, std::move(terms), shape, progress)});
  }
  // 2. The factor shared by most terms: a scalar, a leftmost or a rightmost factor.
  struct Candidate {
    Id factor;
    int side;
    std::size_t count;
    bool leavesIdentity;  // some term's whole matrix part: taking it out leaves alpha*I (or ones)
  };
  // A scalar a reader leaves beside I: a number, a scalar variable or its power
  // (A + lambda*I)*w, but not (A - 2*(x'*A*x)*I/(x'*x)^2)*x.
  auto plainScalar = [&](Id s) {
    if (a.kind(s) == Kind::Pow && a.kind(a.kids(s)[1]) == Kind::Number) s = a.kids(s)[0];
    return a.kind(s) == Kind::Symbol;
  };
  std::vector<Candidate> candidates;
  // Each term's Hadamard operands, worked out once (a product of several
  // factors is one operand). Two terms share one only if a term is a
  // Hadamard product or two terms have the same matrix part; otherwise none
  // is common, and making each term's product to find that out would cost
  // most of the factoring of a long sum of products.
  std::vector<Ids> operands(terms.size());
  auto mayShareOperands = [&] {
    for (const Term& t : terms)
      if (t.factors.size() == 1 && a.kind(t.factors[0]) == Kind::Hadamard) return true;
    return mayShareMatrixPart(terms);  // the same part, or a hash collision
  };
  if (!shape.isScalar() && mayShareOperands())
    for (std::size_t i = 0; i < terms.size(); ++i) operands[i] = hadamardFactors(a, terms[i]);
  auto has = [&](std::size_t i, Id f, int side) {
    const Term& t = terms[i];
    if (side == 0) return std::find(t.scalars.begin(), t.scalars.end(), f) != t.scalars.end();
    if (side == kHadamard) return std::find(operands[i].begin(), operands[i].end(), f) != operands[i].end();
    if (t.factors.empty()) return false;
    return (side < 0 ? t.factors.front() : t.factors.back()) == f;
  };
  // How many terms have each factor on each side, counted in one pass.
  IdCounts counts, whole, wholeTangled;  // tangled: the term's scalars are not plain
  std::vector<std::pair<Id, int>> seenOrder;  // first-seen order, for a deterministic choice among equals
  auto key = [](Id f, int side) { return (std::uint64_t{f} << 3) | static_cast<std::uint64_t>(side + 1); };
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const Term& t = terms[i];
    boost::container::small_vector<std::pair<Id, int>, 8> mine;
    for (Id s : t.scalars) mine.push_back({s, 0});
    if (!t.factors.empty()) {
      mine.push_back({t.factors.front(), -1});
      mine.push_back({t.factors.back(), +1});
    }
    bool tangled = !std::all_of(t.scalars.begin(), t.scalars.end(), plainScalar);
    if (t.factors.size() == 1)
      for (int side : {-1, +1}) {
        whole.increment(key(t.factors[0], side));
        if (tangled) wholeTangled.increment(key(t.factors[0], side));
      }
    if (operands[i].size() == 1) {
      whole.increment(key(operands[i][0], kHadamard));
      if (tangled) wholeTangled.increment(key(operands[i][0], kHadamard));
    }
    for (Id h : operands[i]) mine.push_back({h, kHadamard});
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    for (auto [f, side] : mine)
      if (counts.increment(key(f, side)) == 1) seenOrder.push_back({f, side});
  }
  for (auto [f, side] : seenOrder)
    if (side == kHadamard && a.kind(f) == Kind::Ones) continue;  // ones .* B is B: taking it out gains nothing
    else if (side != 0 && wholeTangled.count(key(f, side)) > 0) continue;
    else if (std::size_t n = counts.count(key(f, side)); n >= 2)
      candidates.push_back({f, side, n, side != 0 && whole.count(key(f, side)) > 0});
  if (candidates.empty()) {
    std::vector<Id> parts;
    for (const Term& t : terms) parts.push_back(join(a, t));
    Id sum = a.make(Kind::Add, parts);
    // Factoring it again would split its terms anew: when that gives back
    // these terms, it finds nothing either.
    auto same = [&](const Term& t, Id joined) {
      Term again = split(a, joined);
      return again.coefficient == t.coefficient && again.scalars == t.scalars && again.factors == t.factors;
    };
    bool resplitSame = a.kind(sum) == Kind::Add && a.kids(sum).size() == terms.size();
    for (std::size_t i = 0; resplitSame && i < terms.size(); ++i) resplitSame = same(terms[i], parts[i]);
    if (resplitSame) progress.settled.insert(sum);
    return sum;
  }
  // Among factors as common, one that leaves no identity behind:
  // lambda*w + X'*(X*w - y) rather than (lambda*I + X'*X)*w - X'*y.
  Candidate best = *std::max_element(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    return x.count != y.count ? x.count < y.count : x.leavesIdentity && !y.leavesIdentity;
  });
  std::vector<Term> inside, outside;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    if (has(i, best.factor, best.side)) inside.push_back(without(a, terms[i], best.factor, best.side));
    else outside.push_back(terms[i]);
  }
  Shape innerShape = shape;
  if (best.side == -1) innerShape.rows = a.shape(best.factor).cols;
  if (best.side == +1) innerShape.cols = a.shape(best.factor).rows;
  for (Term& t : inside) t.shape = innerShape;
  Id group = factorFully(a, factorSum(a, std::move(inside), innerShape, progress), innerShape, progress);
  Id grouped = best.side == 0          ? a.make(Kind::Scale, {best.factor, group})
               : best.side == kHadamard ? a.make(Kind::Hadamard, {best.factor, group})
               : best.side < 0          ? a.make(Kind::Mul, {best.factor, group})
                                        : a.make(Kind::Mul, {group, best.factor});
  if (outside.empty()) return grouped;
  Id rest = factorSum(a, std::move(outside), shape, progress);
  return a.make(Kind::Add, {grouped, rest});
}


}  // namespace

Id factorSumForDisplay(Arena& a, Id sum) {
  InProgress progress;
  return factorFully(a, sum, a.shape(sum), progress);
}

}  // namespace matcalc::detail
