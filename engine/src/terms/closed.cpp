// Closed contractions: a trace of a product, or a 1×1 product, seen as a
// cyclic word of factors. One term stands for every representation that the
// following verified identities connect (rules/trace.yaml, rules/inner.yaml):
//   - rotations and reflections of the word (trace-cyclic-*, trace-transpose,
//     and a scalar is its own transpose: x'*A*y = y'*A'*x);
//   - moving a Hadamard product across the two sides of the contraction
//     (inner-hadamard-swap: <A, B .* C> = <A .* B, C>, with
//     <A, B> = tr(A'*B) = sum(A .* B)).
// The representatives reachable by these moves form a small orbit; the
// canonical one has the fewest Hadamard products among its factors (none, if
// any representative has none), then is a 1×1 product rather than a trace,
// then has the fewest transposes, then is the smallest in the structural order. This is a canonical choice, so it is made here, as
// the sorting of + is, rather than by rules (docs/architecture.md).
#include <algorithm>
#include <deque>
#include <unordered_set>

#include "matcalc/term.hpp"

namespace matcalc {

class ClosedCanonicaliser {
 public:
  explicit ClosedCanonicaliser(Arena& a) : a_(a) {}
  using Word = Arena::Ids;

  // The factors of a product, flattened, with scalars taken out and
  // identities dropped (kept when alone: tr(I)). False for a zero factor.
  bool normalise(std::span<const Id> in, Word& out, Arena::Ids& scalars) {
    Id anIdentity = kNoId;
    if (!flatten(in, out, scalars, anIdentity)) return false;
    if (out.empty() && anIdentity != kNoId) out.push_back(anIdentity);
    if (out.size() >= 2) {  // X*A*X is X^2*A as a cyclic word; X*inv(X) is I
      Dim n = a_.shape(out.front()).rows;
      a_.combinePowers(out, true);
      if (out.empty()) out.push_back(a_.identity(n));
    }
    return true;
  }

 private:
  // normalise's factors, before powers are combined: only the whole word is
  // cyclic (B*C*B inside A*(B*C*B) is not B^2*C).
  bool flatten(std::span<const Id> in, Word& out, Arena::Ids& scalars, Id& anIdentity) {
    for (Id f : in) {
      if (a_.shape(f).isScalar()) {
        scalars.push_back(f);
        continue;
      }
      switch (a_.kind(f)) {
        case Kind::Mul:
          if (!flatten(a_.kids(f), out, scalars, anIdentity)) return false;
          continue;
        case Kind::Scale: {
          auto fs = a_.kids(f);
          scalars.insert(scalars.end(), fs.begin(), fs.end() - 1);
          if (!flatten(fs.subspan(fs.size() - 1), out, scalars, anIdentity)) return false;
          continue;
        }
        case Kind::Identity:
          anIdentity = f;
          continue;
        case Kind::Zero: return false;
        default: out.push_back(f);
      }
    }
    return true;
  }

 public:
  boost::container::small_vector<std::size_t, 4> boundaries(const Word& w) const {
    boost::container::small_vector<std::size_t, 4> out;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (a_.shape(w[i]).cols == kOne) out.push_back(i);
    return out;
  }

