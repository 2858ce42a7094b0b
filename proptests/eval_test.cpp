#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "expression_gen.hpp"
#include "matcalc/eval.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"

namespace matcalc {
namespace {

template <class S>
Matrix<S> mat(std::initializer_list<std::initializer_list<long>> rows) {
  Matrix<S> m(rows.size(), rows.begin()->size());
  Eigen::Index i = 0;
  for (auto r : rows) {
    Eigen::Index j = 0;
    for (long v : r) m(i, j++) = S(v);
    ++i;
  }
  return m;
}

TEST(Evaluate, ExactInverseAndDeterminant) {
  Arena arena;
  parse(arena, "inv(X)");  // fixes X's shape as square
  Id x = parse(arena, "X");
  Bindings<mpq_class> b;
  b.bind(arena, x, mat<mpq_class>({{1, 2}, {3, 4}}));
  EXPECT_EQ(evaluate(arena, parse(arena, "det(X)"), b)(0, 0), -2);
  Matrix<mpq_class> inv = evaluate(arena, parse(arena, "inv(X)"), b);
  EXPECT_EQ(inv(0, 0), -2);
  EXPECT_EQ(inv(0, 1), 1);
  EXPECT_EQ(inv(1, 0), mpq_class(3, 2));
  EXPECT_EQ(inv(1, 1), mpq_class(-1, 2));
  EXPECT_EQ(evaluate(arena, parse(arena, "X^-2 - inv(X)*inv(X)"), b), Matrix<mpq_class>::Zero(2, 2));
}

// Powers are taken by squaring: each agrees with the product of its factors.
TEST(Evaluate, MatrixPowersAgreeWithRepeatedProducts) {
  Arena arena;
  parse(arena, "inv(X)");  // fixes X's shape as square
  Id x = parse(arena, "X");
  Bindings<mpq_class> b;
  Matrix<mpq_class> m = mat<mpq_class>({{1, 2, 0}, {3, -1, 2}, {0, 1, 1}});
  b.bind(arena, x, m);
  Matrix<mpq_class> inverse = evaluate(arena, parse(arena, "inv(X)"), b);
  for (long k : {-5L, -2L, -1L, 0L, 1L, 2L, 3L, 6L, 7L, 13L}) {
    Matrix<mpq_class> expected = Matrix<mpq_class>::Identity(3, 3);
    for (long i = 0; i < (k < 0 ? -k : k); ++i) expected = (expected * (k < 0 ? inverse : m)).eval();
    EXPECT_EQ(evaluate(arena, parse(arena, "X^" + std::to_string(k)), b), expected) << "k = " << k;
  }
}

TEST(Evaluate, SingularInverseIsADomainError) {
  Arena arena;
  Id inverse = parse(arena, "inv(X)");
  Bindings<mpq_class> b;
  b.bind(arena, parse(arena, "X"), mat<mpq_class>({{1, 2}, {2, 4}}));
  try {
    evaluate(arena, inverse, b);
    ADD_FAILURE() << "inverted a singular matrix";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), Error::Category::Domain);
  }
}

TEST(Evaluate, TranscendentalHasNoExactValue) {
  Arena arena;
  Bindings<mpq_class> b;
  b.bind(arena, parse(arena, "x"), mat<mpq_class>({{1}, {2}}));
  EXPECT_THROW(evaluate(arena, parse(arena, "exp(x)"), b), NotRational);
  EXPECT_EQ(evaluate(arena, parse(arena, "relu(x - 3/2) + abs(-x)"), b), mat<mpq_class>({{1}, {2}}) + Matrix<mpq_class>(mat<mpq_class>({{0}, {1}})) / 2);
}

