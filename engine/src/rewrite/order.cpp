#include "order.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "matcalc/print.hpp"

namespace matcalc::detail {

int precedence(Kind kind) {
  // Higher is bigger. d is pushed inward through everything; inverses and
  // powers over products; inner products and sums become traces of
  // products; traces over products and sums; a named function (logdet,
  // norm2, softmax, sigmoid …) is smaller than its definition, so definitions
  // fold into it. Transposes are pushed to the leaves by the constructors.
  switch (kind) {
    case Kind::Number: return 0;
    case Kind::Zero: return 1;
    case Kind::Ones: return 2;
    case Kind::Identity: return 3;
    case Kind::Symbol: return 4;
    case Kind::Add: return 10;
    case Kind::Scale: return 11;
    case Kind::LogDet: return 12;
    case Kind::LogSumExp: return 13;
    case Kind::Softmax: return 14;
    case Kind::Sigmoid: return 15;
    case Kind::Tanh: return 16;
    case Kind::Sinh: return 16;  // as tanh: above scalar multiples (sinh(-A) = -sinh(A)), below exp (their definitions fold)
    case Kind::Cosh: return 16;
    case Kind::Relu: return 17;
    case Kind::Abs: return 18;
    case Kind::Norm1: return 19;
    case Kind::Norm2: return 45;
    case Kind::Inner: return 38;
    case Kind::Mul: return 22;
    case Kind::DiagMatrix: return 23;
    case Kind::Trace: return 24;
    case Kind::Det: return 25;
    case Kind::Sign: return 26;
    case Kind::Step: return 27;
    case Kind::Sqrt: return 28;
    case Kind::Exp: return 29;
    case Kind::Log: return 30;
    case Kind::Sin: return 31;
    case Kind::Cos: return 32;
    case Kind::Pow: return 12;
    case Kind::HadamardDiv: return 34;
    case Kind::HadamardPow: return 37;
    case Kind::Hadamard: return 36;
    case Kind::Sum: return 40;
    case Kind::DiagVector: return 41;
    case Kind::MatPow: return 50;
    case Kind::Inverse: return 51;
    case Kind::Transpose: return 21;
    case Kind::Differential: return 70;
    // vec is pushed inward (vec(A*X*B) = kron(B', A)*vec(X)); products of
    // Kronecker products combine (mixed product) and distribute over sums.
    case Kind::Commutation: return 5;
    case Kind::Kron: return 20;
    case Kind::Vec: return 55;
    // Matrix functions fold facts about them (logdet(expm(A)) = tr(A),
    // inv(expm(A)) = expm(-A)); a Fréchet derivative in a closed form
    // (dexpm(A, I) = expm(A), dlogm(A, I) = inv(A)) is smaller.
    case Kind::Expm: return 42;
    case Kind::Logm: return 43;
    case Kind::Sqrtm: return 44;
    case Kind::DExpm: return 52;
    case Kind::DLogm: return 53;
    case Kind::DSqrtm: return 54;
    case Kind::KExpm: return 46;
    case Kind::KLogm: return 47;
    case Kind::KSqrtm: return 48;
    case Kind::D2Expm: return 56;
    case Kind::D2Logm: return 57;
    case Kind::D2Sqrtm: return 58;
    case Kind::K2Expm: return 59;
    case Kind::K2Logm: return 60;
    case Kind::K2Sqrtm: return 61;
  }
  return -1;
}

namespace {

bool isVariable(const Arena& a, Id t, std::uint32_t scope) {
  return a.kind(t) == Kind::Symbol && a.symbolOf(t).scope == scope;
}



// beta - c with c > 0 a number, for a counter beta (a positive integer): smaller than beta.
bool countsDown(const Arena& a, Id s, Id t, const std::vector<Id>& counters) {
  if (std::find(counters.begin(), counters.end(), s) == counters.end() || a.kind(t) != Kind::Add) return false;
  auto k = a.kids(t);
  return k.size() == 2 && k[0] == s && a.kind(k[1]) == Kind::Number && a.numberOf(k[1]) < 0;
}

}  // namespace

namespace {

struct Rpo {
  const Arena& a;
  std::uint32_t scope;
  const std::vector<Id>& counters;
  std::size_t comparisons = 0;

