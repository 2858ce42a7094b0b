// Random expressions of the multilinear fragment (+, scalar and matrix
// products, transpose, tr, <·,·>, .*, diag, sum, I, zeros, numbers), and
// random value-preserving transformations of them: the identities a normal
// form has to see through (trace rotation and reflection, a scalar's
// transpose, moving factors across an inner product, the Hadamard swap,
// distributing, reordering, inserting I* or + zeros, and the several
// spellings of an inner product). Used by the canonicity property.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace matcalc::testing {

struct Expr {
  enum class Op { Var, Num, Identity, Zeros, Add, Sub, Neg, Scale, Mul, Transpose, Trace, Inner, Hadamard, DiagMatrix, DiagVector, Sum };
  Op op;
  std::string name;  // Var: the variable; Num: the number's text
  std::vector<Expr> kids;
  char rows = '1', cols = '1';  // '1', 'n' or 'm'
};

// Fully parenthesised surface syntax.
std::string print(const Expr& e);

class FragmentGen {
 public:
  using Choose = std::function<long(long lo, long hi)>;
  explicit FragmentGen(Choose choose) : choose_(std::move(choose)) {}

  // An expression of the given shape ('1', 'n' or 'm' each).
  Expr generate(char rows, char cols, int depth);
  // One random value-preserving change somewhere in e; a description of it in `what`.
  Expr transform(const Expr& e, std::string& what);

 private:
  Expr leaf(char rows, char cols);
  std::optional<Expr> rewriteHere(const Expr& e, int which, std::string& what);
  std::size_t countNodes(const Expr& e) const;
  Expr rewriteAt(const Expr& e, std::size_t& index, std::size_t target, int which, std::string& what, bool& done);

  Choose choose_;
};

}  // namespace matcalc::testing
