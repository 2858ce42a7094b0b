#include <gtest/gtest.h>

#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

// Parses two expressions together (their symbols share shapes) in a fresh
// arena and says whether they are the same term.
bool same(const std::string& a, const std::string& b) {
  Arena arena;
  ParseSession session(arena);
  session.add(a);
  session.add(b);
  auto terms = session.finish();
  return terms[0] == terms[1];
}

Kind kindOf(const std::string& text) {
  Arena arena;
  return arena.kind(parse(arena, text));
}

std::string latex(const std::string& text) {
  Arena arena;
  return toLatex(arena, parse(arena, text));
}

ParseError parseError(const std::string& text) {
  Arena arena;
  try {
    parse(arena, text);
  } catch (const ParseError& e) {
    return e;
  }
  ADD_FAILURE() << "'" << text << "' parsed";
  return ParseError("", "", 0);
}

std::string shapeError(const std::string& text) {
  Arena arena;
  try {
    parse(arena, text);
  } catch (const ParseError& e) {
    ADD_FAILURE() << "'" << text << "' gave a parse error: " << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), Error::Category::Shape);
    return e.what();
  }
  ADD_FAILURE() << "'" << text << "' parsed";
  return "";
}

TEST(Parser, UnclosedCallPointsAtTheEnd) {
  ParseError e = parseError("tr(A*X");
  EXPECT_EQ(e.position(), 6u);
  EXPECT_NE(std::string(e.what()).find("expected ')'"), std::string::npos);
  EXPECT_EQ(e.caret(), "  tr(A*X\n        ^");
}

TEST(Parser, ErrorsPointAtTheOffendingToken) {
  EXPECT_EQ(parseError("foo(X)").position(), 0u);
  EXPECT_EQ(parseError("A + * B").position(), 4u);
  EXPECT_EQ(parseError("A + B)").position(), 5u);
  EXPECT_EQ(parseError("<A, B").position(), 5u);
  EXPECT_EQ(parseError("<A B>").position(), 3u);
  EXPECT_EQ(parseError("A # B").position(), 2u);
  EXPECT_EQ(parseError("").position(), 0u);
  EXPECT_EQ(parseError("tr()").position(), 3u);
  EXPECT_EQ(parseError("tr(A, B)").position(), 6u);  // the extra argument
  EXPECT_EQ(parseError("kron(A, B, C)").position(), 11u);
  EXPECT_NE(std::string(parseError("tr + A").what()).find("is a function"), std::string::npos);
}

// Habits of handwriting get a hint: juxtaposition for a product, x^T for x'.
TEST(Parser, HandwrittenHabitsGetAHint) {
  for (const char* text : {"x'x", "2x'*x", "(A + B)(A - B)"}) {
    std::string what = parseError(text).what();
    EXPECT_NE(what.find("a product needs '*'"), std::string::npos) << text << ": " << what;
  }
  EXPECT_EQ(std::string(parseError("x + )").what()).find("a product needs"), std::string::npos);
  EXPECT_NE(std::string(parseError("A(x + y)").what()).find("for a product write A*("), std::string::npos);
  EXPECT_NE(std::string(parseError("W1(x)").what()).find("for a product write W1*("), std::string::npos);
  EXPECT_NE(std::string(parseError("trace(X)").what()).find("did you mean tr?"), std::string::npos);
  EXPECT_EQ(std::string(parseError("foo(X)").what()).find("for a product"), std::string::npos);
  EXPECT_NE(shapeError("x^T*A*x").find("for a transpose write x'"), std::string::npos);
  EXPECT_NE(shapeError("(A*x)^T*b").find("for a transpose write (A*x)'"), std::string::npos);
  EXPECT_NE(shapeError("X^k").find("use .^ for an elementwise power"), std::string::npos);
}

