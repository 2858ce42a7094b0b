// The shape rule of every kind, written once over a "Unifier" so that the
// parser (which unifies symbolic dimensions) and the arena (which only checks
// that they are already equal) share it.
//
// Unifier: bool same(Dim, Dim); [[noreturn]] void fail(std::string why, int kid, int otherKid);
//          Dim product(Dim fastest, Dim slowest): the dimension of an index over both
#pragma once
#include <span>
#include <stdexcept>
#include <string>

#include "matcalc/term.hpp"

namespace matcalc::detail {

template <class Unifier>
Shape applyShapeRule(Kind kind, std::span<const Shape> in, Unifier& u) {
  auto square = [&](int i) {
    if (!u.same(in[i].rows, in[i].cols)) u.fail("needs a square matrix", i, -1);
  };
  // Operands of one shape, scalars broadcast (+, .*, ./).
  auto broadcast = [&]() -> Shape {
    int first = -1;
    for (int i = 0; i < static_cast<int>(in.size()); ++i) {
      if (in[i].isScalar()) continue;
      if (first < 0) { first = i; continue; }
      if (!u.same(in[first].rows, in[i].rows) || !u.same(in[first].cols, in[i].cols))
        u.fail("operands have different shapes", first, i);
    }
    return first < 0 ? Shape{} : in[first];
  };
  switch (kind) {
    case Kind::Symbol:
    case Kind::Number:
    case Kind::Identity:
    case Kind::Zero:
    case Kind::Ones:
      throw std::logic_error("shape rule asked for a leaf");
    case Kind::Add:
    case Kind::Hadamard:
    case Kind::HadamardDiv:
      return broadcast();
    case Kind::Scale: {
      int nonScalar = -1;
      for (int i = 0; i < static_cast<int>(in.size()); ++i) {
        if (in[i].isScalar()) continue;
        if (nonScalar >= 0) u.fail("a scalar product has at most one non-scalar factor", nonScalar, i);
        nonScalar = i;
      }
      return nonScalar < 0 ? Shape{} : in[nonScalar];
    }
    case Kind::Mul:
      for (std::size_t i = 0; i + 1 < in.size(); ++i)
        if (!u.same(in[i].cols, in[i + 1].rows))
          u.fail("inner dimensions differ", static_cast<int>(i), static_cast<int>(i + 1));
      return {in.front().rows, in.back().cols};
    case Kind::HadamardPow:
      if (!in[1].isScalar()) u.fail("the exponent of .^ must be a scalar", 1, -1);
      return in[0];
    case Kind::Pow:
      if (!in[0].isScalar()) u.fail("^ with a matrix base needs an integer exponent", 0, -1);
      if (!in[1].isScalar()) u.fail("the exponent must be a scalar", 1, -1);
      return {};
    case Kind::MatPow:
      square(0);
      if (!in[1].isScalar()) u.fail("the exponent must be a scalar", 1, -1);
      return in[0];
    case Kind::Transpose:
      return {in[0].cols, in[0].rows};
    case Kind::Inner:
      if (!u.same(in[0].rows, in[1].rows) || !u.same(in[0].cols, in[1].cols))
        u.fail("the inner product needs operands of one shape", 0, 1);
      return {};
    case Kind::Inverse:
    case Kind::Expm:
    case Kind::Logm:
    case Kind::Sqrtm:
      square(0);
      return in[0];
    case Kind::DExpm:  // the Fréchet derivative L_f(X, E): E of X's shape
    case Kind::DLogm:
    case Kind::DSqrtm:
      square(0);
      if (!u.same(in[0].rows, in[1].rows) || !u.same(in[0].cols, in[1].cols))
        u.fail("the direction must have the shape of the matrix", 0, 1);
      return in[0];
    case Kind::D2Expm:  // the second Fréchet derivative L2_f(X, E1, E2): E1, E2 of X's shape
    case Kind::D2Logm:
    case Kind::D2Sqrtm:
      square(0);
      for (int i : {1, 2})
        if (!u.same(in[0].rows, in[i].rows) || !u.same(in[0].cols, in[i].cols))
          u.fail("the direction must have the shape of the matrix", 0, i);
      return in[0];
    case Kind::Trace:
    case Kind::Det:
    case Kind::LogDet:
      square(0);
      return {};
    case Kind::Sum:
    case Kind::Norm1:
    case Kind::Norm2:
    case Kind::LogSumExp:
      return {};
    case Kind::Softmax:
      if (!u.same(in[0].cols, kOne)) u.fail("needs a column vector", 0, -1);
      return in[0];
    case Kind::DiagMatrix:
      if (!u.same(in[0].cols, kOne)) u.fail("needs a column vector", 0, -1);
      return {in[0].rows, in[0].rows};
    case Kind::DiagVector:
      square(0);
      return {in[0].rows, kOne};
    case Kind::Kron:  // (A ⊗ B)[i*p + k, j*q + l] = A[i, j]*B[k, l]: B's indices vary fastest
      return {u.product(in[1].rows, in[0].rows), u.product(in[1].cols, in[0].cols)};
    case Kind::Vec:  // columns stacked: X[i, j] is entry i + m*j
      return {u.product(in[0].rows, in[0].cols), kOne};
    case Kind::KExpm:  // the Kronecker form of L_f: vec(L_f(X, E)) = K_f(X)*vec(E)
    case Kind::KLogm:
    case Kind::KSqrtm:
      square(0);
      return {u.product(in[0].rows, in[0].rows), u.product(in[0].rows, in[0].rows)};
    case Kind::K2Expm:  // vec(L2_f(X, E, B)) = K2_f(X, B)*vec(E)
    case Kind::K2Logm:
    case Kind::K2Sqrtm:
      square(0);
      if (!u.same(in[0].rows, in[1].rows) || !u.same(in[0].cols, in[1].cols))
        u.fail("the direction must have the shape of the matrix", 0, 1);
      return {u.product(in[0].rows, in[0].rows), u.product(in[0].rows, in[0].rows)};
    case Kind::Commutation:  // K*vec(X) = vec(X')
      return {u.product(in[0].cols, in[0].rows), u.product(in[0].rows, in[0].cols)};
    case Kind::Differential:
    case Kind::Exp:
    case Kind::Log:
    case Kind::Sqrt:
    case Kind::Sin:
    case Kind::Cos:
    case Kind::Tanh:
    case Kind::Sinh:
    case Kind::Cosh:
    case Kind::Sigmoid:
    case Kind::Relu:
    case Kind::Abs:
    case Kind::Sign:
    case Kind::Step:
      return in[0];
  }
  throw std::logic_error("unknown kind");
}

}  // namespace matcalc::detail
