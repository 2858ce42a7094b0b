// libFuzzer target: the expression pipeline. Any input may be refused with an
// Error (what the CLI prints as a one-line message, exit 2); anything else
// that escapes (std::logic_error, a crash, a sanitizer report) is a finding,
// as is a printed form that parses back to another term, a simplification
// that changes the value, or a gradient that fails its numeric check.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "matcalc/big_stack.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/walk.hpp"

namespace {

[[noreturn]] void finding(const std::string& what) {
  std::cerr << "finding: " << what << "\n";
  std::abort();
}

// Whether t holds a constant (I, ones, zeros) whose size no variable of t
// fixes, as the parser asks: its size came from a variable that folded away
// (tr(X^0) is tr(I)), or it is one of two unknown factors of a dimension.
// A dimension is fixed by being a variable's, or by being the one unknown
// factor of a variable's product dimension (kron(A, I)*x).
bool holdsUnsizedConstant(const matcalc::Arena& a, matcalc::Id t) {
  using namespace matcalc;
  std::set<Dim> known{kOne};
  std::vector<Dim> products;
  for (Id v : variablesOf(a, t))
    for (Dim d : {a.shape(v).rows, a.shape(v).cols}) {
      known.insert(d);
      if (a.dimFactors(d).size() > 1) products.push_back(d);
    }
  for (bool grew = true; grew;) {
    grew = false;
    for (Dim d : products) {
      std::vector<Dim> open;
      for (Dim f : a.dimFactors(d))
        if (!known.count(f)) open.push_back(f);
      if (open.size() == 1) grew |= known.insert(open[0]).second;
    }
  }
  bool unsized = false;
  forEachNode(a, t, [&](Id u) {
    Kind k = a.kind(u);
    if (k == Kind::Identity || k == Kind::Ones || k == Kind::Zero)
      for (Dim d : {a.shape(u).rows, a.shape(u).cols})
        if (!known.count(d))
          for (Dim f : a.dimFactors(d)) unsized |= !known.count(f);
    return !unsized;
  });
  return unsized;
}

// A 1×1 term s broadcast to a row or column, s*ones': the text of a sum
// leaves the broadcast to the parser (y'*log(v) + (2 - y')*Z is read 1×1
// where Z's width is free), so s alone.
matcalc::Id unbroadcast(const matcalc::Arena& a, matcalc::Id x) {
  using namespace matcalc;
  if (a.kind(x) != Kind::Scale || a.kids(x).size() != 2) return x;
  Id s = a.kids(x)[0], ones = a.kids(x)[1];
  bool line = a.shape(ones).rows == kOne || a.shape(ones).cols == kOne;
  return a.kind(ones) == Kind::Ones && line && a.shape(s).isScalar() ? s : x;
}

// Whether x and y are one term but for the sizes of their constants (I,
// ones, zeros), what those sizes make, and scalars broadcast: the same
// kinds, variables and numbers throughout. Printing a - (b - c) as a - b - c
// would read back as another term whose text is the same, but not one of these.
bool sameUpToConstantSizes(const matcalc::Arena& a, matcalc::Id x, matcalc::Id y) {
  using namespace matcalc;
  x = unbroadcast(a, x);
  y = unbroadcast(a, y);
  if (x == y) return true;
  Kind k = a.kind(x);
  if (k != a.kind(y)) return false;
  if (k == Kind::Identity || k == Kind::Ones || k == Kind::Zero) return true;
  if (k == Kind::Symbol) return false;  // another id: another variable (one variable keeps one shape)
  if (k == Kind::Number) return a.numberOf(x) == a.numberOf(y);
  auto kx = a.kids(x), ky = a.kids(y);
  if (kx.size() != ky.size()) return false;
  for (std::size_t i = 0; i < kx.size(); ++i)
    if (!sameUpToConstantSizes(a, kx[i], ky[i])) return false;
  return true;
}

// The fractional powers of one base on both sides, b^(p/q), read as integer
// powers of one variable r = b^g, g = gcd of the numerators / lcm of the
// denominators b is raised to: b^(11/100) and b^(11/50) are r and r^2, b^(4211/100)
// alone is r (taking b^g positive, as where those powers are defined).
// Bases are compared by their normal forms: one side's base may be the
// other's simplified.
struct Abstraction {
  const matcalc::RuleSet& rules;
  matcalc::Budget budget;
  std::unordered_map<matcalc::Id, matcalc::Id> memo;     // term -> abstracted term
  std::unordered_map<matcalc::Id, matcalc::Id> normal;   // subterm -> its normal form
  std::unordered_map<matcalc::Id, mpq_class> rootOf;     // normal form of a base -> g
  std::unordered_map<matcalc::Id, matcalc::Id> roots;    // normal form of a base -> its root's variable
  std::unordered_map<matcalc::Id, matcalc::Id> atoms;    // normal form of another non-rational term -> its variable
  std::size_t variables = 0;                              // opaque variables made so far
};

matcalc::Id normalForm(matcalc::Arena& a, matcalc::Id t, Abstraction& ab) {
  auto [it, added] = ab.normal.try_emplace(t, t);
  if (added) try {
      it->second = matcalc::simplify(a, ab.rules, t, {}, ab.budget).normal;
    } catch (const matcalc::Error&) {  // compared as it is
    }
  return it->second;
}

void collectRoots(matcalc::Arena& a, matcalc::Id t, Abstraction& ab) {
  matcalc::forEachNode(a, t, [&](matcalc::Id u) {
    if (const mpq_class* exponent = matcalc::fractionalExponent(a, u)) {
      const mpq_class& e = *exponent;
      auto [it, added] = ab.rootOf.try_emplace(normalForm(a, a.kids(u)[0], ab), abs(e));
      mpq_class& g = it->second;
      mpz_class num, den;
      mpz_gcd(num.get_mpz_t(), g.get_num_mpz_t(), e.get_num_mpz_t());
      mpz_lcm(den.get_mpz_t(), g.get_den_mpz_t(), e.get_den_mpz_t());
      g = mpq_class(num, den);
      g.canonicalize();
    }
    return true;
  });
}

// Whether t holds a number past 2^40 (numerator or denominator) or a power
// of 16 or more: an expanded high power (11111111111*(tr(I) - tr(A))^55 has
// coefficients near 10^26; norm2(v)^48 expanded as a polynomial in v's
// parts, terms like (y'*y)^24) cancels in floating point far beyond any
// tolerance, so a numeric difference alone proves nothing there.
bool amplifiesRounding(const matcalc::Arena& a, matcalc::Id t) {
  using namespace matcalc;
  bool large = false;
  forEachNode(a, t, [&](Id u) {
    Kind k = a.kind(u);
    if (k == Kind::Number) {
      const mpq_class& q = a.numberOf(u);
      large |= mpz_sizeinbase(q.get_num_mpz_t(), 2) > 40 || mpz_sizeinbase(q.get_den_mpz_t(), 2) > 40;
    } else if ((k == Kind::Pow || k == Kind::HadamardPow || k == Kind::MatPow) && a.kind(a.kids(u)[1]) == Kind::Number) {
      large |= abs(a.numberOf(a.kids(u)[1])) >= 16;
    }
    return !large;
  });
  return large;
}

// A power whose exact value the evaluator refuses to compute (exactPowerRefused):
// (1/11)^91109112 beside an expanded (I - A)^32 kept exact arithmetic out,
// so it is abstracted too.
bool hugePower(const matcalc::Arena& a, matcalc::Id t) {
  using namespace matcalc;
  Kind k = a.kind(t);
  if (k != Kind::Pow && k != Kind::HadamardPow && k != Kind::MatPow) return false;
  Id base = a.kids(t)[0], e = a.kids(t)[1];
  if (a.kind(e) != Kind::Number) return false;
  return a.kind(base) == Kind::Number ? exactPowerRefused(a.numberOf(base), a.numberOf(e))
                                      : exactExponentRefused(a.numberOf(e));
}

matcalc::Id variableLike(matcalc::Arena& a, matcalc::Id t, Abstraction& ab) {
  using namespace matcalc;
  Shape s = a.shape(t);
  VarKind kind = s.isScalar() ? VarKind::Scalar : s.cols == kOne ? VarKind::Vector : VarKind::Matrix;
  return a.symbol("\u27E8opaque " + std::to_string(ab.variables++) + "\u27E9", kind, s);
}

// t with each maximal subterm that is not a rational function of the
// entries (tr(A)^(1/3), exp(X)), or that exact arithmetic refuses (hugePower),
// replaced by a fresh variable of its shape,
// subterms with one normal form by the same variable in every term
// abstracted with one Abstraction, and fractional powers by integer powers of roots (above).
// Sides equal as rational functions of those variables and the entries are
// equal; sides that differ so may still be equal. One pass, memoised by id,
// so a shared subterm is visited once.
matcalc::Id opaque(matcalc::Arena& a, matcalc::Id t, Abstraction& ab) {
  using namespace matcalc;
  if (auto it = ab.memo.find(t); it != ab.memo.end()) return it->second;
  Id out = t;
  if (const mpq_class* power = fractionalExponent(a, t)) {
    Id base = normalForm(a, a.kids(t)[0], ab);
    auto [root, added] = ab.roots.try_emplace(base, kNoId);
    if (added) root->second = variableLike(a, base, ab);
    mpq_class exponent = *power / ab.rootOf.at(base);
    exponent.canonicalize();
    out = a.make(a.kind(t), {root->second, a.number(exponent)});
  } else if (!isRationalOperation(a, t) || hugePower(a, t)) {
    // By its normal form: sqrtm(B) on one side is sqrtm(B expanded) on the other.
    auto [atom, added] = ab.atoms.try_emplace(normalForm(a, t, ab), kNoId);
    if (added) atom->second = variableLike(a, t, ab);
    out = atom->second;
  } else {
    std::vector<Id> kids;
    bool changed = false;
    for (Id k : a.kids(t)) {
      kids.push_back(opaque(a, k, ab));
      changed |= kids.back() != k;
    }
    if (changed) out = a.make(a.kind(t), kids);
  }
  ab.memo.emplace(t, out);
  return out;
}

}  // namespace

