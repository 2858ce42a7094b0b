// Properties of parsing, canonicalisation, evaluation and printing, on random
// expressions whose reference values are computed independently.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <functional>
#include <set>

#include "expression_gen.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

using testing::ExpressionGen;

testing::Choose rapidcheckChoose() {
  return [](long lo, long hi) { return *rc::gen::inRange<long>(lo, hi + 1); };
}

ExpressionGen::Sort anySort() {
  return static_cast<ExpressionGen::Sort>(*rc::gen::inRange(0, 3));
}

Bindings<double> bind(Arena& arena, const ExpressionGen& gen) {
  Bindings<double> b;
  for (const auto& [name, value] : gen.variables())
    if (const Symbol* s = arena.findSymbol(name, 0)) {
      Id id = arena.symbol(name, s->kind, s->shape, 0);
      b.bind(arena, id, value);
    }
  return b;
}

bool close(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return testing::closeEnough(a, b, 1e-8); }

// Every dimension in the term is a dimension of one of its variables.
bool sizedByItsVariables(const Arena& a, Id t) {
  std::set<Dim> fixed{kOne}, used;
  std::function<void(Id)> walk = [&](Id u) {
    used.insert(a.shape(u).rows);
    used.insert(a.shape(u).cols);
    if (a.kind(u) == Kind::Symbol) {
      fixed.insert(a.shape(u).rows);
      fixed.insert(a.shape(u).cols);
    }
    for (Id k : a.kids(u)) walk(k);
  };
  walk(t);
  return std::includes(fixed.begin(), fixed.end(), used.begin(), used.end());
}

RC_GTEST_PROP(Terms, PrintThenParseGivesTheSameTerm, ()) {
  ExpressionGen gen(rapidcheckChoose());
  auto sample = gen.generate(anySort(), *rc::gen::inRange(0, 4));
  Arena arena;
  Id term = parse(arena, sample.text);
  std::string printed = toText(arena, term);
  RC_LOG() << sample.text << "  printed as  " << printed;
  if (sizedByItsVariables(arena, term)) {
    RC_ASSERT(parse(arena, printed) == term);
  } else {
    // (A - A)*x is zeros: once the variables cancel, no text carries the
    // size, and parsing must say so rather than guess.
    try {
      parse(arena, printed);
      RC_FAIL("'" + printed + "' parsed although its size cannot be inferred");
    } catch (const Error& e) {
      RC_ASSERT(std::string(e.what()).find("cannot be inferred") != std::string::npos);
    }
  }
}

RC_GTEST_PROP(Terms, CanonicalFormKeepsTheValue, ()) {
  ExpressionGen gen(rapidcheckChoose());
  auto sample = gen.generate(anySort(), *rc::gen::inRange(0, 4));
  Arena arena;
  Id term = parse(arena, sample.text);
  RC_LOG() << sample.text << "  ->  " << toText(arena, term);
  Matrix<double> value = evaluate(arena, term, bind(arena, gen));
  RC_ASSERT(close(value, sample.value));
}

// tr(H*R) = sum(H .* R') is explored over both operands of a Hadamard
// product: sum(A .* (B*C*B)) reached tr((B*C*B)'*A), whose inner product was
// merged as a cyclic word of its own (B'*C'*B' read as (B^2)'*C'), giving
// tr(C*B^2*A') for tr(ones*(A .* (B*C*B))); only a whole closed word is cyclic.
TEST(Terms, AClosedWordCombinesPowersOnlyAcrossItsOwnEnds) {
  Eigen::MatrixXd A(3, 3), B(3, 3), C(3, 3);
  A << 1, -2, 0.5, 0.3, 2, -1, 1.5, 0.2, -0.7;
  B << 2, 0.5, -1, 0.1, 1.2, 0.3, -0.4, 0.6, 1.8;
  C << -1, 0.4, 2, 1.1, -0.3, 0.9, 0.2, 1.7, -0.6;
  double want = A.cwiseProduct(B * C * B).sum();
  Eigen::MatrixXd iB = B.inverse(), E = iB.array().exp().matrix();
  double wantInverse = E.cwiseProduct(iB * C * iB).sum();
  for (const char* text : {"tr(ones*(A .* (B*C*B)))", "sum(A .* (B*C*B))", "<A, B*C*B>", "tr(ones*(A .* (B*C*B))) + tr(B) - tr(B)",
                           "tr(ones*(exp(inv(B)) .* (inv(B)*C*inv(B))))"}) {
    Arena arena;
    Id term = parse(arena, text);
    Bindings<double> b;
    for (auto [name, value] : {std::pair{"A", A}, std::pair{"B", B}, std::pair{"C", C}})
      if (const Symbol* s = arena.findSymbol(name, 0)) b.bind(arena, arena.symbol(name, s->kind, s->shape, 0), value);
    double expected = std::string(text).find("exp") != std::string::npos ? wantInverse : want;
    EXPECT_NEAR(evaluate(arena, term, b)(0, 0), expected, 1e-9 * std::abs(expected)) << text << " -> " << toText(arena, term);
  }
}

