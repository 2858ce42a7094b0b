// Properties of the normal form and its presentation on random expressions
// whose values are computed independently (expression_gen.hpp).
#include <regex>
#include <tuple>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "expression_gen.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

using testing::ExpressionGen;

struct Sampled {
  Arena arena;
  RuleSet rules;
  ExpressionGen gen;
  testing::Sample sample;
  Id term = 0;
  Sampled() : gen([](long lo, long hi) { return *rc::gen::inRange<long>(lo, hi + 1); }) {
    rules.loadDirectory(arena, MATCALC_RULES_DIR);
    sample = gen.generate(static_cast<ExpressionGen::Sort>(*rc::gen::inRange(0, 3)), *rc::gen::inRange(0, 4));
    term = parse(arena, sample.text);
  }
  Matrix<double> value(Id t) {
    Bindings<double> b;
    for (const auto& [name, v] : gen.variables())
      if (const Symbol* s = arena.findSymbol(name, 0)) b.bind(arena, arena.symbol(name, s->kind, s->shape, 0), v);
    return evaluate(arena, t, b);
  }
};

bool close(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return testing::closeEnough(a, b, 1e-7); }

// A term and what it was simplified to agree at random points.
void expectSameValue(const Arena& arena, Id original, Id shown) {
  NumericCheck n = compareNumerically(arena, original, shown, 4, 3);
  EXPECT_GT(n.points, 0) << toText(arena, original);
  EXPECT_LT(n.maxError, 1e-9) << toText(arena, original) << " vs " << toText(arena, shown);
}

RC_GTEST_PROP(NormalForm, KeepsTheValue, ()) {
  Sampled s;
  SimplifyResult r = simplify(s.arena, s.rules, s.term);
  RC_LOG() << s.sample.text << "  ->  " << toText(s.arena, r.normal);
  RC_ASSERT(close(s.value(r.normal), s.sample.value));
}

RC_GTEST_PROP(NormalForm, IsIdempotent, ()) {
  Sampled s;
  Id once = simplify(s.arena, s.rules, s.term).normal;
  RC_LOG() << s.sample.text << "  ->  " << toText(s.arena, once);
  RC_ASSERT(simplify(s.arena, s.rules, once).normal == once);
}

RC_GTEST_PROP(NormalForm, PresentationKeepsTheValue, ()) {
  Sampled s;
  SimplifyResult r = simplify(s.arena, s.rules, s.term);
  RC_LOG() << toText(s.arena, r.normal) << "  shown as  " << toText(s.arena, r.display);
  RC_ASSERT(close(s.value(r.display), s.sample.value));
}

RC_GTEST_PROP(NormalForm, EveryStepNamesARuleAndKeepsTheValue, ()) {
  Sampled s;
  SimplifyResult r = simplify(s.arena, s.rules, s.term, {}, {}, true);
  for (const Step& step : r.derivation.stages[0].steps) {
    RC_ASSERT(s.rules.find(step.rule->name) == step.rule);
    RC_ASSERT(close(s.value(step.term), s.sample.value));
  }
}

// The standard rules and terms parsed in one session (a name has one shape).
struct Parsed {
  explicit Parsed(std::initializer_list<const char*> sources) {
    rules.loadDirectory(arena, MATCALC_RULES_DIR);
    ParseSession session(arena);
    for (const char* source : sources) session.add(source);
    t = session.finish();
  }
  Arena arena;
  RuleSet rules;
  std::vector<Id> t;
};

TEST(Equivalence, TraceCyclicityIsDecidedByNormalForm) {
  Parsed p({"tr(A*B*C)", "tr(C*A*B)", "tr(B*A*C)"});
  auto& [arena, rules, t] = p;
  Id a = simplify(arena, rules, t[0]).normal, b = simplify(arena, rules, t[1]).normal, c = simplify(arena, rules, t[2]).normal;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // not a rotation: must not be identified
}

