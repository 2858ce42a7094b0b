// The canonical transpose: pushed through sums, products and Hadamard
// operations to the leaves, where it stays on symbols, differentials and
// atoms (functions), so that f(A) is one node whether or not it is
// transposed. Rules transpose-* in rules/transpose.yaml state each step.
#include <algorithm>

#include "matcalc/term.hpp"

namespace matcalc {

Id Arena::transpose(Id t) {
  if (shape(t).isScalar()) return t;  // a scalar is its own transpose
  if (Id known = knownTranspose(t); known != kNoId) return known;
  Id out = transposeUncached(t);
  if (transposeOf_.size() <= t) transposeOf_.resize(std::max<std::size_t>(2 * transposeOf_.size(), size()), kNoId);
  transposeOf_[t] = out;
  return out;
}

Id Arena::transposeUncached(Id t) {
  auto ks = kids(t);
  auto each = [&](bool reversed) {
    Ids out;
    out.reserve(ks.size());
    for (Id k : ks) out.push_back(transpose(k));
    if (reversed) std::reverse(out.begin(), out.end());
    return out;
  };
  Shape s = shape(t);
  switch (kind(t)) {
    case Kind::Transpose: return ks[0];
    case Kind::Identity:
    case Kind::DiagMatrix: return t;
    case Kind::Zero: return zero({s.cols, s.rows});
    case Kind::Ones: return ones({s.cols, s.rows});
    case Kind::Add: return madeFlat(t) ? transposeMadeSum(t) : make(Kind::Add, each(false));
    case Kind::Scale: return make(Kind::Scale, each(false));  // scalars are their own transposes
    case Kind::Mul: return make(Kind::Mul, each(true));
    case Kind::Hadamard: return make(Kind::Hadamard, each(false));
    case Kind::HadamardDiv: return make(Kind::HadamardDiv, each(false));
    case Kind::Kron: return make(Kind::Kron, each(false));  // kron(A, B)' = kron(A', B') (transpose-kron)
    case Kind::Commutation: return make(Kind::Commutation, each(false));  // K_{m,n}' = K_{n,m}
    case Kind::Symbol:
    case Kind::Number:
    case Kind::Pow:
    case Kind::MatPow:
    case Kind::HadamardPow:
    case Kind::Inner:
    case Kind::Inverse:
    case Kind::Expm:
    case Kind::Logm:
    case Kind::Sqrtm:
    case Kind::DExpm:
    case Kind::DLogm:
    case Kind::DSqrtm:
    case Kind::KExpm:
    case Kind::KLogm:
    case Kind::KSqrtm:
    case Kind::D2Expm:
    case Kind::D2Logm:
    case Kind::D2Sqrtm:
    case Kind::K2Expm:
    case Kind::K2Logm:
    case Kind::K2Sqrtm:
    case Kind::Trace:
    case Kind::Det:
    case Kind::LogDet:
    case Kind::Sum:
    case Kind::Norm1:
    case Kind::Norm2:
    case Kind::LogSumExp:
    case Kind::Softmax:
    case Kind::DiagVector:
    case Kind::Differential:
    case Kind::Vec:
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
    case Kind::Step: return raw(Kind::Transpose, {t});
  }
  return raw(Kind::Transpose, {t});
}

}  // namespace matcalc
