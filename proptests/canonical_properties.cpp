// Canonicity of the normal form on the multilinear fragment: an expression
// and any chain of value-preserving transformations of it (fragment_gen.hpp)
// reach the identical normal form, not merely an equal value.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "expression_gen.hpp"
#include "fragment_gen.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

// The rules, loaded once into an arena every case starts from a copy of (a
// copy keeps the rules' ids).
struct Loaded {
  Arena arena;
  RuleSet rules;
  Loaded() { rules.loadDirectory(arena, MATCALC_RULES_DIR); }
};
const Loaded& loaded() {
  static const Loaded l;
  return l;
}

// The value of both sides at one random point: a transformation that changed
// the value is a bug of the test, not of the engine.
bool sameValue(Arena& a, Id x, Id y) {
  NumericCheck n = compareNumerically(a, x, y, 3, 11);
  return n.points > 0 && n.maxError < 1e-8;
}

RC_GTEST_PROP(NormalForm, IsCanonicalOnTheMultilinearFragment, ()) {
  testing::FragmentGen gen([](long lo, long hi) { return *rc::gen::inRange<long>(lo, hi + 1); });
  const char shapes[][2] = {{'1', '1'}, {'n', 'n'}, {'n', '1'}, {'n', 'm'}};
  auto shape = shapes[*rc::gen::inRange(0, 4)];
  testing::Expr e = gen.generate(shape[0], shape[1], *rc::gen::inRange(1, 5));
  testing::Expr f = e;
  std::string log;
  int moves = *rc::gen::inRange(1, 9);
  for (int i = 0; i < moves; ++i) {
    std::string what;
    f = gen.transform(f, what);
    log += "  " + what + ": " + testing::print(f) + "\n";
  }
  Arena arena = loaded().arena;
  const RuleSet& rs = loaded().rules;
  std::vector<Id> terms;
  try {
    ParseSession session(arena);
    session.add(testing::print(e));
    session.add(testing::print(f));
    session.requireSameShape(0, 1);  // sizes a zeros the transformation put where nothing else fixes it
    terms = session.finish();
  } catch (const Error& err) {
    RC_DISCARD("not parseable alone: " + std::string(err.what()));  // e.g. an I whose size nothing fixes
  }
  RC_LOG() << testing::print(e) << "\n" << log;
  RC_ASSERT(sameValue(arena, terms[0], terms[1]));  // else the transformation is wrong
  Id a = simplify(arena, rs, terms[0]).normal;
  Id b = simplify(arena, rs, terms[1]).normal;
  RC_LOG() << "normal forms:\n  " << toText(arena, a) << "\n  " << toText(arena, b) << "\n";
  RC_ASSERT(a == b);
}

}  // namespace
}  // namespace matcalc
