#include "matcalc/calculus.hpp"
#include "matcalc/rules.hpp"

namespace matcalc {

SimplifyResult simplify(Arena& arena, const RuleSet& rules, Id term, const std::vector<GuardUse>& assumptions,
                        Budget budget, bool recordSteps) {
  Facts facts = presuppositions(arena, term);
  assume(facts, assumptions);
  Job job(arena, budget);
  Rewriter r(arena, rules, Phase::Simplify, facts, job, recordSteps);
  Id normal = r.normalize(term);
  SimplifyResult out{normal, nameCommutations(arena, present(arena, normal), variablesOf(arena, term)), {}};
  out.derivation.stages.push_back({"simplify", term, r.steps()});
  out.derivation.assumptions = r.assumptions();
  return out;
}

}  // namespace matcalc