int pipeline(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return matcalc::onBigStack([&] { return pipeline(data, size); });
}

int pipeline(const std::uint8_t* data, std::size_t size) {
  using namespace matcalc;
  if (size > 4096) return -1;
  std::string text(reinterpret_cast<const char*>(data), size);
  // The standard rules are restored once; each input works in a copy of that
  // arena (a copy keeps every id, so the rules stay valid), as the benchmarks do.
  static Arena loaded;
  static const RuleSet rules = RuleSet::standard(loaded);
  Arena arena = loaded;
  // Inputs that reach the deadline (powers of sums expanded) are refused
  // there: a short one keeps the fuzzer from spending its time on them.
  Budget budget;
  budget.seconds = 0.5;
  Id t;
  try {
    t = parse(arena, text);
  } catch (const Error&) {
    return 0;
  }
  // The printed form parses back to the same term (variables keep their shapes).
  std::string printed = toText(arena, t);
  if (!arena.hasKind(t, Kind::Commutation)) {  // K(X) prints without a size of its own
    try {
      Id back = parse(arena, printed);
      // The same text for another term differs only in sizes the text does
      // not hold: where a constant has a dimension no variable fixes, it is
      // read as 1 when a 1 fits ((1/22 - y')*log(zeros), of X5w's columns
      // before 0*sigmoid(X5w) folded, read as a column): the known limit.
      // So does one whose dimension a variable fixed only through a term
      // that folded away (zeros of X's columns from X*0, beside X*x).
      bool sizeOnly = back != t && toText(arena, back) == printed &&
                      (holdsUnsizedConstant(arena, t) || sameUpToConstantSizes(arena, t, back));
      if (back != t && !sizeOnly) finding("'" + text + "' prints as '" + printed + "', which parses to another term");
    } catch (const Error& e) {
      // The text of a constant whose size came from a variable that folded
      // away (-1 ./ x.^0 is -ones, tr(X^0) is tr(I), alpha - 1 ./ X.^0 is
      // alpha*ones - 1) does not carry that size: a known limit of the text
      // form (the other forms and the term keep it), refused when read back.
      // Another variable of that size elsewhere does not tie it either:
      // A ⊗ tr(I + A - A) prints as tr(I)*A.
      bool unanchored = std::string(e.what()).find("cannot be inferred") != std::string::npos;
      bool sizeLost = e.category() == Error::Category::Shape && (unanchored || holdsUnsizedConstant(arena, t));
      if (!sizeLost) finding("'" + text + "' prints as '" + printed + "', which does not parse: " + e.what());
    }
  }
  try {  // d(X) has no NumPy form: a refusal, as in the CLI
    (void)toLatex(arena, t);
    (void)toNumpy(arena, t);
  } catch (const Error&) {
  }
  try {
    SimplifyResult s = simplify(arena, rules, t, {}, budget);
    NumericCheck same = compareNumerically(arena, t, s.display, 4, 1);
    if (same.points > 0 && same.maxError > 1e-6 && same.maxError < INFINITY) {
      // Rounding can make equal polynomials differ in floating point
      // ((tr(I) - tr(A))^31 expanded): where both are rational, exact
      // arithmetic decides.
      Equivalence exact = compareExactly(arena, t, s.display);
      if (exact.method != Equivalence::Method::Exact) {
        // A non-rational part (tr(A)^(2111/100) + (tr(I) - tr(A))^31 expanded)
        // keeps exact arithmetic out: the parts both sides share are taken
        // as opaque, and sides found equal so are equal.
        try {
          Abstraction ab{rules, budget, {}, {}, {}, {}, {}};
          collectRoots(arena, t, ab);
          collectRoots(arena, s.display, ab);
          Id ot = opaque(arena, t, ab), os = opaque(arena, s.display, ab);
          if (ot != t || os != s.display) {
            Equivalence abstracted = compareExactly(arena, ot, os);
            if (abstracted.method == Equivalence::Method::Exact && abstracted.verdict == Equivalence::Verdict::Equal) exact = abstracted;
          }
        } catch (const Error&) {  // not decided so: the finding stands
        }
      }
      // Not decided exactly, and floating point cannot tell beside large numbers or powers.
      bool undecidable = exact.method != Equivalence::Method::Exact && (amplifiesRounding(arena, t) || amplifiesRounding(arena, s.display));
      if (!undecidable && (exact.method != Equivalence::Method::Exact || exact.verdict == Equivalence::Verdict::Different))
        finding("'" + text + "' simplifies to '" + toText(arena, s.display) + "', which differs (" +
                (exact.method == Equivalence::Method::Exact ? exact.detail : same.worst) + ")");
    }
  } catch (const Error&) {
  }
  // The gradient by the first variable, with the self-check the CLI makes.
  std::vector<Id> vars = variablesOf(arena, t);
  if (vars.empty() || !arena.shape(t).isScalar()) return 0;
  try {
    GradientResult g = gradient(arena, rules, t, vars[0], {}, budget);
    NumericCheck c = checkGradient(arena, t, vars[0], g.display, 4, 7);
    if (c.points > 0 && c.maxError > kGradientTolerance)
      finding("the gradient of '" + text + "' is wrong: " + toText(arena, g.display) + " (" + c.worst + ")");
  } catch (const Error&) {
  }
  return 0;
}
