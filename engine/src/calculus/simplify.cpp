#include "matcalc/calculus.hpp"
#include "matcalc/rules.hpp"

namespace matcalc {

Facts termFacts(const Arena& arena, Id term, const std::vector<GuardUse>& assumptions) {
  Facts facts = presuppositions(arena, term);
  assume(facts, assumptions);
  return facts;
}

Id normalForm(Arena& arena, const RuleSet& rules, Id term, const Facts& facts, Budget budget, Phase phase) {
  Job job(arena, budget);
  return Rewriter(arena, rules, phase, facts, job, false).normalize(term);
}

Id normalForm(Arena& arena, const RuleSet& rules, Id term, const std::vector<GuardUse>& assumptions, Budget budget,
              Phase phase) {
  return normalForm(arena, rules, term, termFacts(arena, term, assumptions), budget, phase);
}

SimplifyResult simplify(Arena& arena, const RuleSet& rules, Id term, const std::vector<GuardUse>& assumptions,
                        Budget budget, bool recordSteps) {
  Facts facts = termFacts(arena, term, assumptions);
  Job job(arena, budget);
  Rewriter r(arena, rules, Phase::Simplify, facts, job, recordSteps);
  Id normal = r.normalize(term);
  SimplifyResult out{normal, present(arena, normal), {}};
  out.derivation.stages.push_back({"simplify", term, r.steps()});
  out.derivation.assumptions = r.assumptions();
  // The normal form is expanded, and (a - b)^12 has 13 terms: the term
  // simplified without distributing products over sums is shown instead
  // when it reads shorter (distinct nodes, then nodes as a tree).
  if (normal != term) try {
    Rewriter tidy(arena, rules, Phase::Tidy, facts, job, recordSteps);
    Id tidied = present(arena, tidy.normalize(term));
    auto cost = [&](Id t) { return std::make_pair(dagSize(arena, t), arena.facts(t).treeSize); };
    if (cost(tidied) < cost(out.display)) {
      out.display = tidied;
      out.derivation.stages.back() = {"simplify without expanding", term, tidy.steps()};
      out.derivation.assumptions = tidy.assumptions();
    }
  } catch (const Error& e) {
    if (e.category() != Error::Category::Budget) throw;  // the normal form stands
  }
  out.display = nameCommutations(arena, out.display, variablesOf(arena, term));
  return out;
}

}  // namespace matcalc
