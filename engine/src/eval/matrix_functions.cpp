#include "matrix_functions.hpp"

#include <cmath>
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

// The block method reads L_f(X, E) off f([[X, E], [0, X]]), exactly linear
// in E, but scaling and squaring (and the Schur methods) lose E's accuracy
// once ||E|| dwarfs ||X|| (E ~ 1e17*expm(-X)' in the gradient of
// det(X)*det(expm(X))): E is brought to X's size and the block scaled back.
double toSizeOf(const Eigen::MatrixXd& x, const Eigen::MatrixXd& e) {
  double size = e.cwiseAbs().maxCoeff();
  double t = std::max(1.0, x.cwiseAbs().maxCoeff()) / size;
  return size > 0 && std::isfinite(t) && t > 0 ? t : 1.0;
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
  double w = toSizeOf(v, d);
  Eigen::MatrixXd big = matrixFunction(f, upperBlock(v, w * d));
  return join(big.topLeftCorner(n, n), big.topRightCorner(n, n) / w);
}

Matrix<double> frechet(Kind fr, const Matrix<double>& x, const Matrix<double>& e) {
  const Eigen::Index n = x.rows();
  double t = toSizeOf(x, e);
  return matrixFunction(functionOf(fr), upperBlock(x, t * e)).topRightCorner(n, n) / t;
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
  double t = toSizeOf(xv, ev);  // E and its derivative scaled alike, then the direction of the whole block
  Eigen::MatrixXd a = upperBlock(xv, t * ev), da = upperBlock(xd, t * ed);
  double w = toSizeOf(a, da);
  Eigen::MatrixXd big = matrixFunction(functionOf(fr), upperBlock(a, w * da));
  return join(big.block(0, n, n, n) / t, big.block(0, 3 * n, n, n) / (t * w));
}

void requireKroneckerFormSize(Eigen::Index n) {
  if (n > kMaxKroneckerFormSize)
    throw Error(Error::Category::Budget, "the Kronecker form of a matrix function of a " + std::to_string(n) + "×" +
                                             std::to_string(n) + " matrix is too large to evaluate (at most " +
                                             std::to_string(kMaxKroneckerFormSize) + ")");
}

Matrix<double> secondFrechet(Kind fr, const Matrix<double>& x, const Matrix<double>& e1, const Matrix<double>& e2) {
  const Eigen::Index n = x.rows();
  double t1 = toSizeOf(x, e1), t2 = toSizeOf(x, e2);  // bilinear in (E1, E2)
  return matrixFunction(functionOf(fr), secondBlock(x, t1 * e1, t2 * e2)).topRightCorner(n, n) / (t1 * t2);
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
  double t1 = toSizeOf(xv, av), t2 = toSizeOf(xv, bv);
  Eigen::MatrixXd m = secondBlock(xv, t1 * av, t2 * bv), dm = secondBlock(xd, t1 * ad, t2 * bd);
  double w = toSizeOf(m, dm);
  Eigen::MatrixXd big = matrixFunction(functionOf(fr), upperBlock(m, w * dm));
  return join(big.block(0, 3 * n, n, n) / (t1 * t2), big.block(0, 7 * n, n, n) / (t1 * t2 * w));
}

}  // namespace matcalc::detail
