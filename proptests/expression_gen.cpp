#include "expression_gen.hpp"

#include <cmath>

namespace matcalc::testing {

namespace {
Eigen::MatrixXd scalar(double v) { return Eigen::MatrixXd::Constant(1, 1, v); }
Eigen::MatrixXd map(const Eigen::MatrixXd& m, double (*f)(double)) { return m.unaryExpr(f); }
double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }
std::string p(const std::string& s) { return "(" + s + ")"; }
}  // namespace

Sample ExpressionGen::generate(Sort sort, int depth) {
  switch (sort) {
    case Sort::Scalar: return scalar(depth);
    case Sort::Vector: return vector(depth);
    case Sort::Matrix: return matrix(depth);
  }
  return {};
}

Sample ExpressionGen::matrix(int depth) {
  int pick = depth <= 0 ? choose_(0, 2) : choose_(0, 18);
  auto M = [&] { return matrix(depth - 1); };
  switch (pick) {
    case 0: return var("A");
    case 1: return var("B");
    case 2: return {"(A + I)", vars_.at("A") + Eigen::MatrixXd::Identity(n_, n_)};  // I needs a variable to size it
    case 3: { auto a = M(), b = M(); return {p(a.text + " + " + b.text), a.value + b.value}; }
    case 4: { auto a = M(), b = M(); return {p(a.text + " - " + b.text), a.value - b.value}; }
    case 5: { auto a = M(), b = M(); return {p(a.text + "*" + b.text), a.value * b.value}; }
    case 6: { auto s = scalar(depth - 1); auto a = M(); return {p(s.text + "*" + a.text), s.value(0, 0) * a.value}; }
    case 7: { auto a = M(); return {p(a.text) + "'", a.value.transpose()}; }
    case 8: return {"inv(P)", vars_.at("P").inverse()};
    case 9: { auto a = M(), b = M(); return {p(a.text + " .* " + b.text), a.value.cwiseProduct(b.value)}; }
    case 10: { auto a = M(); return {p(a.text) + ".^2", a.value.cwiseProduct(a.value)}; }
    case 11: { auto v = vector(depth - 1); return {"diag" + p(v.text), Eigen::MatrixXd(v.value.col(0).asDiagonal())}; }
    case 12: { auto v = vector(depth - 1), w = vector(depth - 1); return {p(v.text + "*" + w.text + "'"), v.value * w.value.transpose()}; }
    case 13: { auto a = M(); return {p("-" + a.text), -a.value}; }
    case 14: { auto a = M(); return {"tanh" + p(a.text), map(a.value, std::tanh)}; }
    case 15: { auto a = M(); return {p(a.text) + "^2", a.value * a.value}; }
    case 16: { auto a = M(); return {"sinh" + p(a.text), map(a.value, std::sinh)}; }
    case 17: { auto a = M(); return {"cosh" + p(a.text), map(a.value, std::cosh)}; }
    default: { auto a = M(); return {"sigmoid" + p(a.text), map(a.value, sigmoid)}; }
  }
}

Sample ExpressionGen::vector(int depth) {
  int pick = depth <= 0 ? choose_(0, 1) : choose_(0, 10);
  auto V = [&] { return vector(depth - 1); };
  switch (pick) {
    case 0: return var("x");
    case 1: return var("y");
    case 2: { auto a = matrix(depth - 1); auto v = V(); return {p(a.text + "*" + v.text), a.value * v.value}; }
    case 3: { auto v = V(), w = V(); return {p(v.text + " + " + w.text), v.value + w.value}; }
    case 4: { auto s = scalar(depth - 1); auto v = V(); return {p(s.text + "*" + v.text), s.value(0, 0) * v.value}; }
    case 5: { auto v = V(), w = V(); return {p(v.text + " .* " + w.text), v.value.cwiseProduct(w.value)}; }
    case 6: {
      auto v = V();
      Eigen::MatrixXd e = map(v.value, std::exp);
      return {"softmax" + p(v.text), e / e.sum()};
    }
    case 7: { auto a = matrix(depth - 1); return {"diag" + p(a.text), Eigen::MatrixXd(a.value.diagonal())}; }
    case 8: { auto v = V(); return {"sin" + p(v.text), map(v.value, std::sin)}; }
    case 9: { auto v = V(); return {p("-" + v.text), -v.value}; }
    default: {
      auto v = V(), w = V();
      return {p(v.text + " ./ exp" + p(w.text)), v.value.cwiseQuotient(map(w.value, std::exp))};
    }
  }
}

Sample ExpressionGen::scalar(int depth) {
  int pick = depth <= 0 ? choose_(0, 3) : choose_(0, 20);
  auto S = [&] { return this->scalar(depth - 1); };
  switch (pick) {
    case 0: return var("alpha");
    case 1: return var("beta");
    case 2: { long k = choose_(1, 5); return {std::to_string(k), matcalc::testing::scalar(static_cast<double>(k))}; }
    case 3: return {"0.5", matcalc::testing::scalar(0.5)};
    case 4: { auto a = matrix(depth - 1); return {"tr" + p(a.text), matcalc::testing::scalar(a.value.trace())}; }
    case 5: { auto a = matrix(depth - 1); return {"det" + p(a.text), matcalc::testing::scalar(a.value.determinant())}; }
    case 6: return {"logdet(P)", matcalc::testing::scalar(std::log(vars_.at("P").determinant()))};
    case 7: { auto a = matrix(depth - 1), b = matrix(depth - 1); return {"<" + a.text + ", " + b.text + ">", matcalc::testing::scalar(a.value.cwiseProduct(b.value).sum())}; }
    case 8: { auto v = vector(depth - 1), w = vector(depth - 1); return {p(v.text + "'*" + w.text), v.value.transpose() * w.value}; }
    case 9: { auto a = S(), b = S(); return {p(a.text + "*" + b.text), a.value * b.value}; }
    case 10: { auto a = S(), b = S(); return {p(a.text + " + " + b.text), a.value + b.value}; }
    case 11: { auto a = S(), b = S(); return {p(a.text + " - " + b.text), a.value - b.value}; }
    case 12: { auto a = S(); return {p(a.text) + "^2", a.value * a.value}; }
    case 13: {
      auto a = S(), b = S();
      double denominator = 1 + b.value(0, 0) * b.value(0, 0);
      return {p(a.text + " / " + p("1 + " + p(b.text) + "^2")), a.value / denominator};
    }
    case 14: { auto a = matrix(depth - 1); return {"sum" + p(a.text), matcalc::testing::scalar(a.value.sum())}; }
    case 15: { auto v = vector(depth - 1); return {"norm1" + p(v.text), matcalc::testing::scalar(v.value.cwiseAbs().sum())}; }
    case 16: { auto a = matrix(depth - 1); return {"norm2" + p(a.text), matcalc::testing::scalar(a.value.norm())}; }
    case 17: { auto v = vector(depth - 1); return {"logsumexp" + p(v.text), matcalc::testing::scalar(std::log(map(v.value, std::exp).sum()))}; }
    case 18: { auto a = S(); return {"tanh" + p(a.text), map(a.value, std::tanh)}; }
    case 19: { auto a = S(); return {p("-" + a.text), -a.value}; }
    default: { auto a = S(), m = matrix(depth - 1); return {"sum" + p(a.text + " + " + m.text), matcalc::testing::scalar(m.value.sum() + a.value(0, 0) * static_cast<double>(m.value.size()))}; }
  }
}

}  // namespace matcalc::testing
