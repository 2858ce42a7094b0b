// Using matcalc as a library: parse, print, evaluate, and verify an identity.
// Built and run by the test suite, so this example stays true.
#include <iostream>

#include "matcalc/calculus.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/verify.hpp"

int main() {
  using namespace matcalc;
  Arena arena;

  // Parse related expressions in one session: their symbols share shapes.
  ParseSession session(arena);
  session.add("det(A*B)");
  session.add("det(A)*det(B)");
  auto terms = session.finish();
  std::cout << toText(arena, terms[0]) << "  |  " << toLatex(arena, terms[0]) << "  |  " << toNumpy(arena, terms[0]) << "\n";

  // Verify lhs = rhs on random matrices (exactly, over the rationals).
  CheckSummary s = check(arena, Identity{terms[0], terms[1], {}}, 50, 1);
  std::cout << "det(A*B) = det(A)*det(B): " << (s.ok ? "holds" : "FAILS") << " in " << s.trials << " " << methodName(s.method) << " trials\n";

  // Evaluate with doubles.
  Bindings<double> values;
  for (const char* name : {"A", "B"}) values.bind(arena, parse(arena, name), Eigen::MatrixXd::Random(3, 3));
  double a = evaluate(arena, terms[0], values)(0, 0), b = evaluate(arena, terms[1], values)(0, 0);
  std::cout << "at a random point: " << a << " vs " << b << "\n";

  // A gradient by the differential method, with its derivation.
  RuleSet rules = RuleSet::standard(arena);  // compiled into the library
  Id f = parse(arena, "log(det(Sigma)) + <x - m, inv(Sigma)*(x - m)>");
  Id sigma = parse(arena, "Sigma");
  GradientResult g = gradient(arena, rules, f, sigma);
  std::size_t steps = 0;
  for (const auto& stage : g.derivation.stages) steps += stage.steps.size();
  Shared shown = shareCommonSubterms(arena, g.display);  // repeated sub-terms named t1, t2 …
  std::cout << "gradient: " << toText(arena, shown.result) << " (" << steps << " rule steps)\n";
  for (const auto& [name, definition] : shown.bindings) std::cout << "  where " << name << " = " << toText(arena, definition) << "\n";
  NumericCheck n = checkGradient(arena, f, sigma, g.display, 10, 1);
  std::cout << "largest error against dual numbers: " << n.maxError << " at " << n.points << " points\n";
  return s.ok && std::abs(a - b) < 1e-12 * (1 + std::abs(a)) && n.points > 0 && n.maxError < kGradientTolerance ? 0 : 1;
}