  // The canonical representative of everything the moves reach from w
  // (which has at most one dimension of 1 between factors, cyclically).
  Id orbit(const Word& start) {
    Id best = representative(start);
    Arena::Ids scratch;
    bool hadamard = std::any_of(start.begin(), start.end(), [&](Id f) { return hadamardOperands(f, scratch); });
    if (!hadamard) return best;  // a word without Hadamard factors is the orbit's preferred one
    // Each move rebuilds a Hadamard product without one operand: with many
    // operands the orbit costs O(k^2 log k), so beyond kMaxOperands the
    // start's representative is kept (correct, maybe not canonical).
    constexpr std::size_t kMaxOperands = 16;
    if (scratch.size() > kMaxOperands) return best;
    struct Item {
      bool isWord;
      Arena::Ids elements;  // the factors of a word, or the operands of sum(.* …)
    };
    std::deque<Item> queue{{true, start}};
    std::unordered_set<Id> seen{best};
    constexpr std::size_t kCap = 48;  // beyond this the choice is the best found: correct, maybe not canonical
    while (!queue.empty() && seen.size() < kCap) {
      Item item = std::move(queue.front());
      queue.pop_front();
      if (item.isWord) {
        const Word& w = item.elements;
        for (std::size_t i = 0; i < w.size(); ++i) {
          Arena::Ids ops;
          if (!hadamardOperands(w[i], ops)) continue;
          // tr(H*R) = sum(H .* R'); tr(H) = sum(H .* I).
          Id rt;
          if (w.size() == 1) {
            rt = a_.identity(a_.shape(w[i]).rows);
          } else {
            Arena::Ids rest;
            for (std::size_t j = 1; j < w.size(); ++j) rest.push_back(w[(i + j) % w.size()]);
            Id r = rest.size() == 1 ? rest[0] : a_.make(Kind::Mul, rest);
            if (a_.kind(r) == Kind::Scale || a_.shape(r).isScalar()) continue;
            rt = a_.transpose(r);
          }
          if (!hadamardOperands(rt, ops) && a_.kind(rt) != Kind::Ones) ops.push_back(rt);
          Id key = hadamardSum(ops);
          if (seen.insert(key).second) queue.push_back({false, ops});
        }
      } else {
        const Arena::Ids& ops = item.elements;
        for (std::size_t j = 0; j <= ops.size(); ++j) {
          // sum(U .* V) = tr(U'*V), with V one operand (or ones, j = size) and U the others.
          Arena::Ids others;
          for (std::size_t i = 0; i < ops.size(); ++i)
            if (i != j) others.push_back(ops[i]);
          Id v = j < ops.size() ? ops[j] : a_.ones(a_.shape(ops[0]));
          Id u = others.empty() ? a_.ones(a_.shape(v)) : others.size() == 1 ? others[0] : a_.make(Kind::Hadamard, others);
          if (a_.kind(u) == Kind::Scale) continue;
          Word w;
          Arena::Ids scalars;
          Arena::Ids pair{a_.transpose(u), v};
          if (!normalise(pair, w, scalars) || !scalars.empty() || w.empty() || boundaries(w).size() > 1) continue;
          Id r = representative(w);
          if (!seen.insert(r).second) continue;
          if (betterTerm(r, best)) best = r;
          queue.push_back({true, std::move(w)});
        }
      }
    }
    return best;
  }

 private:
  // How many factors of a representative (a trace or a 1×1 product) are Hadamard products.
  std::size_t hadamardFactors(Id t) {
    Id word = a_.kind(t) == Kind::Trace ? a_.kids(t)[0] : t;
    std::span<const Id> fs = a_.kind(word) == Kind::Mul ? a_.kids(word) : std::span<const Id>(&word, 1);
    Arena::Ids scratch;
    return std::count_if(fs.begin(), fs.end(), [&](Id f) { return hadamardOperands(f, scratch); });
  }

  // The operands of a Hadamard product, A.^k counted as k operands A: false
  // when f is not one.
  bool hadamardOperands(Id f, Arena::Ids& out) {
    auto repeated = [&](Id g) -> long {
      if (a_.kind(g) != Kind::HadamardPow || a_.kind(a_.kids(g)[1]) != Kind::Number) return 0;
      const mpq_class& p = a_.numberOf(a_.kids(g)[1]);
      return p.get_den() == 1 && p >= 2 && p <= 8 ? p.get_num().get_si() : 0;
    };
    auto expand = [&](Id g) {
      long k = repeated(g);
      if (k == 0) out.push_back(g);
      for (long i = 0; i < k; ++i) out.push_back(a_.kids(g)[0]);
    };
    if (a_.kind(f) == Kind::Hadamard) {
      for (Id g : a_.kids(f)) expand(g);
      return true;
    }
    if (a_.kind(f) == Kind::Transpose && repeated(a_.kids(f)[0]) > 0) {  // (B.^k)' is B'.^k
      Id g = a_.kids(f)[0];
      for (long i = 0; i < repeated(g); ++i) out.push_back(a_.transpose(a_.kids(g)[0]));
      return true;
    }
    if (repeated(f) == 0) return false;
    expand(f);
    return true;
  }

  // sum(ops[0] .* ops[1] .* …) as a key: operands sorted, and the orientation
  // (all transposed or not) whose sorted operands are smaller.
  Id hadamardSum(Arena::Ids& ops) {
    auto byOrder = [&](Id x, Id y) { return a_.compare(x, y) < 0; };
    std::sort(ops.begin(), ops.end(), byOrder);
    Arena::Ids flipped;
    for (Id o : ops) flipped.push_back(a_.transpose(o));
    std::sort(flipped.begin(), flipped.end(), byOrder);
    if (lexicographicallyLess(flipped, ops)) ops.swap(flipped);
    Id inner = ops.size() == 1 ? ops[0] : a_.raw(Kind::Hadamard, ops);
    return a_.raw(Kind::Sum, {inner});
  }

