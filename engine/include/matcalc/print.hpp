// Printers: surface syntax (parse(toText(t)) == t), LaTeX, and NumPy.
#pragma once
#include <string>

#include "matcalc/term.hpp"

namespace matcalc {

std::string toText(const Arena& arena, Id term);
std::string toLatex(const Arena& arena, Id term);

// A NumPy expression, `np` meaning numpy, vectors as (n,1) columns, `eval`-able
// with the user's variables bound (a Python keyword such as `lambda` is spelt
// `lambda_`). I and 0 are sized from a variable of the user's scope that has
// that dimension; throws Error when there is none, or for d(·).
std::string toNumpy(const Arena& arena, Id term);

// The NumPy spelling of a variable name.
std::string numpyName(const std::string& name);

}  // namespace matcalc