TEST(Parser, ShapeErrorsNameTheSubExpressionAndBothShapes) {
  std::string m = shapeError("x'*A*x + x*y");
  EXPECT_NE(m.find("'x*y'"), std::string::npos) << m;
  EXPECT_NE(m.find("×1"), std::string::npos) << m;
  m = shapeError("tr(A*x)");
  EXPECT_NE(m.find("square"), std::string::npos) << m;
  m = shapeError("A*x + B");
  EXPECT_NE(m.find("'A*x'"), std::string::npos) << m;
  EXPECT_NE(m.find("'B'"), std::string::npos) << m;
  EXPECT_NE(shapeError("A^0.5").find("integer exponent"), std::string::npos);
  EXPECT_NE(shapeError("A / B").find("only a scalar divides"), std::string::npos);
  EXPECT_NE(shapeError("softmax(A)").find("column vector"), std::string::npos);
  EXPECT_NE(shapeError("<x, A>").find("one shape"), std::string::npos);
}

TEST(Parser, VariableKindsFollowTheirNames) {
  Arena arena;
  Id t = parse(arena, "alpha*x'*X*x");
  EXPECT_TRUE(arena.shape(t).isScalar());
  EXPECT_EQ(arena.findSymbol("alpha", 0)->kind, VarKind::Scalar);
  EXPECT_EQ(arena.findSymbol("x", 0)->kind, VarKind::Vector);
  EXPECT_EQ(arena.findSymbol("X", 0)->kind, VarKind::Matrix);
  parse(arena, "tr(Sigma) + lambda + w'*w");
  EXPECT_EQ(arena.findSymbol("Sigma", 0)->kind, VarKind::Matrix);
  EXPECT_EQ(arena.findSymbol("lambda", 0)->kind, VarKind::Scalar);
  EXPECT_EQ(arena.findSymbol("w", 0)->kind, VarKind::Vector);
}

TEST(Parser, DeclarationsOverrideNames) {
  Arena arena;
  ParseOptions options;
  options.declared["x"] = VarKind::Matrix;
  options.declared["S"] = VarKind::Scalar;
  Id t = parse(arena, "S*tr(x)", options);
  EXPECT_TRUE(arena.shape(t).isScalar());
  EXPECT_EQ(arena.findSymbol("x", 0)->kind, VarKind::Matrix);
  EXPECT_EQ(arena.findSymbol("S", 0)->kind, VarKind::Scalar);
  EXPECT_THROW(parseVarKind("tensor"), Error);
}

TEST(Parser, NumbersAreExactRationals) {
  Arena arena;
  EXPECT_EQ(parse(arena, "0.5"), arena.number(mpq_class(1, 2)));
  EXPECT_EQ(parse(arena, "1e-3"), arena.number(mpq_class(1, 1000)));
  EXPECT_EQ(parse(arena, "2.5e1"), arena.number(25));
  EXPECT_EQ(parse(arena, "6/4"), arena.number(mpq_class(3, 2)));
  EXPECT_EQ(parse(arena, "-2^2"), arena.number(-4));  // power binds tighter than minus
}

// abs, sign, step and relu of a number are numbers: abs(2*C) = abs(2)*abs(C)
// read 2*abs(C)/abs(2)... and NumPy refused abs(2)**(-1) (an integer to a negative power).
TEST(Parser, EntrywiseFunctionsOfNumbersAreNumbers) {
  Arena arena;
  EXPECT_EQ(parse(arena, "abs(-3/2)"), arena.number(mpq_class(3, 2)));
  EXPECT_EQ(parse(arena, "sign(-3)"), arena.number(-1));
  EXPECT_EQ(parse(arena, "sign(0)"), arena.number(0));
  EXPECT_EQ(parse(arena, "step(2)"), arena.number(1));
  EXPECT_EQ(parse(arena, "step(0)"), arena.number(0));
  EXPECT_EQ(parse(arena, "relu(-1/2)"), arena.number(0));
  EXPECT_EQ(parse(arena, "relu(1/2)"), arena.number(mpq_class(1, 2)));
  EXPECT_EQ(parse(arena, "abs(-2)*x"), parse(arena, "2*x"));
}

