// The checker's random choices drawn from RapidCheck, so that a failing rule
// is shrunk to a small counterexample (dimensions towards 1).
#pragma once
#include <rapidcheck.h>

#include "matcalc/verify.hpp"

namespace matcalc::testing {

class RapidCheckSource : public RandomSource {
 public:
  long integer(long lo, long hi) override { return *rc::gen::inRange<long>(lo, hi + 1); }
};

}  // namespace matcalc::testing
