// Presentation of a term: the same value, written the way a person would.
// Normal forms are fully expanded, closed contractions are traces or 1×1
// products, quotients are negative powers; people read (A + A')*x better than
// A*x + A'*x, sum(x) better than ones'*x, and y ./ s better than y .* s.^-1.
// Each pass works on the DAG (memoised per node). Display terms may hold raw
// nodes (a transposed sum, a quotient) that the constructors would undo.
#include <algorithm>

#include "matcalc/id_map.hpp"

#include "present.hpp"

namespace matcalc {

namespace {

class Presenter {
 public:
  explicit Presenter(Arena& a) : a_(a) {}

  // Each pass names the kinds without which it changes nothing (a sum of
  // krons needs a kron): subterms holding none of them are skipped whole.
  Id run(Id t) {
    using K = Kind;
    Id u = pass(t, readableMemo_, kinds({K::Pow, K::Inner, K::Mul, K::Trace}), [&](Id n) { return readable(n); });
    u = pass(u, factorMemo_, kinds({K::Add}), [&](Id n) { return factored(n); });
    u = pass(u, kronMemo_, kinds({K::Kron}), [&](Id n) { return kronsCollected(n); });
    u = pass(u, tracesMemo_, kinds({K::Trace, K::Scale}), [&](Id n) { return tracesOfSums(n); });
    u = pass(u, signsMemo_, kinds({K::Mul}), [&](Id n) { return pairedSigns(n); });
    u = pass(u, quotientMemo_, kinds({K::HadamardPow, K::HadamardDiv, K::Hadamard}), [&](Id n) { return quotients(n); });
    return pass(u, transposeMemo_, kinds({K::Transpose}), [&](Id n) { return transposedSums(n); });
  }

 private:
  static std::uint64_t kinds(std::initializer_list<Kind> ks) {
    std::uint64_t bits = 0;
    for (Kind k : ks) bits |= kindBit(k);
    return bits;
  }

  // Bottom-up: every kid through the pass first, then `here` on the rebuilt node.
  template <class F>
  Id pass(Id t, IdMap& memo, std::uint64_t needs, F here) {
    if (!(a_.facts(t).kinds & needs)) return t;
    if (Id known = memo.get(t); known != kNoId) return known;
    const Node n = a_.node(t);
    Id out = t;
    if (!n.kids.empty()) {
      boost::container::small_vector<Id, 8> kids;
      bool changed = false;
      for (Id k : n.kids) {
        kids.push_back(pass(k, memo, needs, here));
        changed = changed || kids.back() != k;
      }
      Id rebuilt = changed ? rebuild(t, std::span<const Id>(kids.data(), kids.size())) : t;
      out = here(rebuilt);
    }
    memo.set(t, out);
    return out;
  }

  // Display nodes the constructors would undo are rebuilt as they are.
  Id rebuild(Id t, std::span<const Id> kids) {
    Kind k = a_.kind(t);
    if (k == Kind::HadamardDiv || k == Kind::Transpose) return a_.raw(k, kids);
    return a_.make(k, kids);
  }

  // x'*x or tr(A'*A): the argument of the 2-norm it is the square of.
  Id gramOf(Id t) {
    std::span<const Id> word;
    if (a_.kind(t) == Kind::Trace && a_.kind(a_.kids(t)[0]) == Kind::Mul) word = a_.kids(a_.kids(t)[0]);
    else if (a_.kind(t) == Kind::Mul && a_.shape(t).isScalar()) word = a_.kids(t);
    if (word.size() == 2 && a_.transpose(word[0]) == word[1]) return word[1];
    return kNoId;
  }