  // The reading order of representatives: fewer transposes, then the structural order.
  std::uint32_t transposes(const Word& w) const {
    std::uint32_t n = 0;
    for (Id f : w) n += a_.facts(f).transposes;
    return n;
  }
  bool better(const Word& x, const Word& y) const {
    std::uint32_t tx = transposes(x), ty = transposes(y);
    if (tx != ty) return tx < ty;
    return lexicographicallyLess(x, y);
  }

 public:
  // Between representatives of one orbit: a 1×1 product before a trace, then
  // fewer transposes, then the structural order.
  bool betterTerm(Id x, Id y) {
    std::size_t hx = hadamardFactors(x), hy = hadamardFactors(y);
    if (hx != hy) return hx < hy;
    bool px = a_.kind(x) == Kind::Mul, py = a_.kind(y) == Kind::Mul;
    if (px != py) return px;
    std::uint32_t tx = a_.facts(x).transposes, ty = a_.facts(y).transposes;
    if (tx != ty) return tx < ty;
    return a_.compare(x, y) < 0;
  }

 private:
  bool lexicographicallyLess(const Word& x, const Word& y) const {
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (int c = a_.compare(x[i], y[i])) return c < 0;
    return x.size() < y.size();
  }

  // Booth's algorithm: the start of the least rotation, in O(n) comparisons.
  std::size_t leastRotation(const Word& s) const {
    std::size_t n = s.size();
    boost::container::small_vector<long, 16> f(2 * n, -1);
    std::size_t k = 0;
    for (std::size_t j = 1; j < 2 * n; ++j) {
      Id sj = s[j % n];
      long i = f[j - k - 1];
      while (i != -1 && sj != s[(k + i + 1) % n]) {
        if (a_.compare(sj, s[(k + i + 1) % n]) < 0) k = j - i - 1;
        i = f[i];
      }
      if (i == -1 && sj != s[(k + i + 1) % n]) {
        if (a_.compare(sj, s[(k + i + 1) % n]) < 0) k = j;
        f[j - k] = -1;
      } else {
        f[j - k] = i + 1;
      }
    }
    return k % n;
  }

  Word rotated(const Word& w, std::size_t start) const {
    Word out;
    out.reserve(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) out.push_back(w[(start + i) % w.size()]);
    return out;
  }

  Word reflected(const Word& w) {
    Word out;
    out.reserve(w.size());
    for (auto it = w.rbegin(); it != w.rend(); ++it) out.push_back(a_.transpose(*it));
    return out;
  }

  // The smallest rotation or reflection of one word, as a term: a 1×1
  // product when the word has a dimension of 1 (it then starts after it),
  // else a trace.
  Id representative(const Word& w) {
    auto b = boundaries(w);
    Word x, y;
    if (b.empty()) {
      x = rotated(w, leastRotation(w));
      Word r = reflected(w);
      y = rotated(r, leastRotation(r));
    } else {
      x = rotated(w, (b[0] + 1) % w.size());
      y = reflected(x);
    }
    const Word& pick = better(y, x) ? y : x;
    // A rotation or reflection of a closed word chains as the word does: its
    // product's shape is known without checking it again.
    Id product = pick.size() == 1 ? pick[0] : a_.intern(Kind::Mul, 0, {a_.shape(pick.front()).rows, a_.shape(pick.back()).cols}, pick);
    if (!b.empty()) return product;
    return a_.raw(Kind::Trace, {product});
  }

  Arena& a_;
};

Id Arena::closedWord(std::span<const Id> word) {
  ClosedCanonicaliser c(*this);
  ClosedCanonicaliser::Word w;
  Arena::Ids scalars;
  if (!c.normalise(word, w, scalars)) return number(0);
  if (!w.empty()) {
    auto b = c.boundaries(w);
    if (b.size() <= 1) {
      scalars.push_back(c.orbit(w));
    } else {
      // Several dimensions of 1: the word is a product of 1×1 words.
      std::size_t n = w.size();
      for (std::size_t s = 0; s < b.size(); ++s) {
        std::size_t from = (b[s] + 1) % n, to = b[(s + 1) % b.size()];
        ClosedCanonicaliser::Word segment;
        for (std::size_t i = from;; i = (i + 1) % n) {
          segment.push_back(w[i]);
          if (i == to) break;
        }
        scalars.push_back(c.orbit(segment));
      }
    }
  }
  if (scalars.empty()) return number(1);
  // One word alone (a trace or a 1×1 product) is already what makeScale would return.
  if (scalars.size() == 1 && (kind(scalars[0]) == Kind::Mul || kind(scalars[0]) == Kind::Trace)) return scalars[0];
  return makeScale(scalars);
}

}  // namespace matcalc
