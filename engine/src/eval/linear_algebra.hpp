// Inverse and determinant by Gaussian elimination with partial pivoting,
// generic over the scalar: exact for mpq_class, differentiable for Dual.
#pragma once
#include "matcalc/eval.hpp"
#include "scalar_ops.hpp"

namespace matcalc::detail {

// LU in place; returns the permutation sign, or 0 when a pivot is exactly zero.
template <class S>
int luInPlace(Matrix<S>& a, std::vector<Eigen::Index>& perm) {
  const Eigen::Index n = a.rows();
  perm.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) perm[i] = i;
  int sign = 1;
  for (Eigen::Index c = 0; c < n; ++c) {
    Eigen::Index p = c;
    for (Eigen::Index r = c + 1; r < n; ++r)
      if (ops::magnitude(a(r, c)) > ops::magnitude(a(p, c))) p = r;
    if (ops::magnitude(a(p, c)) == 0) return 0;
    if (p != c) {
      a.row(p).swap(a.row(c));
      std::swap(perm[p], perm[c]);
      sign = -sign;
    }
    for (Eigen::Index r = c + 1; r < n; ++r) {
      S f = a(r, c) / a(c, c);
      a(r, c) = f;
      for (Eigen::Index k = c + 1; k < n; ++k) a(r, k) = a(r, k) - f * a(c, k);
    }
  }
  return sign;
}

template <class S>
S determinant(Matrix<S> a) {
  std::vector<Eigen::Index> perm;
  int sign = luInPlace(a, perm);
  S d = ops::from(mpq_class(sign), S{});
  if (sign == 0) return d;
  for (Eigen::Index i = 0; i < a.rows(); ++i) d = d * a(i, i);
  return d;
}

template <class S>
Matrix<S> inverse(Matrix<S> a) {
  const Eigen::Index n = a.rows();
  std::vector<Eigen::Index> perm;
  if (luInPlace(a, perm) == 0) throw Error(Error::Category::Domain, "inverse of a singular matrix");
  Matrix<S> inv(n, n);
  for (Eigen::Index col = 0; col < n; ++col) {
    std::vector<S> y(n);
    for (Eigen::Index i = 0; i < n; ++i) {  // L y = P e_col
      S s = ops::from(mpq_class(perm[i] == col ? 1 : 0), S{});
      for (Eigen::Index k = 0; k < i; ++k) s = s - a(i, k) * y[k];
      y[i] = s;
    }
    for (Eigen::Index i = n - 1; i >= 0; --i) {  // U x = y
      S s = y[i];
      for (Eigen::Index k = i + 1; k < n; ++k) s = s - a(i, k) * inv(k, col);
      inv(i, col) = s / a(i, i);
    }
  }
  return inv;
}

}  // namespace matcalc::detail