  // ones'*x as sum(x), tr(ones*A) as sum(A), <x, y> as x'*y, (x'*x)^(1/2)
  // as norm2(x).
  Id readable(Id t) {
    Kind k = a_.kind(t);
    if (k == Kind::Pow && a_.kind(a_.kids(t)[1]) == Kind::Number) {
      mpq_class twice = 2 * a_.numberOf(a_.kids(t)[1]);
      Id v = gramOf(a_.kids(t)[0]);
      if (v != kNoId && twice.get_den() == 1 && twice.get_num() % 2 != 0)
        return a_.make(Kind::Pow, {a_.make(Kind::Norm2, {v}), a_.number(twice)});
      if (twice.get_den() == 1 && twice.get_num() % 2 != 0)  // (x'*A*x)^(1/2) as sqrt(x'*A*x)
        return a_.make(Kind::Pow, {a_.raw(Kind::Sqrt, {a_.kids(t)[0]}), a_.number(twice)});
    }
    if (k == Kind::Inner && a_.shape(a_.kids(t)[0]).isColumn() && !a_.shape(a_.kids(t)[0]).isScalar())
      return a_.make(Kind::Mul, {a_.transpose(a_.kids(t)[0]), a_.kids(t)[1]});
    // (x - c)'*(x - c) as norm2(x - c)^2 (x'*x stays: it is as short).
    if (Id v = k == Kind::Mul ? gramOf(t) : kNoId; v != kNoId && a_.kind(v) != Kind::Symbol)
      return a_.make(Kind::Pow, {a_.make(Kind::Norm2, {v}), a_.number(2)});
    std::span<const Id> word;
    if (k == Kind::Trace && a_.kind(a_.kids(t)[0]) == Kind::Mul) word = a_.kids(a_.kids(t)[0]);
    else if (k == Kind::Mul && a_.shape(t).isScalar()) word = a_.kids(t);
    else return t;
    std::size_t n = word.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (a_.kind(word[i]) != Kind::Ones) continue;
      // tr(ones*R) = sum(R) for the rest R of the cyclic word, in order.
      std::vector<Id> rest;
      for (std::size_t j = 1; j < n; ++j) rest.push_back(word[(i + j) % n]);
      Id r = rest.size() == 1 ? rest[0] : a_.make(Kind::Mul, rest);
      return a_.make(Kind::Sum, {r});
    }
    return t;
  }

  Id factored(Id t) { return a_.kind(t) == Kind::Add ? detail::factorSumForDisplay(a_, t) : t; }

  // Normal forms distribute kron over sums, as they do products: shown,
  // kron(A, C) + kron(B, C) reads kron(A + B, C), kron(A, B) + kron(A, C)
  // reads kron(A, B + C), and both together kron(A + B, C + D).
  Id kronsCollected(Id t) {
    if (a_.kind(t) != Kind::Add) return t;
    std::vector<Id> terms(a_.kids(t).begin(), a_.kids(t).end());
    bool changed = false;
    for (std::size_t common : {1u, 0u}) changed = collectKrons(terms, common) || changed;
    if (!changed) return t;
    return terms.size() == 1 ? terms[0] : a_.make(Kind::Add, terms);
  }