TEST(Equivalence, RationalIdentitiesAreDecidedByExactEvaluation) {
  // A Cayley transform's factors commute: rational, and no rule relates
  // the sides (the push-through rules need the same factor outside).
  Parsed p({"(I - C)*inv(I + C)", "inv(I + C)*(I - C)", "(I + C)*inv(I - C)", "det(A*B)", "det(A)*det(B)", "exp(y)",
            "exp(y) .* (ones + 0*y)", "inv(I + P*Q*R)*P", "P*inv(I + Q*R*P)"});
  auto& [arena, rules, t] = p;
  Equivalence cayley = decideEquivalence(arena, rules, t[0], t[1]);
  EXPECT_EQ(cayley.verdict, Equivalence::Verdict::Equal);
  EXPECT_EQ(cayley.method, Equivalence::Method::Exact);
  EXPECT_EQ(cayley.points, 15);
  EXPECT_LT(cayley.falsePassBound, 1e-20);
  Equivalence wrong = decideEquivalence(arena, rules, t[0], t[2]);
  EXPECT_EQ(wrong.verdict, Equivalence::Verdict::Different);
  EXPECT_EQ(wrong.method, Equivalence::Method::Exact);
  Equivalence product = decideEquivalence(arena, rules, t[3], t[4]);  // A, B square: rules decide it
  EXPECT_EQ(product.verdict, Equivalence::Verdict::Equal);
  Equivalence exp = decideEquivalence(arena, rules, t[5], t[6]);
  EXPECT_EQ(exp.method, Equivalence::Method::NormalForm);
  // The push-through identity with a product of two for B (eq. 167): one normal form.
  Equivalence pushThrough = decideEquivalence(arena, rules, t[7], t[8]);
  EXPECT_EQ(pushThrough.verdict, Equivalence::Verdict::Equal);
  EXPECT_EQ(pushThrough.method, Equivalence::Method::NormalForm);
}

// A Kronecker product of four factors is 1296 wide at sizes up to 6, past
// the exact evaluator's bound: it draws the sizes again from 1 and 2 rather
// than leave the sides to floating point (where an expanded power cancels).
TEST(Equivalence, WideKroneckerProductsAreComparedExactlyAtSmallerSizes) {
  Parsed p({"kron(kron(kron(A, B), C), D)*(tr(E) + 1)^2", "kron(kron(kron(A, B), C), D)*(tr(E)^2 + 2*tr(E) + 1)",
            "kron(kron(kron(A, B), C), D)*(tr(E)^2 + 3*tr(E) + 1)"});
  auto& [arena, rules, t] = p;
  Equivalence same = compareExactly(arena, t[0], t[1]);
  EXPECT_EQ(same.method, Equivalence::Method::Exact);
  EXPECT_EQ(same.verdict, Equivalence::Verdict::Equal);
  Equivalence other = compareExactly(arena, t[0], t[2]);
  EXPECT_EQ(other.method, Equivalence::Method::Exact);
  EXPECT_EQ(other.verdict, Equivalence::Verdict::Different);
}