// Exact powers by GMP's pow, refused (NotRational: the caller compares in
// floating point) where the result would pass 4 million bits, which took
// minutes past any deadline: 99722^504 (8 400 bits) to the 4000th.
TEST(Evaluate, ExactPowersAreExactAndBounded) {
  Arena arena;
  Bindings<mpq_class> b;
  auto scalar = [](const mpq_class& v) {
    Matrix<mpq_class> m(1, 1);
    m(0, 0) = v;
    return m;
  };
  b.bind(arena, parse(arena, "alpha"), scalar(mpq_class(-2, 3)));
  EXPECT_EQ(evaluate(arena, parse(arena, "alpha^5"), b), scalar(mpq_class(-32, 243)));
  EXPECT_EQ(evaluate(arena, parse(arena, "alpha^-3"), b), scalar(mpq_class(-27, 8)));
  mpz_class big;
  mpz_ui_pow_ui(big.get_mpz_t(), 99722, 504);
  b.bind(arena, parse(arena, "beta"), scalar(mpq_class(big)));
  EXPECT_EQ(evaluate(arena, parse(arena, "beta^2"), b), scalar(mpq_class(big * big)));
  EXPECT_THROW(evaluate(arena, parse(arena, "beta^4000"), b), NotRational);
}

TEST(Evaluate, DualNumbersGiveTheDirectionalDerivative) {
  // f = x'Ax; along direction v: df = x'(A + A')v.
  Arena arena;
  Id f = parse(arena, "d(x'*A*x)");
  Eigen::MatrixXd A(2, 2), x(2, 1), v(2, 1);
  A << 1, 2, -3, 5;
  x << 0.5, -1;
  v << 2, 3;
  Bindings<Dual> b;
  Matrix<Dual> xd(2, 1), Ad(2, 2);
  for (int i = 0; i < 2; ++i) xd(i, 0) = Dual(x(i), Eigen::Matrix<double, 1, 1>(v(i)));
  for (int i = 0; i < 4; ++i) Ad.data()[i] = Dual(A.data()[i], Eigen::Matrix<double, 1, 1>(0.0));
  b.bind(arena, parse(arena, "x"), xd);
  b.bind(arena, parse(arena, "A"), Ad);
  double expected = (x.transpose() * (A + A.transpose()) * v)(0, 0);
  EXPECT_NEAR(evaluate(arena, f, b)(0, 0).value(), expected, 1e-12);
}

// L_f(X, E) is linear in E, and its value must stay accurate at any scale of
// E: the block method lost it once ||E|| dwarfed ||X|| (the gradient of
// det(X)*det(expm(X)) has E ~ 1e17*expm(-X)', and its check failed). The
// same for dual numbers, and for the derivative of expm along a huge direction.
TEST(Evaluate, FrechetDerivativesAreAccurateAtAnyScaleOfE) {
  Arena arena;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  auto random = [&](double shift) {
    Eigen::MatrixXd m(4, 4);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
    return Eigen::MatrixXd(m + shift * Eigen::MatrixXd::Identity(4, 4));
  };
  parse(arena, "inv(X) + E + F");  // one square shape for all three
  const Eigen::MatrixXd x = random(8), e = random(0), f = random(0), v = random(0), zero = Eigen::MatrixXd::Zero(4, 4);
  // f's value with E and F scaled, and its dual value and derivative along `dx` for X and `de` for E.
  auto at = [&](Id t, double scale, const Eigen::MatrixXd& dx, const Eigen::MatrixXd& de) {
    Bindings<double> b;
    Bindings<Dual> d;
    for (auto [name, value, dir] : {std::tuple{"X", x, dx}, {"E", Eigen::MatrixXd(scale * e), de}, {"F", Eigen::MatrixXd(scale * f), zero}}) {
      Matrix<Dual> dv(4, 4);
      for (Eigen::Index i = 0; i < 16; ++i) dv.data()[i] = Dual(value.data()[i], Eigen::Matrix<double, 1, 1>(dir.data()[i]));
      b.bind(arena, parse(arena, name), value);
      d.bind(arena, parse(arena, name), dv);
    }
    Matrix<Dual> r = evaluate(arena, t, d);
    Eigen::MatrixXd value(4, 4), derivative(4, 4);
    for (Eigen::Index i = 0; i < 16; ++i) {
      value.data()[i] = r.data()[i].value();
      derivative.data()[i] = r.data()[i].derivatives()(0);
    }
    return std::tuple{Eigen::MatrixXd(evaluate(arena, t, b)), value, derivative};
  };
  auto close = [](const Eigen::MatrixXd& got, const Eigen::MatrixXd& want) { return (got - want).norm() <= 1e-9 * want.norm(); };
  for (const char* text : {"dexpm(X, E)", "dlogm(X, E)", "dsqrtm(X, E)", "d2expm(X, E, F)", "d2logm(X, E, F)"}) {
    Id t = parse(arena, text);
    bool bilinear = text[1] == '2';
    auto [v1, w1, d1] = at(t, 1, v, zero);
    for (double scale : {1e-12, 1e17}) {
      auto [vs, ws, ds] = at(t, scale, v, zero);
      double k = bilinear ? scale * scale : scale;
      EXPECT_TRUE(close(vs / k, v1)) << text << " at scale " << scale;
      EXPECT_TRUE(close(ws / k, w1)) << text << " (dual value) at scale " << scale;
      EXPECT_TRUE(close(ds / k, d1)) << text << " (derivative) at scale " << scale;
    }
  }
  Id t = parse(arena, "expm(X)");
  auto [v1, w1, d1] = at(t, 1, v, zero);
  auto [vs, ws, ds] = at(t, 1, Eigen::MatrixXd(1e17 * v), zero);
  EXPECT_TRUE(close(ws, w1) && close(ds / 1e17, d1)) << "expm along a huge direction";
}