TEST(Parser, StarIsScalingOrMatrixProductByShape) {
  Arena arena;
  EXPECT_EQ(kindOf("alpha*X"), Kind::Scale);
  EXPECT_EQ(kindOf("X*Y"), Kind::Mul);
  EXPECT_EQ(kindOf("(x'*y)*z"), Kind::Scale);
  EXPECT_EQ(kindOf("2.*X"), Kind::Scale);  // 2 .* X, not 2. * X
  EXPECT_EQ(kindOf("X^-1"), Kind::Inverse);
  EXPECT_EQ(kindOf("X^3"), Kind::MatPow);
  EXPECT_EQ(kindOf("diag(x)"), Kind::DiagMatrix);
  EXPECT_EQ(kindOf("diag(X)"), Kind::DiagVector);
}

// vec(X') and vec(X) both have m·n entries whatever X's shape: equating the
// products factor by factor would make X square (and its gradient 2*X').
TEST(Parser, ProductsOfDimensionsInAnotherOrderAreEqual) {
  Arena arena;
  EXPECT_TRUE(arena.shape(parse(arena, "vec(X')'*vec(X)")).isScalar());
  Shape x = arena.findSymbol("X", 0)->shape;
  EXPECT_NE(x.rows, x.cols);
  Id kk = parse(arena, "kron(A, B) + kron(B, A)");
  Shape a = arena.findSymbol("A", 0)->shape, b = arena.findSymbol("B", 0)->shape;
  EXPECT_NE(a.rows, b.rows);
  EXPECT_EQ(arena.shape(kk).rows, arena.dimProduct(std::vector<Dim>{b.rows, a.rows}));
}

// x of length n·k fixes the size k of I in kron(A, I)*x, A n×n: in a fresh
// arena, and read back where x already has its shape.
TEST(Parser, IdentitySizedByAFactorOfAVectorsLength) {
  for (const char* text : {"kron(A, I)*x", "kron(I, A)*x", "((2 + A')/(x'*h) ⊗ H^0)*x"}) {
    Arena arena;
    Id t = parse(arena, text);
    std::string printed = toText(arena, t);
    EXPECT_EQ(parse(arena, printed), t) << text << " prints as " << printed;
  }
  Arena arena;
  EXPECT_THROW(parse(arena, "kron(I, I)*x"), Error);  // two unknown factors: nothing fixes either
}

// Found by fuzz_expression: with x already n·m·p entries long, kron(I, x'*A)
// (A n·m·p×p) has k·p columns, and k·p = n·m·p is k = n·m: an open
// dimension equals the product of the factors left on the other side.
TEST(Parser, AnOpenFactorEqualsTheProductOfTheFactorsLeft) {
  const char* text = "kron(I, x'*inv(2*r*xx')*A)*x - kron(B, I)*yx";
  Arena arena;
  Id t = parse(arena, text);
  EXPECT_EQ(parse(arena, toText(arena, t)), t);  // read again with every symbol's size fixed
  EXPECT_EQ(parse(arena, text), t);
}

// Found by fuzz_expression: a row of ones printed as `ones`, so that
// `(ones*v)*X'` read back as a product of a column and X' and failed.
TEST(Parser, RowsOfOnesPrintAndReadBack) {
  for (const char* text : {"X'*(xi.* sigX'*(-yx .* (X*w)))", "alpha*(ones'*x)*X'", "X'*(ones'*x)", "(x'*ones)*X",
                           "nj - x'*in.^4", "nj - exp(x'*y)", "nj ./ (x'*A*ones)", "d(1 - X'*A)*A"}) {
    Arena arena;
    Id t = parse(arena, text);
    std::string printed = toText(arena, t);
    EXPECT_EQ(parse(arena, printed), t) << text << " prints as " << printed;
  }
  Arena arena;
  EXPECT_EQ(toText(arena, parse(arena, "ones'*x")), "ones'*x");
  // A matrix sum of constants keeps one ones: "alpha - 1" would be a scalar.
  EXPECT_EQ(toText(arena, parse(arena, "alpha - 1 ./ X.^0")), "alpha*ones - 1");
}

