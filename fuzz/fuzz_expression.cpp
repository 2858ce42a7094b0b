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

// t with each maximal subterm that is not a rational function of the
// entries (tr(A)^(1/3), exp(X)) replaced by a fresh variable of its shape,
// the same subterm by the same variable in every term abstracted with one
// `memo`. Sides equal as rational functions of those variables and the
// entries are equal; sides that differ so may still be equal. One pass,
// memoised by id, so a shared subterm is visited once.
matcalc::Id opaque(matcalc::Arena& a, matcalc::Id t, std::unordered_map<matcalc::Id, matcalc::Id>& memo) {
  using namespace matcalc;
  if (auto it = memo.find(t); it != memo.end()) return it->second;
  Id out = t;
  if (!isRationalOperation(a, t)) {
    Shape s = a.shape(t);
    VarKind kind = s.isScalar() ? VarKind::Scalar : s.cols == kOne ? VarKind::Vector : VarKind::Matrix;
    out = a.symbol("\u27E8opaque " + std::to_string(memo.size()) + "\u27E9", kind, s);
  } else {
    std::vector<Id> kids;
    bool changed = false;
    for (Id k : a.kids(t)) {
      kids.push_back(opaque(a, k, memo));
      changed |= kids.back() != k;
    }
    if (changed) out = a.make(a.kind(t), kids);
  }
  memo.emplace(t, out);
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
      if (parse(arena, printed) != t) finding("'" + text + "' prints as '" + printed + "', which parses to another term");
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
          std::unordered_map<Id, Id> memo;
          Id ot = opaque(arena, t, memo), os = opaque(arena, s.display, memo);
          if (ot != t || os != s.display) {
            Equivalence abstracted = compareExactly(arena, ot, os);
            if (abstracted.method == Equivalence::Method::Exact && abstracted.verdict == Equivalence::Verdict::Equal) exact = abstracted;
          }
        } catch (const Error&) {  // not decided so: the finding stands
        }
      }
      if (exact.method != Equivalence::Method::Exact || exact.verdict == Equivalence::Verdict::Different)
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