RC_GTEST_PROP(Terms, CanonicalisingIsIdempotent, ()) {
  // Rebuilding every node through the smart constructor changes nothing.
  ExpressionGen gen(rapidcheckChoose());
  auto sample = gen.generate(anySort(), *rc::gen::inRange(0, 4));
  Arena arena;
  Id term = parse(arena, sample.text);
  std::function<Id(Id)> rebuild = [&](Id t) -> Id {
    if (info(arena.kind(t)).form == Form::Leaf) return t;
    std::vector<Id> kids;
    for (Id k : arena.kids(t)) kids.push_back(rebuild(k));
    return arena.make(arena.kind(t), kids);
  };
  RC_ASSERT(rebuild(term) == term);
}

// Made one operand at a time, a sum or Hadamard product is the one made at
// once: growing takes the constructors' shortcut for a made node and a few
// new operands (extendSum, extendHadamard) wherever it applies; at once it cannot.
void checkGrownIsMadeAtOnce(Arena& arena, Kind kind, const std::vector<Id>& operands) {
  Id grown = operands[0];
  for (std::size_t i = 1; i < operands.size(); ++i) grown = arena.make(kind, {grown, operands[i]});
  Id atOnce = arena.make(kind, operands);
  RC_LOG() << toText(arena, grown) << "  vs  " << toText(arena, atOnce);
  RC_ASSERT(grown == atOnce);
  // A grown node's facts are found from the node it grew from (internGrown):
  // they are those of its operands, as for any node.
  if (arena.kids(grown).empty()) return;
  NodeFacts want{kindBit(arena.kind(grown)), 0, 0, 0, 1, 0};
  std::uint32_t maxHeight = 0;
  for (Id k : arena.kids(grown)) {
    const NodeFacts& f = arena.facts(k);
    want.kinds |= f.kinds;
    want.symbols |= f.symbols;
    want.depth = std::max(want.depth, f.depth + 1);
    maxHeight = std::max(maxHeight, f.height);
    want.treeSize += f.treeSize;
    want.transposes += f.transposes;
  }
  const NodeFacts& got = arena.facts(grown);
  RC_ASSERT(got.kinds == want.kinds);
  RC_ASSERT(got.symbols == want.symbols);
  RC_ASSERT(got.depth == want.depth);
  if (arena.kind(grown) == Kind::Add || arena.kind(grown) == Kind::Hadamard)
    RC_ASSERT(got.height == maxHeight + arena.kids(grown).size());
  RC_ASSERT(got.treeSize == want.treeSize);
  RC_ASSERT(got.transposes == want.transposes);
}

RC_GTEST_PROP(Terms, AHadamardProductGrownOneFactorAtATimeIsTheOneMadeAtOnce, ()) {
  ExpressionGen gen(rapidcheckChoose());
  Arena arena;
  parse(arena, "A + B + P + A*B + x*y'");  // the generator's variables, all n×n or n: parsed alone each would get sizes of its own
  std::vector<Id> factors;
  int count = *rc::gen::inRange(2, 10);
  for (int i = 0; i < count; ++i)
    factors.push_back(parse(arena, gen.generate(ExpressionGen::Sort::Matrix, *rc::gen::inRange(0, 3)).text));
  checkGrownIsMadeAtOnce(arena, Kind::Hadamard, factors);
}

RC_GTEST_PROP(Terms, ASumGrownOneTermAtATimeIsTheOneMadeAtOnce, ()) {
  // The same for sums (extendSum): like terms, constants and broadcast scalars included.
  ExpressionGen gen(rapidcheckChoose());
  Arena arena;
  parse(arena, "A + B + P + A*B + x*y'");
  auto sort = *rc::gen::element(ExpressionGen::Sort::Scalar, ExpressionGen::Sort::Matrix);
  std::vector<Id> terms;
  int count = *rc::gen::inRange(2, 10);
  for (int i = 0; i < count; ++i) {
    auto s = *rc::gen::element(sort, ExpressionGen::Sort::Scalar);  // a scalar in a matrix sum is broadcast
    terms.push_back(parse(arena, gen.generate(s, *rc::gen::inRange(0, 3)).text));
  }
  if (sort == ExpressionGen::Sort::Matrix) terms.push_back(parse(arena, "A"));  // the sum is a matrix
  checkGrownIsMadeAtOnce(arena, Kind::Add, terms);
  // Its transpose, which takes a shortcut for a made sum (transposeMadeSum).
  std::vector<Id> transposed;
  for (Id t : terms) transposed.push_back(arena.make(Kind::Transpose, {t}));
  RC_ASSERT(arena.make(Kind::Transpose, {arena.make(Kind::Add, terms)}) == arena.make(Kind::Add, transposed));
}