  // Groups the terms c*kron(P, Q) that share the factor `common` (1: Q, 0: P)
  // into one kron of the sum of the others, at the first one's place.
  bool collectKrons(std::vector<Id>& terms, std::size_t common) {
    struct Group {
      Id shared;
      std::vector<Id> others, members;
    };
    std::vector<Group> groups;
    std::vector<std::pair<Id, int>> order;  // a term as it is, or a group's index
    for (Id k : terms) {
      Id core = a_.kind(k) == Kind::Scale ? a_.kids(k).back() : k;
      if (a_.kind(core) != Kind::Kron) {
        order.push_back({k, -1});
        continue;
      }
      Id shared = a_.kids(core)[common], other = a_.kids(core)[1 - common];
      if (core != k) {  // the coefficient goes with the other factor
        std::vector<Id> scaled(a_.kids(k).begin(), a_.kids(k).end());
        scaled.back() = other;
        other = a_.make(Kind::Scale, scaled);
      }
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) {
        return x.shared == shared && a_.shape(x.others[0]) == a_.shape(other);
      });
      if (g == groups.end()) {
        order.push_back({kNoId, static_cast<int>(groups.size())});
        groups.push_back({shared, {other}, {k}});
      } else {
        g->others.push_back(other);
        g->members.push_back(k);
      }
    }
    if (std::all_of(groups.begin(), groups.end(), [](const Group& g) { return g.members.size() == 1; })) return false;
    terms.clear();
    for (auto [term, group] : order) {
      if (group < 0) {
        terms.push_back(term);
        continue;
      }
      const Group& g = groups[static_cast<std::size_t>(group)];
      if (g.members.size() == 1) {
        terms.push_back(g.members[0]);
        continue;
      }
      Id sum = a_.make(Kind::Add, g.others);
      terms.push_back(a_.make(Kind::Kron, common == 1 ? std::vector<Id>{sum, g.shared} : std::vector<Id>{g.shared, sum}));
    }
    return true;
  }

  // c1*tr(A) + c2*tr(B) as tr(c1*A + c2*B), with the sign that leaves fewer
  // terms negative: -2*(tr(I) - tr(A)) reads 2*tr(A - I).
  Id tracesOfSums(Id t) {
    if (a_.kind(t) == Kind::Add) {
      std::vector<Id> inside;
      for (Id k : a_.kids(t)) {
        std::vector<Id> scalars;
        Id core = k;
        if (a_.kind(k) == Kind::Scale) {
          auto f = a_.kids(k);
          if (f.size() != 2 || a_.kind(f[0]) != Kind::Number) return t;
          scalars.push_back(f[0]);
          core = f[1];
        }
        if (a_.kind(core) != Kind::Trace) return t;
        if (!inside.empty() && a_.shape(a_.kids(core)[0]) != a_.shape(inside[0])) return t;  // tr(A) + tr(B) of two sizes
        scalars.push_back(a_.kids(core)[0]);
        inside.push_back(a_.make(Kind::Scale, scalars));
      }
      return a_.raw(Kind::Trace, {a_.make(Kind::Add, inside)});
    }
    if (a_.kind(t) == Kind::Scale && a_.kind(a_.kids(t)[0]) == Kind::Number && a_.numberOf(a_.kids(t)[0]) < 0) {
      std::vector<Id> kids(a_.kids(t).begin(), a_.kids(t).end());
      auto worthFlipping = [&](Id sum) { return a_.kind(sum) == Kind::Add && negatives(sum) * 2 >= a_.kids(sum).size(); };
      for (Id& k : kids) {
        Id flippedKid = kNoId;
        if (a_.kind(k) == Kind::Trace && worthFlipping(a_.kids(k)[0])) {
          flippedKid = a_.raw(Kind::Trace, {negate(a_.kids(k)[0])});
        } else if (worthFlipping(k)) {
          flippedKid = negate(k);
        } else if (a_.kind(k) == Kind::Mul) {  // -2*S*(x - m) as 2*S*(m - x)
          std::vector<Id> factors(a_.kids(k).begin(), a_.kids(k).end());
          for (Id* end : {&factors.back(), &factors.front()})
            if (flippedKid == kNoId && worthFlipping(*end)) {
              *end = negate(*end);
              flippedKid = a_.raw(Kind::Mul, factors);
            }
        }
        if (flippedKid == kNoId) continue;
        k = flippedKid;
        kids[0] = a_.number(-a_.numberOf(kids[0]));
        return a_.isNumber(kids[0], 1) && kids.size() == 2 ? kids[1] : a_.raw(Kind::Scale, kids);
      }
    }
    return t;
  }

  std::size_t negatives(Id sum) {
    std::size_t n = 0;
    for (Id k : a_.kids(sum))
      if ((a_.kind(k) == Kind::Number && a_.numberOf(k) < 0) ||
          (a_.kind(k) == Kind::Scale && a_.kind(a_.kids(k)[0]) == Kind::Number && a_.numberOf(a_.kids(k)[0]) < 0))
        ++n;
    return n;
  }

  Id negate(Id sum) {
    std::vector<Id> terms;
    for (Id k : std::vector<Id>(a_.kids(sum).begin(), a_.kids(sum).end())) terms.push_back(a_.make(Kind::Scale, {a_.number(-1), k}));
    return a_.make(Kind::Add, terms);
  }

  // A product with two sum factors that are one vector up to sign and
  // transpose writes them alike: (m - x)*(x - m)' as -(x - m)*(x - m)'.
  Id pairedSigns(Id t) {
    Id product = t;
    std::vector<Id> scalars;
    if (a_.kind(t) == Kind::Scale) {
      auto f = a_.kids(t);
      scalars.assign(f.begin(), f.end() - 1);
      product = f.back();
    }
    if (a_.kind(product) != Kind::Mul) return t;
    std::vector<Id> factors(a_.kids(product).begin(), a_.kids(product).end());
    for (std::size_t i = 0; i < factors.size(); ++i) {
      if (a_.kind(factors[i]) != Kind::Add) continue;
      for (std::size_t j = i + 1; j < factors.size(); ++j) {
        if (a_.kind(factors[j]) != Kind::Add) continue;
        Id flipped = negate(factors[i]);
        if (a_.transpose(flipped) != factors[j] && flipped != factors[j]) continue;
        std::size_t k = negatives(factors[j]) > negatives(factors[i]) ? j : i;  // the one with more minus signs
        factors[k] = negate(factors[k]);
        scalars.insert(scalars.begin(), a_.number(-1));
        scalars.push_back(a_.raw(Kind::Mul, factors));
        return a_.make(Kind::Scale, scalars);
      }
    }
    return t;
  }

  // A .* B.^-1 as A ./ B; B.^-k alone as 1 ./ B.^k.
  Id quotients(Id t) {
    auto negativePower = [&](Id k) {
      return a_.kind(k) == Kind::HadamardPow && a_.kind(a_.kids(k)[1]) == Kind::Number && a_.numberOf(a_.kids(k)[1]) < 0;
    };
    auto positive = [&](Id k) {
      mpq_class e = -a_.numberOf(a_.kids(k)[1]);
      return e == 1 ? a_.kids(k)[0] : a_.make(Kind::HadamardPow, {a_.kids(k)[0], a_.number(e)});
    };
    if (negativePower(t)) return a_.raw(Kind::HadamardDiv, {a_.ones(a_.shape(t)), positive(t)});
    // -2*(1 ./ x) as -2 ./ x.
    if (a_.kind(t) == Kind::Scale && a_.kids(t).size() == 2 && a_.kind(a_.kids(t)[0]) == Kind::Number &&
        a_.kind(a_.kids(t)[1]) == Kind::HadamardDiv && a_.kind(a_.kids(a_.kids(t)[1])[0]) == Kind::Ones) {
      Id q = a_.kids(t)[1];
      return a_.raw(Kind::HadamardDiv, {a_.make(Kind::Scale, {a_.kids(t)[0], a_.kids(q)[0]}), a_.kids(q)[1]});
    }
    if (a_.kind(t) != Kind::Hadamard) return t;
    std::vector<Id> num, den;
    for (Id k : a_.kids(t)) {
      if (negativePower(k)) den.push_back(positive(k));
      else if (a_.kind(k) == Kind::HadamardDiv && a_.kind(a_.kids(k)[0]) == Kind::Ones) den.push_back(a_.kids(k)[1]);  // already 1 ./ B
      else num.push_back(k);
    }
    if (den.empty()) return t;
    Id n = num.empty() ? a_.ones(a_.shape(t)) : num.size() == 1 ? num[0] : a_.raw(Kind::Hadamard, num);
    Id d = den.size() == 1 ? den[0] : a_.raw(Kind::Hadamard, den);
    return a_.raw(Kind::HadamardDiv, {n, d});
  }

  // x' - m' as (x - m)': a sum whose terms are all transposed.
  Id transposedSums(Id t) {
    if (a_.kind(t) != Kind::Add || a_.shape(t).isScalar()) return t;
    std::vector<Id> inner;
    for (Id k : a_.kids(t)) {
      Id core = k;
      std::vector<Id> scalars;
      if (a_.kind(k) == Kind::Scale) {
        auto f = a_.kids(k);
        scalars.assign(f.begin(), f.end() - 1);
        core = f.back();
      }
      if (a_.kind(core) != Kind::Transpose) return t;
      scalars.push_back(a_.kids(core)[0]);
      inner.push_back(a_.make(Kind::Scale, scalars));
    }
    return a_.raw(Kind::Transpose, {a_.make(Kind::Add, inner)});
  }

  Arena& a_;
  IdMap readableMemo_, factorMemo_, kronMemo_, tracesMemo_, signsMemo_, quotientMemo_, transposeMemo_;
};

}  // namespace