// Found by fuzz_expression: x'*(v .* r) prints as ones'*(v .* r .* x), and in
// a Kronecker product beside kron(B, I) the row count of that ones is a
// factor the other side does not have (k·n·m against n·m): it is 1 there,
// as where nothing else fixes it, not a refusal.
TEST(Parser, ARowOfOnesInAKroneckerFactorReadsBack) {
  for (const char* text : {"kron(wH, x'*(inv0 .* r*xx')*A)*x - kron(B, I)*yx", "kron(wH, x'*A)*x - kron(B, I)*yx",
                           "kron(B, I)*yx + kron(wH, (x'*v)*A)*x"}) {
    Arena arena;
    Id t = parse(arena, text);
    std::string printed = toText(arena, t);
    EXPECT_EQ(parse(arena, printed), t) << text << " prints as " << printed;
  }
  Arena arena;
  Id t = parse(arena, "kron(wH, x'*A)*x - kron(B, I)*yx");
  Id ones = parse(arena, "kron(wH, ones'*A)*x - kron(B, I)*yx");  // another term, the same shape
  EXPECT_EQ(arena.shape(ones), arena.shape(t));
  EXPECT_NE(ones, t);
}

// Found by fuzz_expression: `d(1 - 0'*I)*zetaA` holds an n×n ones, printed
// `d(ones)*zetaA`, which read back with a row of ones: another term. The text
// form writes a row of ones as ones', so an unprimed ones whose rows nothing
// fixes is refused, not read as a row (the gradient of sum(X*Y) by X, printed
// ones*Y', has an n×p ones whose n is X's, and X is not in it).
TEST(Parser, AnUnprimedOnesWhoseRowsNothingFixesIsRefused) {
  // Nor 1 by taking a column before it as a matrix: (ones'*v)*ones is a
  // scalar times ones (n - n - x'*n.^8 printed so, and read back as 1×1).
  for (const char* text : {"ones*x", "ones*Y'", "d(ones)*zetaA", "ones*x'", "(ones'*x)*ones", "-(ones'*(x .* n.^8))*ones"})
    EXPECT_NE(shapeError(text).find("the size of 'ones' cannot be inferred"), std::string::npos) << text;
  Arena arena;
  Id t = parse(arena, "d(1 - 0'*I)*zetaA");
  EXPECT_EQ(arena.shape(t), arena.shape(parse(arena, "zetaA")));
  EXPECT_THROW(parse(arena, toText(arena, t)), Error);  // the size of its ones is not in the text
  Id broadcast = parse(arena, "n - n - x'*n.^8");
  EXPECT_EQ(arena.shape(broadcast), arena.shape(parse(arena, "n")));
  EXPECT_THROW(parse(arena, toText(arena, broadcast)), Error);
  // Rows fixed by what ones stands beside, or a row written ones': read as
  // before. (d(E0^2 - pX'*anI)*X printed as (d(E0^2) - d((anI'*pX)*ones))*X,
  // read back with its ones a broadcast 1×1, since a product stood beside it.)
  for (const char* text : {"ones'*x", "x'*A*ones", "tr(ones*exp(X))", "(ones'*x)*A", "X + ones", "ones'*X*w", "d(E0^2 - pX'*anI)*X"}) {
    Arena fresh;
    Id u = parse(fresh, text);
    EXPECT_EQ(parse(fresh, toText(fresh, u)), u) << text;
  }
}

