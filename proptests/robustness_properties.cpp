// Bad input of any kind ends in a matcalc::Error (a one-line message, exit 2
// in the CLI), never in a crash, a hang or another exception.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "expression_gen.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

const std::vector<std::string> kTokens = {
    "A", "B", "x", "y", "alpha", "I", "ones", "zeros", "2", "0.5", "0", "-1", "+", "-", "*", "/", ".*", "./", ".^",
    "^", "'", "(", ")", "<", ">", ",", "tr(", "det(", "logdet(", "inv(", "diag(", "sum(", "norm1(", "norm2(",
    "exp(", "log(", "sqrt(", "softmax(", "logsumexp(", "d(", "relu(", "foo(", " ", "#", "1e999", "é"};

RC_GTEST_PROP(Robustness, AnyTextParsesOrFailsWithAnError, ()) {
  auto picks = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, kTokens.size()));
  std::string text;
  for (std::size_t i : picks) text += kTokens[i];
  RC_LOG() << text;
  Arena arena;
  try {
    Id t = parse(arena, text);
    toText(arena, t);  // printing a parsed term must not throw either
    toLatex(arena, t);
  } catch (const Error& e) {
    RC_ASSERT(std::string(e.what()).find('\n') == std::string::npos);
  }
}

RC_GTEST_PROP(Robustness, ValidExpressionsSimplifyAndDifferentiateOrFailWithAnError, ()) {
  Arena arena;
  RuleSet rules;
  rules.loadDirectory(arena, MATCALC_RULES_DIR);
  testing::ExpressionGen gen([](long lo, long hi) { return *rc::gen::inRange<long>(lo, hi + 1); });
  auto sample = gen.generate(testing::ExpressionGen::Sort::Scalar, *rc::gen::inRange(0, 4));
  RC_LOG() << sample.text;
  Id f = parse(arena, sample.text);
  try {
    simplify(arena, rules, f);
    for (const char* name : {"A", "x", "alpha", "P"})
      if (const Symbol* s = arena.findSymbol(name, 0)) {
        GradientResult g = gradient(arena, rules, f, arena.symbol(name, s->kind, s->shape, 0));
        NumericCheck c = checkGradient(arena, f, arena.symbol(name, s->kind, s->shape, 0), g.gradient, 4, 3);
        RC_ASSERT(c.points == 0 || c.maxError <= kGradientTolerance);
      }
  } catch (const Error& e) {
    RC_ASSERT(e.category() == Error::Category::Unsupported || e.category() == Error::Category::Budget);
  }
}

}  // namespace
}  // namespace matcalc
