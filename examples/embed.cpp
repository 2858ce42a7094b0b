// Using matcalc as a library: parse, print, evaluate, and verify an identity.
// Built and run by the test suite, so this example stays true.
#include <iostream>

#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/verify.hpp"

int main() {
  using namespace matcalc;
  Arena arena;

  // Parse related expressions in one session: their symbols share shapes.
  ParseSession session(arena);
  session.add("tr(A*B*C)");
  session.add("tr(C*A*B)");
  auto terms = session.finish();
  std::cout << toText(arena, terms[0]) << "  |  " << toLatex(arena, terms[0]) << "  |  " << toNumpy(arena, terms[0]) << "\n";

  // Verify lhs = rhs on random matrices (exactly, over the rationals).
  CheckSummary s = check(arena, Identity{terms[0], terms[1], {}}, 50, 1);
  std::cout << "trace cyclicity: " << (s.ok ? "holds" : "FAILS") << " in " << s.trials << " " << methodName(s.method) << " trials\n";

  // Evaluate with doubles.
  Bindings<double> values;
  for (const char* name : {"A", "B", "C"}) values.bind(arena, parse(arena, name), Eigen::MatrixXd::Random(3, 3));
  double a = evaluate(arena, terms[0], values)(0, 0), b = evaluate(arena, terms[1], values)(0, 0);
  std::cout << "at a random point: " << a << " vs " << b << "\n";
  return s.ok && std::abs(a - b) < 1e-12 ? 0 : 1;
}