TEST(Evaluate, DifferentialNeedsDualNumbers) {
  Arena arena;
  Bindings<double> b;
  b.bind(arena, parse(arena, "x"), Eigen::MatrixXd::Ones(2, 1));
  EXPECT_THROW(evaluate(arena, parse(arena, "d(x)"), b), Error);
}

// The NumPy printer's output, evaluated by NumPy, equals the engine's value.
TEST(Printer, NumpyAgreesWithTheEvaluator) {
  std::mt19937_64 rng(11);
  testing::Choose choose = [&](long lo, long hi) { return std::uniform_int_distribution<long>(lo, hi)(rng); };
  std::ostringstream script, expected;
  script.precision(17);
  script << "import numpy as np\nimport sys\n";
  const int cases = 300;
  std::vector<std::string> texts;
  for (int c = 0; c < cases; ++c) {
    testing::ExpressionGen gen(choose);
    auto sort = static_cast<testing::ExpressionGen::Sort>(choose(0, 2));
    auto sample = gen.generate(sort, static_cast<int>(choose(0, 3)));
    Arena arena;
    Id term = parse(arena, sample.text);
    Bindings<double> b;
    script << "env = {'np': np}\n";
    for (const auto& [name, value] : gen.variables()) {
      if (const Symbol* s = arena.findSymbol(name, 0)) {
        b.bind(arena, arena.symbol(name, s->kind, s->shape, 0), value);
        script << "env['" << pythonName(name) << "'] = np.array([";
        for (Eigen::Index i = 0; i < value.rows(); ++i) {
          script << "[";
          for (Eigen::Index j = 0; j < value.cols(); ++j) script << value(i, j) << ",";
          script << "],";
        }
        script << "], dtype=float)\n";
      }
    }
    Matrix<double> v = evaluate(arena, term, b);
    script << "r = np.asarray(eval(" << std::quoted(toNumpy(arena, term)) << ", env), dtype=float).reshape(-1, order='F')\n"
           << "print(' '.join(repr(float(t)) for t in r))\n";
    std::ostringstream line;
    line.precision(17);
    for (Eigen::Index i = 0; i < v.size(); ++i) line << (i ? " " : "") << v.data()[i];
    expected << line.str() << "\n";
    texts.push_back(toNumpy(arena, term));
  }
  std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/numpy_check.py") << script.str();
  std::string cmd = std::string(MATCALC_PYTHON) + " " + dir + "/numpy_check.py > " + dir + "/numpy_out.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << "python failed on " << dir << "/numpy_check.py";
  std::ifstream got(dir + "/numpy_out.txt");
  std::istringstream want(expected.str());
  for (int c = 0; c < cases; ++c) {
    std::string g, w;
    ASSERT_TRUE(std::getline(got, g)) << "missing output for case " << c;
    std::getline(want, w);
    std::istringstream gs(g), ws(w);
    double a, e;
    int n = 0;
    while (ws >> e) {
      ASSERT_TRUE(gs >> a) << texts[c];
      EXPECT_NEAR(a, e, 1e-8 * std::max(1.0, std::fabs(e))) << texts[c];
      ++n;
    }
    EXPECT_FALSE(gs >> a) << "NumPy gave more entries for " << texts[c];
  }
}

}  // namespace
}  // namespace matcalc
