#include "matrix_functions.hpp"

#include <Eigen/Eigenvalues>
#include <stdexcept>
#include <unsupported/Eigen/MatrixFunctions>

namespace matcalc::detail {
namespace {

const char* nameOf(Kind f) { return f == Kind::Expm ? "expm" : f == Kind::Logm ? "logm" : "sqrtm"; }

// The principal logarithm and square root exist (and are real) only for a
// matrix with no eigenvalue on the closed negative real axis.
void requirePrincipal(Kind f, const Eigen::MatrixXd& x) {
  Eigen::EigenSolver<Eigen::MatrixXd> solver(x, false);
  if (solver.info() != Eigen::Success)
    throw Error(Error::Category::Domain, std::string(nameOf(f)) + ": the eigenvalues did not converge");
  double tolerance = 1e-12 * std::max(1.0, x.cwiseAbs().maxCoeff());
  for (const auto& l : solver.eigenvalues())
    if (std::abs(l.imag()) <= tolerance && l.real() <= tolerance)
      throw Error(Error::Category::Domain,
                  std::string(nameOf(f)) + " of a matrix with an eigenvalue on the closed negative real axis");
}

// [[X, E], [0, X]]
Eigen::MatrixXd upperBlock(const Eigen::MatrixXd& x, const Eigen::MatrixXd& e) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(2 * n, 2 * n);
  b.topLeftCorner(n, n) = x;
  b.topRightCorner(n, n) = e;
  b.bottomRightCorner(n, n) = x;
  return b;
}

Kind functionOf(Kind frechetKind) {
  switch (frechetKind) {
    case Kind::DExpm:
    case Kind::D2Expm: return Kind::Expm;
    case Kind::DLogm:
    case Kind::D2Logm: return Kind::Logm;
    default: return Kind::Sqrtm;
  }
}

// [[X, E1, E2, 0], [0, X, 0, E2], [0, 0, X, E1], [0, 0, 0, X]]: linear in (X, E1, E2).
Eigen::MatrixXd secondBlock(const Eigen::MatrixXd& x, const Eigen::MatrixXd& e1, const Eigen::MatrixXd& e2) {
  return upperBlock(upperBlock(x, e1), upperBlock(e2, Eigen::MatrixXd::Zero(x.rows(), x.cols())));
}

void split(const Matrix<Dual>& x, Eigen::MatrixXd& value, Eigen::MatrixXd& derivative) {
  value.resize(x.rows(), x.cols());
  derivative.resize(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    value.data()[i] = x.data()[i].value();
    derivative.data()[i] = x.data()[i].derivatives()(0);
  }
}

Matrix<Dual> join(const Eigen::MatrixXd& value, const Eigen::MatrixXd& derivative) {
  Matrix<Dual> out(value.rows(), value.cols());
  for (Eigen::Index i = 0; i < value.size(); ++i)
    out.data()[i] = Dual(value.data()[i], Eigen::Matrix<double, 1, 1>(derivative.data()[i]));
  return out;
}

}  // namespace

Eigen::MatrixXd matrixFunction(Kind f, const Eigen::MatrixXd& x) {
  if (!x.allFinite()) throw Error(Error::Category::Domain, std::string(nameOf(f)) + " of a matrix that is not finite");
  if (x.rows() > kMaxMatrixFunctionSize)
    throw Error(Error::Category::Budget, std::string(nameOf(f)) + " of a " + std::to_string(x.rows()) +
                                             "-row matrix is too large to evaluate (at most " +
                                             std::to_string(kMaxMatrixFunctionSize) + ")");
  Eigen::MatrixXd out;
  if (f == Kind::Expm) {
    out = x.exp();
  } else if (f == Kind::Logm) {
    requirePrincipal(f, x);
    out = x.log();
  } else if (f == Kind::Sqrtm) {
    requirePrincipal(f, x);
    out = x.sqrt();
  } else {
    throw std::logic_error("not a matrix function");
  }
  if (!out.allFinite()) throw Error(Error::Category::Domain, std::string(nameOf(f)) + " overflows");
  return out;
}

