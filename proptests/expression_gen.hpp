// Random well-shaped expressions, each with a reference value computed here
// directly with Eigen doubles, independently of the engine's parser,
// canonicalisation and evaluator, so those can be checked against it.
#pragma once
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>

namespace matcalc::testing {

// Equal shapes, and entries equal up to a relative tolerance.
inline bool closeEnough(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tolerance) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    double x = a.data()[i], y = b.data()[i];
    if (std::fabs(x - y) > tolerance * std::max({1.0, std::fabs(x), std::fabs(y)})) return false;
  }
  return true;
}

// choose(lo, hi): an integer in [lo, hi], from RapidCheck or a seeded generator.
using Choose = std::function<long(long lo, long hi)>;

struct Sample {
  std::string text;
  Eigen::MatrixXd value;
};

class ExpressionGen {
 public:
  enum class Sort { Scalar, Vector, Matrix };

  // Variables: A, B (n×n), P (n×n symmetric positive definite), x, y (n), alpha, beta.
  explicit ExpressionGen(Choose choose) : choose_(std::move(choose)) {
    n_ = choose_(1, 4);
    auto random = [&](long r, long c) {
      Eigen::MatrixXd m(r, c);
      for (long i = 0; i < m.size(); ++i) m.data()[i] = static_cast<double>(choose_(-1000, 1000)) / 500;
      return m;
    };
    vars_["A"] = random(n_, n_);
    vars_["B"] = random(n_, n_);
    Eigen::MatrixXd b = random(n_, n_);
    vars_["P"] = b * b.transpose() + Eigen::MatrixXd::Identity(n_, n_);
    vars_["x"] = random(n_, 1);
    vars_["y"] = random(n_, 1);
    vars_["alpha"] = random(1, 1);
    vars_["beta"] = random(1, 1);
  }

  const std::map<std::string, Eigen::MatrixXd>& variables() const { return vars_; }

  Sample generate(Sort sort, int depth);

 private:
  Sample matrix(int depth);
  Sample vector(int depth);
  Sample scalar(int depth);
  Sample var(const std::string& name) { return {name, vars_.at(name)}; }

  Choose choose_;
  long n_;
  std::map<std::string, Eigen::MatrixXd> vars_;
};

}  // namespace matcalc::testing