// Beside an operand that cannot be a scalar, one sized only by free
// dimensions of ones is a broadcast scalar: in nj - x'*A*ones the ones is a
// column, and in nj - ones'*v a row (not an n×n matrix: the same numbers,
// but the text form prints a broadcast scalar so and must read it back).
TEST(Parser, AnOperandSizedOnlyByOnesBesideAVectorIsAScalar) {
  Arena arena;
  Id nj = parse(arena, "nj");
  for (const char* text : {"nj - x'*A*ones", "nj - exp(x'*A*ones)", "nj .* (x'*A*ones)", "(x'*A*ones) - nj", "nj - ones'*v"}) {
    Id t = parse(arena, text);
    EXPECT_EQ(arena.shape(t), arena.shape(nj)) << text;
  }
  EXPECT_EQ(toText(arena, parse(arena, "nj - x'*A*ones")), "nj - ones'*A'*x");  // (x'*A*ones)*ones, broadcast
  EXPECT_THROW(parse(arena, "nj - x'*A"), Error);  // a 1×n row and an n×1 column: no free dimension
  EXPECT_EQ(arena.shape(parse(arena, "X + ones")), arena.shape(parse(arena, "X")));  // a bare ones takes X's size
  EXPECT_EQ(toText(arena, parse(arena, "nj - ones'*v")), "nj - ones'*v");
}

TEST(Canonical, SumsAndProductsAreFlattenedSortedAndFolded) {
  Arena arena;
  EXPECT_TRUE(same("B + A", "A + B"));
  EXPECT_TRUE(same("(A + B) + C", "A + (B + C)"));
  EXPECT_TRUE(same("2*3*A", "6*A"));
  EXPECT_TRUE(same("A*(2*B)", "2*(A*B)"));
  EXPECT_TRUE(same("(alpha*A) .* B", "alpha*(B .* A)"));
  EXPECT_TRUE(same("A - A*0", "A"));
  EXPECT_TRUE(same("(A*B)*C", "A*(B*C)"));
  EXPECT_FALSE(same("A*B", "B*A"));  // not commutative
  EXPECT_EQ(toText(arena, parse(arena, "-y + X*w")), "X*w - y");
  EXPECT_TRUE(same("2*X + 3*X - A", "5*X - A"));  // like terms combine
  EXPECT_TRUE(same("X - X", "0*X"));
  EXPECT_TRUE(same("X + 1", "X + ones"));  // a scalar in a matrix sum is broadcast
  EXPECT_TRUE(same("X ./ 2", "1/2*X"));
}

TEST(Printer, Latex) {
  Arena arena;
  EXPECT_EQ(latex("A'*B*C"), "A^\\top B C");
  EXPECT_EQ(latex("<A, B .* C>"), "\\left\\langle A, B \\odot C\\right\\rangle");
  EXPECT_EQ(latex("inv(Sigma) - 1/2*X"), "\\Sigma^{-1} - \\frac{1}{2} X");
  EXPECT_EQ(latex("logdet(X) + det(X)"), "\\det\\left(X\\right) + \\log\\det\\left(X\\right)");
  EXPECT_EQ(latex("norm2(x) + norm2(X) + tr(W1)"),
            "\\operatorname{tr}\\left(W_{1}\\right) + \\left\\|X\\right\\|_F + \\left\\|x\\right\\|_2");
  EXPECT_EQ(latex("X + 2"), "X + 2 \\mathbf{1}");  // a broadcast scalar is explicit
  EXPECT_EQ(latex("ones'*x"), "\\mathbf{1}^\\top x");   // a row of ones is 1 transposed
  EXPECT_EQ(latex("(1 - y)'*x"), "\\left(\\mathbf{1}^\\top - y^\\top\\right) x");
}

TEST(Printer, NumpySizesIdentityFromAVariable) {
  Arena arena;
  EXPECT_EQ(toNumpy(arena, parse(arena, "A + I")), "A + np.eye(A.shape[0])");
  EXPECT_EQ(toNumpy(arena, parse(arena, "x'*inv(A)*x")), "x.T @ np.linalg.inv(A) @ x");
  EXPECT_EQ(toNumpy(arena, parse(arena, "lambda*x")), "lambda_ * x");
  EXPECT_THROW(toNumpy(arena, parse(arena, "d(x)")), Error);
}

}  // namespace
}  // namespace matcalc
