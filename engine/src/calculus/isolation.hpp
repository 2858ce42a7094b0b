// The pieces of the differential method that the gradient, the Jacobian and
// the Hessian share (gradient.cpp).
#pragma once
#include <string>
#include <vector>

#include "matcalc/calculus.hpp"

namespace matcalc {

// The isolation rules (order: gradient), by head: <G, T> pairs for gradients, vec(T) for Jacobians.
const RuleIndex& isolationIndex(Arena& a, const RuleSet& rules);
// d(f) pushed inward, linear in d(x); a stage of `derivation`. Throws
// Error(Unsupported) naming a sub-term no rule differentiates.
Id differentiateOnce(Arena& a, Rewriter& differentiate, Id f, Id x, Derivation& derivation);
// G with the scalar df = <G, dx>.
Id isolateGradient(Arena& a, Rewriter& r, const RuleIndex& index, Id dx, Id df, bool record, std::vector<Step>& steps);
// A derivative tidied, then expanded within a small budget where that reads
// shorter: returns what to show, sets `normal`.
Id simplifyDerivative(Arena& a, const RuleSet& rules, const Facts& plain, Job& job, Budget budget, Id g, bool recordSteps,
                      const std::string& title, Derivation& derivation, Id& normal);

}  // namespace matcalc