// An identity can hold at some sizes only. Random sizes from 1 to 6 gave B
// (here B + A .* (1 + I)) the size 1 at all three draws of a seed, and C*B
// and B*C were called equal (found by proptests/random_equivalences.py): the
// first draw now takes every dimension at its largest, the second one less.
TEST(Equivalence, IdentitiesThatHoldAtSomeSizesOnlyAreDifferent) {
  Parsed p({"(B + A .* (1 + I))*X*P*beta*Q", "X*P*beta*Q*(B + A .* (1 + I))", "det(-C)", "det(C)", "sum(x.^0)*y",
            "sum(y.^0)*y"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i < t.size(); i += 2) {
    Equivalence e = decideEquivalence(arena, rules, t[i], t[i + 1]);
    EXPECT_EQ(e.verdict, Equivalence::Verdict::Different) << toText(arena, t[i]) << " vs " << toText(arena, t[i + 1]);
    EXPECT_EQ(e.method, Equivalence::Method::Exact);
  }
}

// Elementwise functions at 0 fold to their values, and an argument without
// transposes is not flipped: exp(0*x) is no longer shown as exp(zeros)'.
TEST(Simplify, ElementwiseFunctionsAtZeroFold) {
  Parsed p({"exp(0*x) .* y", "sigmoid(0*x)", "tanh(x - x) + cosh(0)*y", "log(1)*y + sqrt(0*y)", "exp(0*x)"});
  auto& [arena, rules, t] = p;
  const char* expected[] = {"y", "1/2*ones", "y", "zeros", "ones"};
  for (std::size_t i = 0; i < t.size(); ++i) {
    SimplifyResult r = simplify(arena, rules, t[i]);
    EXPECT_EQ(toText(arena, r.display), expected[i]) << toText(arena, t[i]);
    expectSameValue(arena, t[i], r.display);
  }
  EXPECT_EQ(toText(arena, t[4]), "exp(zeros)");
}

// A number to a small integer power folds (2^3 is 8) only while the result
// stays moderate (4096 bits): folded eight times, 99722^12^42^12^42^12^42^12^42 had
// hundreds of millions of digits, computed past any deadline. The result is
// a power of a folded number, equal to 99722^(12^4*42^4), and reads back.
TEST(Simplify, NumberPowersFoldWhileTheyStayModerate) {
  Parsed p({"99722^12^42^12^42^12^42^12^42", "2^3", "(2/3)^-5"});
  auto& [arena, rules, t] = p;
  Id r = simplify(arena, rules, t[0]).normal;
  ASSERT_EQ(arena.kind(r), Kind::Pow) << toText(arena, r);
  Id base = arena.kids(r)[0], exponent = arena.kids(r)[1];
  ASSERT_EQ(arena.kind(base), Kind::Number);
  ASSERT_EQ(arena.kind(exponent), Kind::Number);
  mpz_class total, folded;  // 99722^total = base^exponent, base = 99722^folded
  mpz_ui_pow_ui(total.get_mpz_t(), 12 * 42, 4);
  mpq_class e = arena.numberOf(exponent);
  ASSERT_EQ(e.get_den(), 1);
  ASSERT_EQ(total % e.get_num(), 0);
  folded = total / e.get_num();
  ASSERT_TRUE(folded.fits_ulong_p());
  mpz_class expected;
  mpz_ui_pow_ui(expected.get_mpz_t(), 99722, folded.get_ui());
  EXPECT_EQ(arena.numberOf(base), mpq_class(expected));
  EXPECT_LE(mpz_sizeinbase(expected.get_mpz_t(), 2), std::size_t{1} << 12);
  EXPECT_EQ(parse(arena, toText(arena, r)), r);
  EXPECT_EQ(toText(arena, t[1]), "8");
  EXPECT_EQ(arena.numberOf(t[2]), mpq_class(243, 32));
}

// Found by fuzz_expression: 99/2127/(212^42)^11/(211972^7)^8 made a number
// of 4 500 bits, whose reciprocal stayed a power N^-1 (past the fold's
// bound) and printed as 33/N, which reads back as the number 33/N: one text,
// two terms. The reciprocal of a number, as long as the number, is folded.
TEST(Simplify, TheReciprocalOfALongNumberIsANumber) {
  Parsed p({"99^1/2127^1/212^42^11/211972^7^8", "1/(3^3000)", "3^-3000"});
  auto& [arena, rules, t] = p;
  EXPECT_EQ(arena.kind(t[0]), Kind::Number) << toText(arena, t[0]).substr(0, 80);
  EXPECT_EQ(parse(arena, toText(arena, t[0])), t[0]);
  // 3^3000 has 4 755 bits: it stays a power, and so does its reciprocal.
  EXPECT_EQ(t[1], t[2]);
  EXPECT_EQ(arena.kind(t[2]), Kind::Pow);
  EXPECT_EQ(parse(arena, toText(arena, t[2])), t[2]);
  Id n = parse(arena, toText(arena, t[0]).substr(3));  // the 4 500-bit denominator, written out
  ASSERT_EQ(arena.kind(n), Kind::Number);
  EXPECT_EQ(arena.kind(parse(arena, "1/" + toText(arena, n))), Kind::Number);
}

// kron distributes over sums in normal forms, as products do, so both
// spellings meet; shown, the sums are collected back inside the kron.
TEST(Equivalence, KronOfSumsHasOneNormalForm) {
  Parsed p({"kron(A, I)*x + kron(A', I)*x", "kron(A + A', I)*x", "kron(A, C) + kron(A, D) + kron(B, C) + kron(B, D)",
            "kron(A + B, C + D)", "2*kron(A, C) - kron(B, C)"});
  auto& [arena, rules, t] = p;
  SimplifyResult first = simplify(arena, rules, t[0]), second = simplify(arena, rules, t[1]);
  EXPECT_EQ(first.normal, second.normal);
  EXPECT_EQ(toText(arena, first.display), "kron(A + A', I)*x");
  SimplifyResult expanded = simplify(arena, rules, t[2]), product = simplify(arena, rules, t[3]);
  EXPECT_EQ(expanded.normal, product.normal);
  EXPECT_EQ(toText(arena, expanded.display), "kron(A + B, C + D)");
  SimplifyResult scaled = simplify(arena, rules, t[4]);
  EXPECT_EQ(toText(arena, scaled.display), "kron(2*A - B, C)");
  for (Id term : t) expectSameValue(arena, term, simplify(arena, rules, term).display);
}

// The normal form distributes (A + B)*S before det or inv can split the
// product; equiv also compares the sides simplified without expanding.
TEST(Equivalence, ProductsUnderDetAndInvAreComparedUnexpanded) {
  Parsed p({"det((A + B)*sin(C))", "det(sin(C))*det(A + B)", "inv(sin(A)*(B + C))", "inv(B + C)*inv(sin(A))",
            "det(sin(C))*det(A - B)"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i + 1 < 4; i += 2) {
    Equivalence e = decideEquivalence(arena, rules, t[i], t[i + 1]);
    EXPECT_EQ(e.verdict, Equivalence::Verdict::Equal) << toText(arena, t[i]);
    EXPECT_EQ(e.method, Equivalence::Method::NormalForm);
    EXPECT_EQ(e.detail.rfind("one form simplified without expanding", 0), 0u) << e.detail;
  }
  EXPECT_EQ(decideEquivalence(arena, rules, t[0], t[4]).verdict, Equivalence::Verdict::Different);
}

// det((C + C)*cos(C)) is det(2*C*cos(C)): the product splits with the scalar
// kept on its first factor.
TEST(Equivalence, AScaledProductUnderDetSplits) {
  Parsed p({"det((C + C)*cos(C))", "det(cos(C))*det(C + C)", "det(2*A*B*C)", "det(2*A)*det(B)*det(C)"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i < t.size(); i += 2)
    EXPECT_EQ(normalForm(arena, rules, t[i]), normalForm(arena, rules, t[i + 1])) << toText(arena, t[i]);
}

// (C - A)*(C' - A) is symmetric where A is: a symmetric factor stands for its
// own transpose, and sums are transposes term by term (random_equivalences.py
// found inv(X + M*M' + 4*I)' and inv(X + M*M' + 4*I) unproven with spd(A)).
TEST(Equivalence, SymmetryIsSeenThroughSumsWithSymmetricTerms) {
  Parsed p({"inv(X + (cos(B) - A)*(cos(B) - A)' + 4*I)'", "inv(X + (cos(B) - A)*(cos(B) - A)' + 4*I)"});
  auto& [arena, rules, t] = p;
  std::vector<GuardUse> assumed;
  for (Id v : variablesOf(arena, t[0])) {
    if (arena.symbolOf(v).name == "X") assumed.push_back({Guard::Symmetric, v});
    if (arena.symbolOf(v).name == "A") assumed.push_back({Guard::Spd, v});
  }
  ASSERT_EQ(assumed.size(), 2u);
  EXPECT_EQ(normalForm(arena, rules, t[0], assumed), normalForm(arena, rules, t[1], assumed));
  EXPECT_NE(normalForm(arena, rules, t[0], {assumed[1]}), normalForm(arena, rules, t[1], {assumed[1]}));  // X unsymmetric
}

// f(C) entry by entry, expm(C), C ./ D of symmetric C and D are symmetric, so
// their transposes go (random_equivalences.py: det(C' + inv(tanh(C))) for
// spd C kept inv(tanh(C))'); expm, logm, sqrtm and sin of a diagonal matrix
// are diagonal.
TEST(Equivalence, SymmetryIsSeenThroughEntrywiseAndMatrixFunctions) {
  Parsed p({"inv(tanh(C))'", "inv(tanh(C))", "(C ./ (1 + C.^2))'", "C ./ (1 + C.^2)", "expm(C)'*B", "expm(C)*B",
            "logm(D)'*sin(D)'*B", "logm(D)*sin(D)*B", "exp(C)'", "exp(C)"});
  auto& [arena, rules, t] = p;
  Id c = kNoId, d = kNoId;
  for (Id v : variablesOf(arena, t[0])) c = v;
  for (Id v : variablesOf(arena, t[6]))
    if (arena.symbolOf(v).name == "D") d = v;
  ASSERT_NE(d, kNoId);
  std::vector<GuardUse> symmetric{{Guard::Symmetric, c}, {Guard::Diagonal, d}};
  for (std::size_t i = 0; i < 8; i += 2)
    EXPECT_EQ(normalForm(arena, rules, t[i], symmetric), normalForm(arena, rules, t[i + 1], symmetric)) << toText(arena, t[i]);
  EXPECT_NE(normalForm(arena, rules, t[0]), normalForm(arena, rules, t[1]));  // C unsymmetric
  EXPECT_NE(normalForm(arena, rules, t[8]), normalForm(arena, rules, t[9]));
  Id diag = parse(arena, "sin(D)"), notDiag = parse(arena, "cos(D)"), fn = parse(arena, "logm(D)");
  Facts facts;
  assume(arena, facts, Guard::Diagonal, d);
  EXPECT_TRUE(isDiagonal(arena, diag, facts));
  EXPECT_TRUE(isDiagonal(arena, fn, facts));
  EXPECT_FALSE(isDiagonal(arena, notDiag, facts));  // cos(0) = 1 off the diagonal
  EXPECT_TRUE(isSymmetric(arena, notDiag, facts));
}

// x'*S*y = y'*S*x for a symmetric S: one order (random_equivalences.py found
// tr(D*(x*sin(y)')) and its transposed twin unproven for a diagonal D).
TEST(Equivalence, ABilinearFormOfASymmetricMatrixHasOneOrder) {
  Parsed p({"x'*S*y", "y'*S*x", "tr(S*(x*sin(y)'))", "tr(S*(x*sin(y)')')", "x'*A*S*A'*y", "y'*A*S*A'*x"});
  auto& [arena, rules, t] = p;
  Id s = kNoId;
  for (Id v : variablesOf(arena, t[0]))
    if (arena.symbolOf(v).name == "S") s = v;
  ASSERT_NE(s, kNoId);
  for (Guard fact : {Guard::Symmetric, Guard::Diagonal, Guard::Spd}) {
    std::vector<GuardUse> assumed{{fact, s}};
    for (std::size_t i = 0; i < t.size(); i += 2)
      EXPECT_EQ(normalForm(arena, rules, t[i], assumed), normalForm(arena, rules, t[i + 1], assumed)) << toText(arena, t[i]);
  }
  EXPECT_NE(normalForm(arena, rules, t[0]), normalForm(arena, rules, t[1]));  // S unsymmetric
}

// A matrix function commutes with its argument and its powers: one order.
TEST(Equivalence, AMatrixFunctionCommutesWithItsArgument) {
  Parsed p({"sqrtm(A)*A", "A*sqrtm(A)", "Y*expm(X)*X^3", "Y*X^3*expm(X)", "logm(A)*A*B", "A*logm(A)*B", "expm(X)*Y",
            "Y*expm(X)"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i + 2 < t.size(); i += 2)
    EXPECT_EQ(normalForm(arena, rules, t[i]), normalForm(arena, rules, t[i + 1])) << toText(arena, t[i]);
  EXPECT_NE(normalForm(arena, rules, t[6]), normalForm(arena, rules, t[7]));  // Y is not X
}

// A short power of a product is the product written out, and its text
// folds the repeats back (random_equivalences.py found (P*Q)^3 against
// P*Q*P*Q*P*Q, tr((P*Q)^2) against tr((Q*P)^2) and (x*y')^3 unproven).
TEST(Equivalence, APowerOfAProductIsTheProductWrittenOut) {
  Parsed p({"(P*Q)^3", "P*Q*P*Q*P*Q", "tr((P*Q)^2)", "tr((Q*P)^2)", "P*(Q*P)^2", "(P*Q)^2*P", "(x*y')^3",
            "(x*y')*(x*y')*(x*y')", "(P*Q)^17", "(P*Q)^16*P*Q", "(P*Q)^2", "(Q*P)^2"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i + 4 < t.size(); i += 2) {
    EXPECT_EQ(t[i], t[i + 1]) << toText(arena, t[i]);  // the constructors decide it
    EXPECT_EQ(parse(arena, toText(arena, t[i])), t[i]) << toText(arena, t[i]);
  }
  EXPECT_EQ(toText(arena, t[1]), "(P*Q)^3");
  EXPECT_EQ(toText(arena, t[4]), "(P*Q)^2*P");
  EXPECT_EQ(toText(arena, t[6]), "(x'*y)^2*x*y'");
  // Past 32 factors the power stays a power: another term, equal all the same.
  EXPECT_NE(t[8], t[9]);
  EXPECT_EQ(toText(arena, t[8]), "(P*Q)^17");
  EXPECT_EQ(parse(arena, toText(arena, t[9])), t[9]);
  EXPECT_NE(normalForm(arena, rules, t[10]), normalForm(arena, rules, t[11]));  // P*Q is not Q*P
}

// tr(X*M') = tr(X*M) where X is symmetric (or diagonal): one normal form
// (random_equivalences.py found tr(X*cosh(A)) and tr(X*cosh(A)') unproven).
TEST(Equivalence, TraceWithASymmetricFactorIgnoresTheOthersTranspose) {
  Parsed p({"tr(X*cosh(A))", "tr(X*cosh(A)')", "tr(cosh(A)'*X)", "tr(X*(B .* cos(A))')", "tr(X*(B .* cos(A)))"});
  auto& [arena, rules, t] = p;
  Id x = variablesOf(arena, t[0])[0];
  ASSERT_EQ(arena.symbolOf(x).name, "X");
  for (Guard fact : {Guard::Symmetric, Guard::Diagonal, Guard::Spd}) {
    std::vector<GuardUse> assumed{{fact, x}};
    Id normal = normalForm(arena, rules, t[0], assumed);
    EXPECT_EQ(normalForm(arena, rules, t[1], assumed), normal) << static_cast<int>(fact);
    EXPECT_EQ(normalForm(arena, rules, t[2], assumed), normal) << static_cast<int>(fact);
    EXPECT_EQ(normalForm(arena, rules, t[3], assumed), normalForm(arena, rules, t[4], assumed)) << static_cast<int>(fact);
  }
  EXPECT_NE(normalForm(arena, rules, t[0]), normalForm(arena, rules, t[1]));  // not without the assumption
}

// sum(A ⊗ B) = sum(A)*sum(B) also where kron distributed over a sum first and
// the sums of entries became contractions with ones (random_equivalences.py:
// sum(kron(sin(A), b + c)) was "not proven" against the product of sums).
TEST(Equivalence, SumOfKronOfSumsHasOneNormalForm) {
  Parsed p({"sum(kron(sin(A), B + C))", "sum(sin(A))*sum(B) + sum(C)*sum(sin(A))", "sum(kron(sin(a), b + c))",
            "sum(sin(a))*sum(b + c)", "sum(kron(sin(A), b + c))", "sum(b)*sum(sin(A)) + sum(sin(A))*sum(c)"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i < t.size(); i += 2)
    EXPECT_EQ(normalForm(arena, rules, t[i]), normalForm(arena, rules, t[i + 1])) << toText(arena, t[i]);
}

// A transposed product is written as its factors' transposes, so a pattern
// A' (A a product variable) matches a reversed run of transposes, bound or
// not: inv(X*A*B)' cancels against B'*A'*X' on either side.
TEST(Simplify, TransposedProductVariablesMatchRunsOfTransposes) {
  Parsed p({"C*inv(X*A*B)'*B'*A'*X'*D", "C*B'*A'*X'*inv(X*A*B)'*D", "C*D", "inv(X*A*B)'*B'*A'"});
  auto& [arena, rules, t] = p;
  for (Id term : {t[0], t[1]}) {
    SimplifyResult r = simplify(arena, rules, term);
    EXPECT_EQ(r.normal, simplify(arena, rules, t[2]).normal) << toText(arena, term);
    expectSameValue(arena, term, r.display);
  }
  EXPECT_EQ(toText(arena, simplify(arena, rules, t[3]).display), "inv(X*A*B)'*B'*A'");  // no run to cancel
}

// A sum of a matrix and its transpose is symmetric, so its inverse is its
// own transpose: inv(X + X')' is inv(X + X'), and the gradient of
// log(det(X + X')) is 2*inv(X + X') (was t1 + t1' with t1 = inv(X + X')).
TEST(Symmetry, SumsOfTransposePairsAreSymmetric) {
  Parsed p({"X + X'", "A*B + B'*A'", "2*X .* X' + I", "X + 2*X'", "A*B + A'*B'", "log(det(X + X'))"});
  auto& [arena, rules, t] = p;
  Facts none;
  EXPECT_TRUE(isSymmetric(arena, t[0], none));
  EXPECT_TRUE(isSymmetric(arena, t[1], none));
  EXPECT_TRUE(isSymmetric(arena, t[2], none));
  EXPECT_FALSE(isSymmetric(arena, t[3], none));
  EXPECT_FALSE(isSymmetric(arena, t[4], none));  // A*B + (B*A)'
  for (Id s : {t[0], t[1], t[3], t[4]}) {  // symmetric exactly when the transpose is the same term
    EXPECT_EQ(isSymmetric(arena, s, none), arena.transpose(s) == s) << toText(arena, s);
  }
  Id x = arena.symbol("X", VarKind::Matrix, arena.shape(t[0]));
  GradientResult g = gradient(arena, rules, t[5], x);
  EXPECT_EQ(toText(arena, g.display), "2*inv(X + X')");
  NumericCheck c = checkGradient(arena, t[5], x, g.display, 4, 5);
  EXPECT_GT(c.points, 0);
  EXPECT_LT(c.maxError, 1e-6);
}

// An exact counterexample of a high power has thousands of digits per entry:
// it is shown by its first differing entry and the first digits of each.
TEST(Equivalence, AnExactCounterexampleStaysReadable) {
  Parsed p({"X^1777*kron(A, B)", "kron(A, B)*X^1777"});
  auto& [arena, rules, t] = p;
  Equivalence e = decideEquivalence(arena, rules, t[0], t[1]);
  EXPECT_EQ(e.verdict, Equivalence::Verdict::Different);
  ASSERT_EQ(e.method, Equivalence::Method::Exact);
  EXPECT_FALSE(std::regex_search(e.detail, std::regex("[0-9]{25}"))) << e.detail.substr(0, 400);
  EXPECT_NE(e.detail.find(" digits)"), std::string::npos) << e.detail.substr(0, 400);
}

// A counterexample is shown at small values (entries -2 to 2) where the
// sides differ there too, not at the 31-bit numbers that decided it.
TEST(Equivalence, ACounterexampleUsesSmallValues) {
  Parsed p({"(A + B)^2", "A^2 + 2*A*B + B^2", "inv(A*B)", "inv(A)*inv(B)", "det(A + B)", "det(A) + det(B)"});
  auto& [arena, rules, t] = p;
  for (std::size_t i = 0; i < t.size(); i += 2) {
    Equivalence e = decideEquivalence(arena, rules, t[i], t[i + 1]);
    EXPECT_EQ(e.verdict, Equivalence::Verdict::Different) << e.detail;
    ASSERT_EQ(e.method, Equivalence::Method::Exact);
    std::string point = e.detail.substr(0, e.detail.find(": "));  // "at X = [...], Y = [...]"
    ASSERT_NE(point.find(" = ["), std::string::npos) << e.detail;
    static const std::regex number("-?[0-9]+");
    for (auto it = std::sregex_iterator(point.begin(), point.end(), number); it != std::sregex_iterator(); ++it)
      EXPECT_LE(std::abs(std::stol(it->str())), 2) << e.detail;
  }
}

TEST(Equivalence, UndefinedIsNotZero) {
  Arena arena;
  for (const char* t : {"0/0", "x'*x/0", "(x - x) ./ (y - y)", "inv(zeros*A)"}) {
    try {
      parse(arena, t);
      ADD_FAILURE() << t << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.category(), Error::Category::Domain) << t;
      EXPECT_NE(std::string(e.what()).find("division by zero"), std::string::npos) << e.what();
    }
  }
}

// Reverse mode written as rules: the gradient of an L-layer network has O(L)
// distinct nodes, and is right.
TEST(Gradient, DeepNetworksHaveLinearSizeGradients) {
  std::vector<std::size_t> sizes;
  for (int layers : {8, 16, 32}) {
    Arena arena;
    RuleSet rules;
    rules.loadDirectory(arena, MATCALC_RULES_DIR);
    std::string net = "x";
    for (int i = 1; i <= layers; ++i) net = "tanh(W" + std::to_string(i) + "*" + net + ")";
    Id f = parse(arena, "norm2(V*" + net + " - y)^2");
    const Symbol* s = arena.findSymbol("W1", 0);
    Id w1 = arena.symbol(s->name, s->kind, s->shape, 0);
    GradientResult g = gradient(arena, rules, f, w1);
    sizes.push_back(dagSize(arena, g.display));
    NumericCheck check = checkGradient(arena, f, w1, g.display, 3, 5);
    EXPECT_GE(check.points, 1);
    EXPECT_LE(check.maxError, kGradientTolerance) << layers << " layers: " << check.worst;
  }
  // The same number of nodes per layer from 8 to 16 layers as from 16 to 32.
  long perLayerLow = static_cast<long>(sizes[1] - sizes[0]) / 8, perLayerHigh = static_cast<long>(sizes[2] - sizes[1]) / 16;
  EXPECT_GT(perLayerLow, 0);
  EXPECT_LE(std::labs(perLayerHigh - perLayerLow), 1) << sizes[0] << " " << sizes[1] << " " << sizes[2];
}

// An isolation step takes the most a rule can off T: the constant run on
// each side of d(X) moves to G in one step, whatever its length.
TEST(Gradient, IsolationMovesAWholeRunInOneStep) {
  Parsed p({"a'*B*C*X*D*E*b", "x'*A*x"});
  auto& [arena, rules, t] = p;
  for (auto [f, name, steps] : {std::tuple{t[0], "X", 2u}, std::tuple{t[1], "x", 3u}}) {
    const Symbol* s = arena.findSymbol(name, 0);
    Id x = arena.symbol(s->name, s->kind, s->shape, 0);
    GradientResult g = gradient(arena, rules, f, x, {}, {}, true);
    ASSERT_EQ(g.derivation.stages.size(), 3u);
    EXPECT_EQ(g.derivation.stages[1].steps.size(), steps) << toText(arena, f);
    NumericCheck check = checkGradient(arena, f, x, g.display, 3, 5);
    EXPECT_GE(check.points, 1);
    EXPECT_LE(check.maxError, kGradientTolerance) << toText(arena, f);
  }
}

// The gradient by X of `text`, alone in its arena, checked at 10 points
// (5 at least defined) within `tolerance`; returns its printed form.
std::string expectCheckedGradientByX(const char* text, double tolerance) {
  Parsed p({text});
  auto& [arena, rules, t] = p;
  const Symbol* s = arena.findSymbol("X", 0);
  Id x = arena.symbol(s->name, s->kind, s->shape, 0);
  GradientResult g = gradient(arena, rules, t[0], x, {}, {}, false);
  NumericCheck check = checkGradient(arena, t[0], x, g.display, 10, 7);
  EXPECT_GE(check.points, 5) << text;
  EXPECT_LE(check.maxError, tolerance) << text << ": " << toText(arena, g.display);
  return toText(arena, g.display);
}

// logdet(M) of a compound M: its rule assumes spd(M), but the checks draw
// X, A independently, where X*A is not symmetric. The gradient must hold
// wherever det(M) > 0 (inv(M)'), not only where M is symmetric; a symmetric
// M keeps the symmetric form.
TEST(Gradient, LogdetOfACompoundUsesOnlySymmetryTheChecksDraw) {
  for (const char* text : {"logdet(X*A)", "logdet(A'*X*A)", "logdet(X*A*B) + tr(X*C)", "logdet(X'*X)", "logdet(inv(X*A*B))"})
    expectCheckedGradientByX(text, kGradientTolerance);
  EXPECT_EQ(expectCheckedGradientByX("logdet(X + A)", kGradientTolerance), "inv(A + X)");
}

// The check refuses wrong gradients, small or large, smooth or badly
// conditioned, and a skew part added to the gradient of logdet(X): its
// directions are unsymmetric though X is drawn spd, so G and G + (A - A')
// are told apart. Points are skipped only where doubles keep no digit.
TEST(Gradient, TheCheckRefusesWrongGradients) {
  const std::pair<const char*, const char*> wrong[] = {
      {"tr(X*X)", "X'"},
      {"tr(X*X)", "2*X' + 1/1000*X"},
      {"tr(inv(X))", "-inv(X)'"},
      {"logdet(X)", "inv(X) + A - A'"},
      {"tanh(tr(X))", "(1 - tanh(tr(X))^2)*I + 1/100000*X"},
      {"exp(tr(X*X))", "exp(tr(X*X))*X'"},
      {"tr(inv(X)^2)", "-2*(inv(X)^3)' + 1/10000*X"},
  };
  for (auto [f, g] : wrong) {
    Parsed p({f, g});
    auto& [arena, rules, t] = p;
    const Symbol* s = arena.findSymbol("X", 0);
    Id x = arena.symbol(s->name, s->kind, s->shape, 0);
    NumericCheck check = checkGradient(arena, t[0], x, t[1], 10, 7);
    EXPECT_GE(check.points, 5) << f;
    EXPECT_GT(check.maxError, kGradientTolerance) << f << ": " << g << " passed";
    // The right one passes.
    GradientResult right = gradient(arena, rules, t[0], x);
    EXPECT_LE(checkGradient(arena, t[0], x, right.display, 10, 7).maxError, kGradientTolerance) << f;
  }
}

// logdet(M) is log det M, defined where det M > 0: a point where det(A*X) < 0
// is outside the domain and drawn again. It was evaluated there as NaN, and
// sign(NaN) = 0 in the gradient of abs(logdet(A*X)) made a right answer fail.
TEST(Gradient, LogdetIsCheckedOnlyWhereTheDeterminantIsPositive) {
  for (const char* text : {"abs(logdet(A*X))", "abs(logdet(X*A*B))", "cos(logdet(X*A))"})
    expectCheckedGradientByX(text, kGradientTolerance);
}

// The gradient of det(X)*det(expm(X)) holds dexpm(X', c*expm(-X)') with c
// about 1e17 at the checks' points: refused as failing its check until the
// evaluator scaled E for the Fréchet derivative's block method. That of
// det(expm(X^3)) was refused because X^3 had X drawn with eigenvalues up to
// 16, where expm(X^3) keeps no digit: a whole power needs no such X, and a
// point where an exponential's argument is large is drawn again.
TEST(Gradient, MatrixFunctionsOfLargeDirectionsAreChecked) {
  for (const char* text : {"det(X)*det(expm(X))", "det(x'*x*X*expm(X))", "det(X*A)*tr(expm(X))", "det(expm(X^3))",
                           "tr(expm(X^3)*A)"})
    expectCheckedGradientByX(text, 1e-9);
}

TEST(Rewriter, BudgetsEndWithAClearError) {
  Arena arena;
  RuleSet rules;
  rules.loadDirectory(arena, MATCALC_RULES_DIR);
  // (A1 + B1)*...*(A8 + B8) expands to 256 products: more than a small budget allows.
  std::string text;
  for (int i = 1; i <= 8; ++i) text += std::string(i > 1 ? "*" : "") + "(A" + std::to_string(i) + " + B" + std::to_string(i) + ")";
  Id t = parse(arena, text);
  Budget small;
  small.maxNewNodes = 300;
  try {
    simplify(arena, rules, t, {}, small);
    ADD_FAILURE() << "the budget did not stop the expansion";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), Error::Category::Budget);
  }
}

}  // namespace
}  // namespace matcalc
