// The smallest program that embeds matcalc: a gradient, printed.
#include <iostream>

#include "matcalc/calculus.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

int main() {
  matcalc::Arena arena;
  matcalc::RuleSet rules = matcalc::RuleSet::standard(arena);  // compiled into the library
  matcalc::Id f = matcalc::parse(arena, "x'*A*x");
  matcalc::GradientResult g = matcalc::gradient(arena, rules, f, matcalc::parse(arena, "x"));
  std::cout << matcalc::toText(arena, g.display) << "\n";
}
