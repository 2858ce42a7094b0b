// The presentation of a term, in passes (present.cpp, factor.cpp).
#pragma once
#include "matcalc/calculus.hpp"

namespace matcalc::detail {

// A sum written with its common factors taken out: A*x + A'*x as (A + A')*x.
Id factorSumForDisplay(Arena& arena, Id sum);

}  // namespace matcalc::detail