namespace {

// A term with `rows` rows built from a variable: x or x'.
Id withRows(Arena& a, Dim rows, const std::vector<Id>& names) {
  for (Id x : names) {
    if (a.shape(x).rows == rows) return x;
    if (a.shape(x).cols == rows) return a.raw(Kind::Transpose, {x});
  }
  return kNoId;
}

// K of an m×n shape no variable has (vec(A ⊗ X) needs K_{q,m}): shown as
// K(U*ones*(V*ones)'), U with m rows and V with n rows, so the text still
// parses to the right shape. Left as it is when no variables fit.
Id commutationOfTwoSides(Arena& a, Shape s, const std::vector<Id>& names, Id fallback) {
  Id u = withRows(a, s.rows, names), v = withRows(a, s.cols, names);
  if (u == kNoId || v == kNoId) return fallback;
  auto timesOnes = [&](Id x) {  // a column with x's rows: x itself if it is one (not x*1)
    return a.shape(x).cols == kOne ? x : a.raw(Kind::Mul, {x, a.ones(Shape{a.shape(x).cols, kOne})});
  };
  Id column = timesOnes(u), row = a.raw(Kind::Transpose, {timesOnes(v)});
  return a.raw(Kind::Commutation, {a.raw(Kind::Mul, {column, row})});
}

// K(X) is made from a 0 of X's shape (it depends on nothing else): shown
// with a variable of that shape, K(X) or K(X'), as a raw display term.
Id nameCommutationsIn(Arena& a, Id t, const std::vector<Id>& names, std::unordered_map<Id, Id>& memo) {
  if (!a.hasKind(t, Kind::Commutation)) return t;
  if (auto it = memo.find(t); it != memo.end()) return it->second;
  std::vector<Id> kids(a.kids(t).begin(), a.kids(t).end());
  Id out = t;
  if (a.kind(t) == Kind::Commutation && a.isZero(kids[0])) {
    Shape s = a.shape(kids[0]);
    for (Id x : names) {
      Shape sx = a.shape(x);
      if (s == sx) out = a.raw(Kind::Commutation, {x});
      else if (s == Shape{sx.cols, sx.rows}) out = a.raw(Kind::Commutation, {a.raw(Kind::Transpose, {x})});
      if (out != t) break;
    }
    if (out == t) out = commutationOfTwoSides(a, s, names, t);
  } else {
    bool changed = false;
    for (Id& k : kids) {
      Id n = nameCommutationsIn(a, k, names, memo);
      changed = changed || n != k;
      k = n;
    }
    if (changed) out = a.raw(a.kind(t), kids);
  }
  memo.emplace(t, out);
  return out;
}

}  // namespace

Id nameCommutations(Arena& a, Id t, std::vector<Id> preferred) {
  if (!a.hasKind(t, Kind::Commutation)) return t;
  for (Id v : variablesOf(a, t)) preferred.push_back(v);
  std::unordered_map<Id, Id> memo;
  return nameCommutationsIn(a, t, preferred, memo);
}

Id present(Arena& a, Id t) { return Presenter(a).run(t); }

}  // namespace matcalc