RC_GTEST_PROP(Terms, OperandsOfAMadeNodeInItsOrderAreMadeAsTheConstructorsWould, ()) {
  // makeRunOf interns a run the matcher bound without the general pass.
  ExpressionGen gen(rapidcheckChoose());
  Arena arena;
  parse(arena, "A + B + P + A*B + x*y'");
  Kind kind = *rc::gen::element(Kind::Add, Kind::Hadamard);
  auto sort = kind == Kind::Add ? *rc::gen::element(ExpressionGen::Sort::Scalar, ExpressionGen::Sort::Matrix) : ExpressionGen::Sort::Matrix;
  // Generated operands, and some from a pool of distinct ones so that a node has several.
  static const std::vector<std::string> matrices = {"A", "B", "P", "A*B", "x*y'", "A'", "exp(A)", "sin(B)", "A.^2", "2*B", "A + B", "tanh(A*B)"};
  static const std::vector<std::string> scalars = {"alpha", "beta", "tr(A)", "x'*y", "alpha^2", "sin(alpha)", "2", "det(B)", "alpha*beta"};
  const auto& pool = sort == ExpressionGen::Sort::Scalar ? scalars : matrices;
  std::vector<Id> operands;
  int count = *rc::gen::inRange(3, 10);
  for (int i = 0; i < count; ++i)
    operands.push_back(parse(arena, *rc::gen::arbitrary<bool>() ? *rc::gen::elementOf(pool) : gen.generate(sort, *rc::gen::inRange(0, 3)).text));
  Id node = arena.make(kind, operands);
  if (arena.kind(node) == Kind::Scale) node = arena.kids(node).back();  // alpha*(A .* B): the product
  RC_PRE(arena.kind(node) == kind && arena.kids(node).size() >= 3);
  auto kids = arena.kids(node);
  // Two operands kept, one left out, the others at random.
  auto keep = *rc::gen::container<std::vector<bool>>(kids.size(), rc::gen::arbitrary<bool>());
  std::size_t out = *rc::gen::inRange<std::size_t>(0, kids.size());
  keep[(out + 1) % kids.size()] = keep[(out + 2) % kids.size()] = true;
  keep[out] = false;
  std::vector<Id> run;
  for (std::size_t i = 0; i < kids.size(); ++i)
    if (keep[i]) run.push_back(kids[i]);
  RC_LOG() << toText(arena, node) << "  run of " << run.size();
  Id direct = arena.makeRunOf(node, run);
  RC_ASSERT(direct == arena.make(kind, run));
}

RC_GTEST_PROP(Terms, ExactAndDoubleEvaluatorsAgreeOnRationalTerms, ()) {
  // A polynomial expression over integer matrices: the exact value, rounded,
  // is the double value.
  Arena arena;
  Id term = parse(arena, "A*B' + 2*A .* B - tr(A)*B*B + <A, B>*I");
  Shape s = arena.shape(arena.findSymbol("A", 0) ? parse(arena, "A") : term);
  Eigen::Index n = *rc::gen::inRange(1, 6);
  Bindings<mpq_class> exact;
  Bindings<double> real;
  for (const char* name : {"A", "B"}) {
    Id v = parse(arena, name);
    Matrix<mpq_class> m(n, n);
    Matrix<double> d(n, n);
    for (Eigen::Index i = 0; i < m.size(); ++i) {
      long k = *rc::gen::inRange(-50, 51);
      m.data()[i] = k;
      d.data()[i] = static_cast<double>(k);
    }
    exact.bind(arena, v, m);
    real.bind(arena, v, d);
  }
  (void)s;
  Matrix<mpq_class> e = evaluate(arena, term, exact);
  Matrix<double> r = evaluate(arena, term, real);
  for (Eigen::Index i = 0; i < e.size(); ++i) RC_ASSERT(e.data()[i].get_d() == r.data()[i]);
}

}  // namespace
}  // namespace matcalc
