// Printers: surface syntax (parse(toText(t)) == t), LaTeX, NumPy and PyTorch.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "matcalc/term.hpp"

namespace matcalc {

std::string toText(const Arena& arena, Id term);
std::string toLatex(const Arena& arena, Id term);

// A NumPy expression, `np` meaning numpy, vectors as (n,1) columns, `eval`-able
// with the user's variables bound (a Python keyword such as `lambda` is spelt
// `lambda_`). I and 0 are sized from a variable of the user's scope that has
// that dimension; throws Error when there is none, or for d(·).
std::string toNumpy(const Arena& arena, Id term);

// The same in PyTorch (`torch`): functions from torch and torch.linalg, I and
// 0 taking the dtype of a variable in scope.
std::string toTorch(const Arena& arena, Id term);

// The Python spelling of a variable name (a keyword, `np` or `torch` gets a
// trailing underscore), the same in both dialects.
std::string pythonName(const std::string& name);

// A term with its common sub-expressions named: every sub-term that printed
// as a tree would appear more than once (and is not tiny) is bound to a
// fresh name t1, t2 … (never a variable of the user's), so the printed size
// is linear in the term's DAG. `bindings` are in dependency order: each
// definition uses only earlier names.
struct Shared {
  Id result;
  std::vector<std::pair<std::string, Id>> bindings;
};
Shared shareCommonSubterms(Arena& arena, Id term);

// Python code for a shared term: one assignment per binding (`t1 = …`), the
// value on the last line (no newline after it), in NumPy or PyTorch.
std::string toPythonLines(const Arena& arena, const Shared& shared, bool torch);

}  // namespace matcalc
