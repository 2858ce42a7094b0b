#include "matcalc/catalog.hpp"
#include "matcalc/print.hpp"

namespace matcalc {

const char* symbolicName(EntryStatus::Symbolic s) {
  switch (s) {
    case EntryStatus::Symbolic::Reproduced: return "reproduced";
    case EntryStatus::Symbolic::NumericOnly: return "numeric-only";
    case EntryStatus::Symbolic::Gap: return "gap";
  }
  return "?";
}

EntryStatus verifyEntry(Arena& a, const RuleSet& rules, const CatalogEntry& e, int trials, std::uint64_t seed) {
  EntryStatus s;
  try {
    s.numeric = check(a, verificationIdentity(a, e, &rules), trials, seed);
  } catch (const Error& err) {  // a Hessian whose gradient the engine cannot derive
    s.numeric.ok = false;
    s.numeric.detail = err.what();
  }
  try {
    if (e.form != CatalogEntry::Form::Equality) {
      GradientResult g;
      if (e.form == CatalogEntry::Form::Gradient) {
        g = gradient(a, rules, e.lhs, e.wrt, e.where, {}, true);
      } else {
        DerivativeResult d = e.form == CatalogEntry::Form::Jacobian ? jacobian(a, rules, e.lhs, e.wrt, e.where, {}, true)
                                                                    : hessian(a, rules, e.lhs, e.wrt, e.wrt, e.where, {}, true);
        g = {d.result, d.display, d.derivation};
      }
      s.engine = g.display;
      s.derivation = g.derivation;
      Id stated = normalForm(a, rules, e.rhs, e.where);
      // A derivative of more than 8 expanded terms is kept tidied, not expanded
      // (simplifyDerivative): compare normal forms.
      if (stated == g.gradient || stated == normalForm(a, rules, g.gradient, e.where)) {
        s.symbolic = EntryStatus::Symbolic::Reproduced;
      } else if (check(a, Identity{g.gradient, e.rhs, e.where}, trials, seed).ok) {
        s.symbolic = EntryStatus::Symbolic::NumericOnly;
        s.detail = "the engine derives " + toText(a, g.display) + ", equal in value but not in normal form";
      } else {
        s.detail = "the engine derives " + toText(a, g.display) + ", which differs";
      }
    } else {
      SimplifyResult l = simplify(a, rules, e.lhs, e.where, {}, true), r = simplify(a, rules, e.rhs, e.where, {}, true);
      s.engine = l.display;
      s.derivation = l.derivation;
      s.derivation.stages.push_back({"simplify the right-hand side", e.rhs, r.derivation.stages[0].steps});
      if (l.normal == r.normal) s.symbolic = EntryStatus::Symbolic::Reproduced;
      else s.detail = "normal forms differ: " + toText(a, l.normal) + " vs " + toText(a, r.normal);
    }
  } catch (const Error& err) {
    if (err.category() != Error::Category::Unsupported && err.category() != Error::Category::Budget) throw;
    s.detail = err.what();
  }
  return s;
}

}  // namespace matcalc
