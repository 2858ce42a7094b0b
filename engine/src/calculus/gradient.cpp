// The differential method of the slides: df by the differential rules, then
// the inner-product rules until df = <G, d(X)>, then G simplified.
#include <functional>
#include <optional>

#include "matcalc/calculus.hpp"
#include "matcalc/print.hpp"

namespace matcalc {

namespace {

// The d(·) nodes whose argument is not the variable: a function no rule could differentiate.
void findStuck(const Arena& a, Id t, Id x, std::vector<Id>& out) {
  if (a.kind(t) == Kind::Differential) {
    if (a.kids(t)[0] != x) out.push_back(t);
    return;
  }
  for (Id k : a.kids(t)) findStuck(a, k, x, out);
}

// G of one term <G, d(X)>; for a scalar X also G*d(X) and d(X) itself.
std::optional<Id> readOff(Arena& a, Id term, Id dx) {
  if (a.kind(term) == Kind::Inner && a.kids(term)[1] == dx) return a.kids(term)[0];
  if (term == dx && a.shape(dx).isScalar()) return a.number(1);
  if (a.kind(term) == Kind::Scale && a.kids(term).back() == dx) {
    auto k = a.kids(term);
    return a.make(Kind::Scale, std::vector<Id>(k.begin(), k.end() - 1));
  }
  return std::nullopt;
}

}  // namespace

GradientResult gradient(Arena& a, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& assumptions,
                        Budget budget) {
  if (a.kind(x) != Kind::Symbol)
    throw Error(Error::Category::Usage, "the variable to differentiate by must be a variable of the expression");
  if (!a.shape(f).isScalar())
    throw Error(Error::Category::Shape, "the function must be scalar-valued, but '" + toText(a, f) + "' is " +
                                            a.shapeText(a.shape(f)));
  if (containsKind(a, f, Kind::Differential))
    throw Error(Error::Category::Usage, "the function already contains d(·)");

  Facts facts = presuppositions(a, f);
  assume(facts, assumptions);
  Facts plain = facts;
  facts.everythingVaries = false;
  facts.varying = {x};
  facts.differentiable = true;
  Id dx = a.make(Kind::Differential, {x});
  GradientResult out{};

  // 1. Push d inward and expand, until df is a sum of terms linear in d(X).
  Id start = a.make(Kind::Differential, {f});
  Rewriter differentiate(a, rules, Phase::Simplify, facts, budget);
  Id df = differentiate.normalize(start);
  out.derivation.stages.push_back({"differentiate", start, differentiate.steps()});
  std::vector<Id> stuck;
  findStuck(a, df, x, stuck);
  if (!stuck.empty())
    throw Error(Error::Category::Unsupported, "no rule differentiates '" + toText(a, stuck[0]) + "'");

  // 2. Isolate d(X): df = <G, d(X)>.
  Rewriter isolate(a, rules, Phase::Gradient, facts, budget);
  Id form = isolate.normalize(df);
  out.derivation.stages.push_back({"isolate " + toText(a, dx), df, isolate.steps()});
  std::vector<Id> terms;
  if (a.kind(form) == Kind::Add) terms.assign(a.kids(form).begin(), a.kids(form).end());
  else if (!(a.kind(form) == Kind::Number && a.numberOf(form) == 0)) terms.push_back(form);
  std::vector<Id> parts;
  for (Id t : terms) {
    auto g = readOff(a, t, dx);
    if (!g) throw Error(Error::Category::Unsupported, "could not bring '" + toText(a, t) + "' to the form <G, " + toText(a, dx) + ">");
    parts.push_back(*g);
  }
  Id g = parts.empty() ? a.zero(a.shape(x)) : parts.size() == 1 ? parts[0] : a.make(Kind::Add, parts);
  if (a.shape(g) != a.shape(x))
    throw std::logic_error("gradient of shape " + a.shapeText(a.shape(g)) + " for a variable of shape " + a.shapeText(a.shape(x)));

  // 3. Simplify G.
  Rewriter tidy(a, rules, Phase::Simplify, plain, budget);
  out.gradient = tidy.normalize(g);
  out.derivation.stages.push_back({"simplify the gradient", g, tidy.steps()});
  out.derivation.assumptions = differentiate.assumptions();
  out.display = present(a, out.gradient);
  return out;
}

}  // namespace matcalc
