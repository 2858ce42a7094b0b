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

// L2_f(X, E1, E2) for the second-derivative kinds D2Expm, D2Logm, D2Sqrtm:
// the derivative of L_f(X, E1) along E2 (symmetric in E1 and E2), the
// top-right block of f([[X, E1, E2, 0], [0, X, 0, E2], [0, 0, X, E1], [0, 0, 0, X]])
// (Higham & Relton, SIAM J. Matrix Anal. Appl. 35(3), 2014, Thm 3.5).
Matrix<double> secondFrechet(Kind f, const Matrix<double>& x, const Matrix<double>& e1, const Matrix<double>& e2);
Matrix<mpq_class> secondFrechet(Kind f, const Matrix<mpq_class>& x, const Matrix<mpq_class>& e1, const Matrix<mpq_class>& e2);
Matrix<Dual> secondFrechet(Kind f, const Matrix<Dual>& x, const Matrix<Dual>& e1, const Matrix<Dual>& e2);

// The Kronecker form's bound: n² evaluations of f at size 2n (4n with dual
// numbers, 8n for a second derivative), as an input such as
// kexpm(kexpm(kexpm(X))) would otherwise run for hours.
void requireKroneckerFormSize(Eigen::Index n);

// The matrix of a linear map E -> apply(E) on n×n matrices: its column
// i + n*j is vec(apply(E_ij)) for the unit matrix E_ij (vec stacks columns).
template <class S, class Linear>
Matrix<S> kroneckerColumns(const Matrix<S>& x, const S& zero, const S& one, Linear apply) {
  const Eigen::Index n = x.rows();
  requireKroneckerFormSize(n);
  Matrix<S> out(n * n, n * n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) {
      Matrix<S> e = Matrix<S>::Constant(n, n, zero);
      e(i, j) = one;
      Matrix<S> l = apply(e);
      for (Eigen::Index q = 0; q < n; ++q)
        for (Eigen::Index p = 0; p < n; ++p) out(p + n * q, i + n * j) = l(p, q);
    }
  return out;
}

// K_f(X), the Kronecker form of the Fréchet derivative (KExpm, KLogm,
// KSqrtm): vec(L_f(X, E)) = K_f(X)*vec(E).
template <class S>
Matrix<S> kroneckerForm(Kind k, const Matrix<S>& x, const S& zero, const S& one) {
  const Kind fr = frechetOfKroneckerForm(k);
  return kroneckerColumns(x, zero, one, [&](const Matrix<S>& e) { return frechet(fr, x, e); });
}

// K2_f(X, B), the Kronecker form of the second derivative along a fixed B
// (K2Expm, K2Logm, K2Sqrtm): vec(L2_f(X, E, B)) = K2_f(X, B)*vec(E).
template <class S>
Matrix<S> secondKroneckerForm(Kind k, const Matrix<S>& x, const Matrix<S>& b, const S& zero, const S& one) {
  const Kind fr = frechetOfKroneckerForm(k);
  return kroneckerColumns(x, zero, one, [&](const Matrix<S>& e) { return secondFrechet(fr, x, e, b); });
}

}  // namespace matcalc::detail
