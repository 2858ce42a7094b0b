#include <iostream>
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
using namespace matcalc;
int main(int argc, char** argv) {
  Arena a;
  try {
    Id t = parse(a, argv[1]);
    std::cout << toText(a, t) << "\n" << a.shapeText(a.shape(t)) << "\n" << toLatex(a, t) << "\n" << toNumpy(a, t) << "\n";
    Id u = parse(a, toText(a, t));
    std::cout << (u == t ? "roundtrip ok" : "ROUNDTRIP FAIL " + toText(a,u)) << "\n";
  } catch (const ParseError& e) { std::cerr << "matcalc: " << e.what() << "\n" << e.caret() << "\n"; return 2; }
  catch (const Error& e) { std::cerr << "matcalc: " << e.what() << "\n"; return 2; }
}
