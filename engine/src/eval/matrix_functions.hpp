// expm, logm, sqrtm and their Fréchet derivatives L_f(X, E), per scalar type:
// doubles through Eigen's MatrixFunctions module; dual numbers through the
// block-triangular identity f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]]
// (Higham, Functions of Matrices, 2008, ch. 3), which gives the exact
// directional derivative from one evaluation of f on a matrix twice the size;
// no exact rational values (NotRational: the caller falls back to doubles).
#pragma once
#include <string>

#include "matcalc/eval.hpp"

namespace matcalc::detail {

// The largest matrices these evaluate (checks draw sizes up to 5, a Kronecker
// form of one 16 wide): beyond them an input built to be huge is a budget error.
constexpr Eigen::Index kMaxMatrixFunctionSize = 256, kMaxKroneckerFormSize = 16;

// f(X) for f one of Kind::Expm, Logm, Sqrtm. logm and sqrtm are the principal
// branches: an eigenvalue on the closed negative real axis is a Domain error.
Eigen::MatrixXd matrixFunction(Kind f, const Eigen::MatrixXd& x);

Matrix<double> matrixFunction(Kind f, const Matrix<double>& x, double);
Matrix<mpq_class> matrixFunction(Kind f, const Matrix<mpq_class>& x, const mpq_class&);
Matrix<Dual> matrixFunction(Kind f, const Matrix<Dual>& x, const Dual&);

// L_f(X, E) for the Fréchet kinds DExpm, DLogm, DSqrtm (f is the matrix function).
Matrix<double> frechet(Kind f, const Matrix<double>& x, const Matrix<double>& e);
Matrix<mpq_class> frechet(Kind f, const Matrix<mpq_class>& x, const Matrix<mpq_class>& e);
Matrix<Dual> frechet(Kind f, const Matrix<Dual>& x, const Matrix<Dual>& e);

// K_f(X), the Kronecker form of the Fréchet derivative (KExpm, KLogm,
// KSqrtm): vec(L_f(X, E)) = K_f(X)*vec(E), its column i + n*j being
// vec(L_f(X, E_ij)) for the unit matrix E_ij (vec stacks columns).
template <class S>
Matrix<S> kroneckerForm(Kind k, const Matrix<S>& x, const S& zero, const S& one) {
  const Kind fr = k == Kind::KExpm ? Kind::DExpm : k == Kind::KLogm ? Kind::DLogm : Kind::DSqrtm;
  const Eigen::Index n = x.rows();
  // n² evaluations of f at size 2n (4n with dual numbers): bounded, as an
  // input such as kexpm(kexpm(kexpm(X))) would otherwise run for hours.
  if (n > kMaxKroneckerFormSize)
    throw Error(Error::Category::Budget, "the Kronecker form of a matrix function of a " + std::to_string(n) + "×" +
                                             std::to_string(n) + " matrix is too large to evaluate (at most " +
                                             std::to_string(kMaxKroneckerFormSize) + ")");
  Matrix<S> out(n * n, n * n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      Matrix<S> e = Matrix<S>::Constant(n, n, zero);
      e(i, j) = one;
      Matrix<S> l = frechet(fr, x, e);
      for (Eigen::Index q = 0; q < n; ++q)
        for (Eigen::Index p = 0; p < n; ++p) out(p + n * q, i + n * j) = l(p, q);
    }
  return out;
}

}  // namespace matcalc::detail