Matrix<double> matrixFunction(Kind f, const Matrix<double>& x, double) { return matrixFunction(f, Eigen::MatrixXd(x)); }

Matrix<mpq_class> matrixFunction(Kind f, const Matrix<mpq_class>&, const mpq_class&) { throw NotRational(nameOf(f)); }

// f(X + εD) = f(X) + ε L_f(X, D): both from f of [[X, D], [0, X]].
Matrix<Dual> matrixFunction(Kind f, const Matrix<Dual>& x, const Dual&) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd v, d;
  split(x, v, d);
  Eigen::MatrixXd big = matrixFunction(f, upperBlock(v, d));
  return join(big.topLeftCorner(n, n), big.topRightCorner(n, n));
}

Matrix<double> frechet(Kind fr, const Matrix<double>& x, const Matrix<double>& e) {
  const Eigen::Index n = x.rows();
  return matrixFunction(functionOf(fr), upperBlock(x, e)).topRightCorner(n, n);
}

Matrix<mpq_class> frechet(Kind fr, const Matrix<mpq_class>&, const Matrix<mpq_class>&) {
  throw NotRational(std::string("the Fréchet derivative of ") + nameOf(functionOf(fr)));
}

// L_f(X + εX', E + εE'): with A = [[X, E], [0, X]] and A' = [[X', E'], [0, X']],
// f([[A, A'], [0, A]]) holds f(A), whose top-right block is L_f(X, E), and
// L_f(A, A'), whose top-right block is the derivative along ε.
Matrix<Dual> frechet(Kind fr, const Matrix<Dual>& x, const Matrix<Dual>& e) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd xv, xd, ev, ed;
  split(x, xv, xd);
  split(e, ev, ed);
  Eigen::MatrixXd big = matrixFunction(functionOf(fr), upperBlock(upperBlock(xv, ev), upperBlock(xd, ed)));
  return join(big.block(0, n, n, n), big.block(0, 3 * n, n, n));
}

void requireKroneckerFormSize(Eigen::Index n) {
  if (n > kMaxKroneckerFormSize)
    throw Error(Error::Category::Budget, "the Kronecker form of a matrix function of a " + std::to_string(n) + "×" +
                                             std::to_string(n) + " matrix is too large to evaluate (at most " +
                                             std::to_string(kMaxKroneckerFormSize) + ")");
}

Matrix<double> secondFrechet(Kind fr, const Matrix<double>& x, const Matrix<double>& e1, const Matrix<double>& e2) {
  const Eigen::Index n = x.rows();
  return matrixFunction(functionOf(fr), secondBlock(x, e1, e2)).topRightCorner(n, n);
}

Matrix<mpq_class> secondFrechet(Kind fr, const Matrix<mpq_class>&, const Matrix<mpq_class>&, const Matrix<mpq_class>&) {
  throw NotRational(std::string("the second Fréchet derivative of ") + nameOf(functionOf(fr)));
}

// As for frechet: with M the 4n block of the values and M' that of the
// derivatives (the block is linear), f([[M, M'], [0, M]]) holds f(M) and L_f(M, M').
Matrix<Dual> secondFrechet(Kind fr, const Matrix<Dual>& x, const Matrix<Dual>& e1, const Matrix<Dual>& e2) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd xv, xd, av, ad, bv, bd;
  split(x, xv, xd);
  split(e1, av, ad);
  split(e2, bv, bd);
  Eigen::MatrixXd big = matrixFunction(functionOf(fr), upperBlock(secondBlock(xv, av, bv), secondBlock(xd, ad, bd)));
  return join(big.block(0, 3 * n, n, n), big.block(0, 7 * n, n, n));
}

}  // namespace matcalc::detail