  bool greater(Id s, Id t) {
    count(1);
    if (s == t) return false;
    if (countsDown(a, s, t, counters)) return true;
    if (isVariable(a, t, scope)) return containsTerm(a, s, t);
    if (isVariable(a, s, scope)) return false;
    auto sk = a.kids(s), tk = a.kids(t);
    for (Id si : sk)
      if (si == t || greater(si, t)) return true;
    int ps = precedence(a.kind(s)), pt = precedence(a.kind(t));
    if (ps > pt) return std::all_of(tk.begin(), tk.end(), [&](Id tj) { return greater(s, tj); });
    if (ps == pt) {
      if (sk.empty() && tk.empty()) return a.compare(s, t) > 0;  // distinct constants of one kind
      count(sk.size() + tk.size());  // sorting the operands is work too
      return multisetGreaterBy(std::vector<Id>(sk.begin(), sk.end()), std::vector<Id>(tk.begin(), tk.end()),
                               [&](Id x, Id y) { return greater(x, y); });
    }
    return false;
  }

  void count(std::size_t work) {
    if ((comparisons += work) > kMaxRpoComparisons)
      throw Error(Error::Category::Rule, "too large to check that it decreases (more than " +
                                             std::to_string(kMaxRpoComparisons) + " steps of the path order)");
  }
};

}  // namespace

bool rpoGreater(const Arena& a, Id s, Id t, std::uint32_t scope, const std::vector<Id>& counters) {
  Rpo rpo{a, scope, counters};
  return rpo.greater(s, t);
}

std::size_t termSize(const Arena& a, Id t) { return a.facts(t).treeSize; }

bool groundLess(const Arena& a, Id x, Id y) {
  std::size_t sx = termSize(a, x), sy = termSize(a, y);
  if (sx != sy) return sx < sy;
  return a.compare(x, y) < 0;
}


std::optional<std::string> dimensionOnlyOnRight(const Arena& a, Id lhs, Id rhs) {
  std::set<Dim> left = dimensionsOf(a, lhs);
  for (Dim d : dimensionsOf(a, rhs))
    if (d != kOne && !left.count(d)) return a.dimName(d);
  return std::nullopt;
}

std::string orientationProblem(const Arena& a, const Rule& r) {
  switch (r.order) {
    case Order::Rpo: {
      // A variable guarded integer and positive counts down: beta > beta - 1.
      std::vector<Id> counters;
      for (const GuardUse& g : r.where)
        if (g.guard == Guard::Integer &&
            std::any_of(r.where.begin(), r.where.end(), [&](const GuardUse& h) { return h.guard == Guard::Positive && h.variable == g.variable; }))
          counters.push_back(g.variable);
      try {
        if (rpoGreater(a, r.lhs, r.rhs, r.scope, counters)) return "";
        return "does not decrease in the recursive path order (docs/reduction-order.md): " + toText(a, r.lhs) +
               " -> " + toText(a, r.rhs) +
               (rpoGreater(a, r.rhs, r.lhs, r.scope) ? "; it increases: swap its sides" : "; if it only permutes, mark it 'order: ordered'");
      } catch (const Error& e) {
        if (e.category() != Error::Category::Rule) throw;
        return e.what();
      }
    }
    case Order::Ordered:
      // Applied only to instances that get smaller in groundLess, which is
      // what terminates it; a rule that grows every instance would never apply.
      if (termSize(a, r.rhs) > termSize(a, r.lhs)) return "an ordered rule must not make the term bigger";
      return "";
    case Order::Builtin: return "";  // the loader checks that the constructors make both sides one term
    case Order::Gradient: {
      std::vector<Id> carriers;
      for (const GuardUse& g : r.where)
        if (g.guard == Guard::Differential) carriers.push_back(g.variable);
      if (carriers.empty()) return "a gradient rule needs a differential(V) guard naming what it moves";
      auto isCarrier = [&](Id t) { return std::find(carriers.begin(), carriers.end(), t) != carriers.end(); };
      if (!multisetLess(isolationMeasure(a, r.rhs, isCarrier), isolationMeasure(a, r.lhs, isCarrier)))
        return "a gradient rule must bring its differential closer to <G, d(X)> (docs/reduction-order.md)";
      return "";
    }
  }
  return "unknown order";
}

}  // namespace matcalc::detail
