// The differential method of the slides: df by the differential rules, then
// the inner-product rules until df = <G, d(X)>, then G simplified.
//
// The isolation phase is reverse-mode accumulation written as rules: df is
// kept as a sum of pairs <G, T>, T linear in d(X); one rule at the root of a
// pair moves an operator off T onto G (the adjoint step). Pairs are taken
// highest T first, and pairs with one T are summed before T is taken apart,
// so a sub-term shared by many paths is taken apart once and G stays a DAG of
// the size of f's: an L-layer network's gradient has O(L) distinct nodes.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <unordered_set>

#include "matcalc/calculus.hpp"
#include "matcalc/id_map.hpp"
#include "matcalc/print.hpp"
#include "isolation.hpp"

namespace matcalc {

namespace {

constexpr int kIsolationIndex = 16;  // the rule index of the isolation rules (phases use 0–2)

// The d(·) nodes whose argument is not the variable: a function no rule could differentiate.
std::optional<Id> findStuck(const Arena& a, Id t, Id x) {
  IdMap seen;
  boost::container::small_vector<Id, 16> stack{t};
  while (!stack.empty()) {
    Id u = stack.back();
    stack.pop_back();
    if (!a.hasKind(u, Kind::Differential) || seen.contains(u)) continue;
    seen.set(u, u);
    if (a.kind(u) == Kind::Differential) {
      if (a.kids(u)[0] != x) return u;
      continue;
    }
    for (Id k : a.kids(u)) stack.push_back(k);
  }
  return std::nullopt;
}

struct Pair {
  Id g, t;  // <g, t>, t linear in d(X)
};

// The pairs a term of df stands for: a sum is its terms; a scalar factor
// free of d(·) goes to G (<G, c*T> = <c*G, T>); an inner product is itself.
void pairsOf(Arena& a, Id u, Id g, std::vector<Pair>& out) {
  if (a.isZero(u)) return;
  const Id one = a.number(1);
  switch (a.kind(u)) {
    case Kind::Add:
      for (Id k : boost::container::small_vector<Id, 8>(a.kids(u).begin(), a.kids(u).end())) pairsOf(a, k, g, out);
      return;
    case Kind::Inner:
      if (!a.hasKind(a.kids(u)[0], Kind::Differential)) {
        out.push_back({g == one ? a.kids(u)[0] : a.make(Kind::Scale, {g, a.kids(u)[0]}), a.kids(u)[1]});
        return;
      }
      break;
    case Kind::Scale: {
      boost::container::small_vector<Id, 8> coefficient, carrier;
      if (g != one) coefficient.push_back(g);
      for (Id k : a.kids(u)) (a.hasKind(k, Kind::Differential) ? carrier : coefficient).push_back(k);
      if (carrier.size() == 1) {
        Id c = coefficient.empty()       ? one
               : coefficient.size() == 1 ? coefficient[0]  // a scaled term's factors are canonical
                                         : a.make(Kind::Scale, std::span<const Id>(coefficient.data(), coefficient.size()));
        pairsOf(a, carrier[0], c, out);
        return;
      }
      break;
    }
    default: break;
  }
  out.push_back({g, u});
}

class Isolation {
 public:
  Isolation(Arena& a, Rewriter& r, const RuleIndex& rules, Id dx, bool record)
      : a_(a), r_(r), rules_(rules), dx_(dx), record_(record), schedule_(a, dx) {}

  // Sum of the G of every pair <G, d(X)>; throws Error(Unsupported) when a
  // pair cannot be taken apart.
  std::vector<Id> run(Id df) {
    add(df);
    while (!schedule_.empty()) {
      auto [g, t] = schedule_.next();
      if (a_.isZero(g)) continue;
      Id pair = a_.raw(Kind::Inner, {g, t});
      std::uint32_t height = a_.facts(t).height;
      std::vector<Pair> parts;
      auto attempt = [&](Id inner, Id coefficient) {
        return r_.applyAtRoot(inner, rules_.candidates(a_, inner), [&](Id result) {
          parts.clear();
          pairsOf(a_, result, coefficient, parts);
          return schedule_.rank(parts, height);
        });
      };
      // <c*M, T> with c scalar is c*<M, T>: the rules are tried on <M, T>
      // first, so that a rule about <I, ·> or <ones, ·> takes step(s)*I too.
      Rewriter::Applied step;
      if (auto [c, core] = scalarPart(g); c != kNoId) {
        step = attempt(a_.raw(Kind::Inner, {core, t}), c);
        if (step.rule) step.result = a_.make(Kind::Scale, {c, step.result});
      }
      if (!step.rule) step = attempt(pair, a_.number(1));
      if (!step.rule)
        throw Error(Error::Category::Unsupported, "could not bring '" + toText(a_, pair) + "' to the form <G, " + toText(a_, dx_) + ">");
      add(step.result);
      steps_.push_back({step.rule, pair, step.result, record_ ? state() : kNoId});
    }
    return schedule_.done();
  }

  const std::vector<Step>& steps() const { return steps_; }

 private:
  void add(Id u) {
    std::vector<Pair> parts;
    pairsOf(a_, u, a_.number(1), parts);
    for (const Pair& p : parts) schedule_.add(p.g, p.t);
  }

  // g = c*M, M the one factor that is not 1×1: {c, M}; else {kNoId, g}.
  std::pair<Id, Id> scalarPart(Id g) {
    if (a_.kind(g) != Kind::Scale || a_.shape(g).isScalar()) return {kNoId, g};
    boost::container::small_vector<Id, 8> scalars;
    Id core = kNoId;
    for (Id k : a_.kids(g)) {
      if (a_.shape(k).isScalar()) scalars.push_back(k);
      else if (core == kNoId) core = k;
      else return {kNoId, g};
    }
    if (core == kNoId || scalars.empty()) return {kNoId, g};
    Id c = scalars.size() == 1 ? scalars[0] : a_.make(Kind::Scale, std::span<const Id>(scalars.data(), scalars.size()));
    return {c, core};
  }

  // df as it stands: the pairs still to take apart, and <G, d(X)>.
  Id state() {
    std::vector<Id> terms;
    for (const auto& [t, gs] : schedule_.pending()) terms.push_back(a_.raw(Kind::Inner, {schedule_.sum(gs), t}));
    if (!schedule_.done().empty()) terms.push_back(a_.raw(Kind::Inner, {schedule_.sum(schedule_.done()), dx_}));
    if (terms.empty()) return a_.number(0);
    return terms.size() == 1 ? terms[0] : a_.raw(Kind::Add, terms);
  }

  Arena& a_;
  Rewriter& r_;
  const RuleIndex& rules_;
  Id dx_;
  bool record_;
  PairSchedule schedule_;
  std::vector<Step> steps_;
};

// How many terms the term would have fully expanded (saturating at 10^9):
// sums add, products multiply, integer powers raise; a function's argument
// is expanded on its own.
double expandedTerms(const Arena& a, Id t, std::unordered_map<Id, double>& memo, double& inside) {
  if (auto it = memo.find(t); it != memo.end()) return it->second;
  auto k = a.kids(t);
  double out = 1;
  switch (a.kind(t)) {
    case Kind::Add:
      out = 0;
      for (Id c : k) out += expandedTerms(a, c, memo, inside);
      break;
    case Kind::Scale:
    case Kind::Mul:
    case Kind::Kron:
    case Kind::Vec:
    case Kind::Hadamard:
    case Kind::HadamardDiv:
    case Kind::Inner:
    case Kind::Trace:
    case Kind::Transpose:
    case Kind::Sum:
    case Kind::DiagMatrix:
    case Kind::DiagVector:
    case Kind::Differential:
      for (Id c : k) out *= expandedTerms(a, c, memo, inside);
      break;
    case Kind::Pow:
    case Kind::HadamardPow:
    case Kind::MatPow:
      out = expandedTerms(a, k[0], memo, inside);
      if (a.kind(k[1]) == Kind::Number && a.numberOf(k[1]) > 1 && a.numberOf(k[1]).get_den() == 1)
        out = std::pow(out, std::min(64.0, a.numberOf(k[1]).get_d()));
      break;
    default:
      for (Id c : k) inside = std::max(inside, expandedTerms(a, c, memo, inside));
  }
  out = std::min(out, 1e9);
  memo.emplace(t, out);
  return out;
}

// Distinct nodes, then nodes as a tree: what a reader has to read.
std::pair<std::size_t, std::uint32_t> displayCost(const Arena& a, Id t) { return {dagSize(a, t), a.facts(t).treeSize}; }

}  // namespace

void PairSchedule::add(Id coefficient, Id t) {
  if (a_.isZero(coefficient) || a_.isZero(t)) return;
  if (t == dx_) {
    done_.push_back(coefficient);
    return;
  }
  auto [it, added] = pending_.try_emplace(t);
  it->second.push_back(coefficient);
  if (added) queue_.insert({a_.facts(t).height, t});
}

std::pair<Id, Id> PairSchedule::next() {
  Id t = queue_.begin()->second;
  queue_.erase(queue_.begin());
  auto node = pending_.extract(t);
  return {sum(node.mapped()), t};
}

Id PairSchedule::sum(const std::vector<Id>& coefficients) const {
  return coefficients.size() == 1 ? coefficients[0] : a_.make(Kind::Add, coefficients);
}

void requireDifferentiable(const Arena& a, const RuleSet& rules, Id f, Id x) {
  if (a.kind(x) != Kind::Symbol)
    throw Error(Error::Category::Usage, "the variable to differentiate by must be a variable of the expression");
  if (a.hasKind(f, Kind::Differential)) throw Error(Error::Category::Usage, "the function already contains d(·)");
  if (rules.rules().empty()) throw Error(Error::Category::Usage, "no rules are loaded: nothing can be differentiated");
}

std::vector<std::string> assumedDomains(const Arena& a, const Setting& setting, const Rewriter& differentiate) {
  std::vector<std::string> out = differentiate.assumptions(), principal;
  for (Id t : setting.principal) principal.push_back("principal(" + toText(a, t) + ")");
  std::sort(principal.begin(), principal.end());  // a set's order is not the user's
  for (std::string& p : principal)
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  return out;
}

void assumeDomainsOfRules(const Arena& a, Facts& facts, const Rewriter& differentiate, const std::vector<Id>& unconstrained) {
  auto isUnconstrained = [&](Id u) { return std::find(unconstrained.begin(), unconstrained.end(), u) != unconstrained.end(); };
  for (auto [guard, t] : differentiate.assumedFacts()) {
    if (guard == Guard::Spd && a.kind(t) == Kind::Symbol && isUnconstrained(t)) guard = Guard::Invertible;
    if (guard == Guard::Spd && a.kind(t) != Kind::Symbol) {
      Facts sampled = facts;
      forEachDomainPart(a, t, [&](Id u) {
        if (a.kind(u) == Kind::Symbol && !isUnconstrained(u)) sampled.symmetric.insert(u);
      });
      if (!isSymmetric(a, t, sampled)) guard = Guard::Invertible;
    }
    assume(a, facts, guard, t);
  }
}

Setting settingFor(const Arena& a, Id f, Id x, const std::vector<GuardUse>& assumptions) {
  Setting s;
  s.plain = presuppositions(a, f);
  s.principal.assign(s.plain.principal.begin(), s.plain.principal.end());
  assume(s.plain, assumptions);
  s.varying = s.plain;
  s.varying.everythingVaries = false;
  s.varying.varying = {x};
  s.varying.differentiable = true;
  return s;
}

const RuleIndex& isolationIndex(Arena& a, const RuleSet& rules) {
  return rules.index(kIsolationIndex, [&] {
    RuleIndex index;
    index.byHead.resize(std::size(kKindInfo));
    for (const Rule& r : rules.rules())
      if (r.order == Order::Gradient) index.byHead[static_cast<int>(a.kind(r.lhs))].push_back(&r);
    return index;
  });
}

// K(X) is built from a 0 of X's shape: the derivation names it as the result does.
void nameCommutationsInSteps(Arena& a, Derivation& d, Id x) {
  for (auto& stage : d.stages) {
    stage.start = nameCommutations(a, stage.start, {x});
    for (Step& s : stage.steps)
      for (Id* t : {&s.before, &s.after, &s.term})
        if (*t != kNoId) *t = nameCommutations(a, *t, {x});
  }
}

Id isolateGradient(Arena& a, Rewriter& r, const RuleIndex& index, Id dx, Id df, bool record, std::vector<Step>& steps) {
  Isolation isolation(a, r, index, dx, record);
  std::vector<Id> parts = isolation.run(df);
  steps.insert(steps.end(), isolation.steps().begin(), isolation.steps().end());
  Shape sx = a.shape(a.kids(dx)[0]);
  return parts.empty() ? a.zero(sx) : parts.size() == 1 ? parts[0] : a.make(Kind::Add, parts);
}

Id differentiateOnce(Arena& a, Rewriter& differentiate, Id f, Id x, Derivation& derivation) {
  Id start = a.make(Kind::Differential, {f});
  Id df = differentiate.normalize(start);
  derivation.stages.push_back({"differentiate", start, differentiate.steps()});
  if (auto stuck = findStuck(a, df, x))
    throw Error(Error::Category::Unsupported, "no rule differentiates '" + toText(a, *stuck) + "'");
  return df;
}

Id simplifyDerivative(Arena& a, const RuleSet& rules, const Facts& plain, Job& job, Budget budget, Id g, bool recordSteps,
                      const std::string& title, Derivation& derivation, Id& normal) {
  Rewriter tidy(a, rules, Phase::Tidy, plain, job, recordSteps);
  Id tidied = tidy.normalize(g);
  derivation.stages.push_back({title, g, tidy.steps()});
  normal = tidied;
  Id shown = tidied;
  // Expanding a deep network's gradient multiplies its terms: the attempt is
  // made when expanding changes something and gives at most 8 terms (the
  // losses where terms cancel, such as cross-entropy, have 3 to 5; a failed
  // attempt on a 3-layer network's 8 costs as much as the gradient), with a node
  // and step budget proportional to the DAG it starts from (deterministic:
  // the result does not depend on the machine's load).
  std::size_t size = dagSize(a, tidied);
  std::unordered_map<Id, double> memo;
  double inside = 0;
  double terms = std::max(expandedTerms(a, tidied, memo, inside), inside);
  double topLevel = a.kind(tidied) == Kind::Add ? static_cast<double>(a.kids(tidied).size()) : 1.0;
  if (terms > topLevel && terms <= 8) try {
    Budget small = budget;
    small.maxNewNodes = 2'000 + 30 * size;
    small.maxSteps = 500 + 50 * size;
    Job expand(a, small);
    Rewriter canonical(a, rules, Phase::Simplify, plain, expand, recordSteps);
    Id canon = canonical.normalize(tidied);
    normal = canon;
    if (canon != tidied && displayCost(a, canon) <= displayCost(a, tidied)) {
      shown = canon;
      derivation.stages.push_back({"expand and collect", tidied, canonical.steps()});
    }
  } catch (const Error& e) {
    if (e.category() != Error::Category::Budget) throw;
  }
  return shown;
}

// Within symmetric matrices the gradient is the symmetric G with df = <G, dX>
// for every symmetric dX: (G + G')/2. Asked for by symmetric(X); spd(X)
// alone states a domain (logdet's), as the slides and the Cookbook use it,
// and keeps the unconstrained gradient. Within diagonal matrices it is G's
// diagonal, G .* I (Cookbook eq. 142).
Id withinStructure(Arena& a, Id g, Id x, const std::vector<GuardUse>& assumptions) {
  auto assumed = [&](Guard guard) {
    return std::any_of(assumptions.begin(), assumptions.end(), [&](const GuardUse& u) { return u.variable == x && u.guard == guard; });
  };
  if (a.shape(x).isScalar()) return g;
  if (assumed(Guard::Diagonal)) return a.make(Kind::Hadamard, {g, a.identity(a.shape(x).rows)});
  if (assumed(Guard::Symmetric)) return a.make(Kind::Scale, {a.number(mpq_class(1, 2)), a.make(Kind::Add, {g, a.transpose(g)})});
  return g;
}

GradientResult gradient(Arena& a, const RuleSet& rules, Id f, Id x, const std::vector<GuardUse>& givenAssumptions, Budget budget,
                        bool recordSteps, const std::vector<Id>& differentiatedAgainBy) {
  // spd(y) of a variable differentiated again states its domain only.
  std::vector<GuardUse> assumptions = givenAssumptions;
  for (GuardUse& u : assumptions)
    if (u.guard == Guard::Spd && std::find(differentiatedAgainBy.begin(), differentiatedAgainBy.end(), u.variable) != differentiatedAgainBy.end())
      u.guard = Guard::Invertible;
  if (!a.shape(f).isScalar())
    throw Error(Error::Category::Shape, "the function must be scalar-valued, but '" + toText(a, f) + "' is " +
                                            a.shapeText(a.shape(f)));
  requireDifferentiable(a, rules, f, x);

  Job job(a, budget);
  Setting setting = settingFor(a, f, x, assumptions);
  Facts& plain = setting.plain;
  Id dx = a.make(Kind::Differential, {x});
  GradientResult out{};

  // 1. Push d inward: df, linear in d(X), sharing f's sub-terms.
  Rewriter differentiate(a, rules, Phase::Differentiate, std::move(setting.varying), job, recordSteps);
  Id df = differentiateOnce(a, differentiate, f, x, out.derivation);

  // 2. Isolate d(X): df = <G, d(X)>.
  std::vector<Step> isolationSteps;
  Id g = isolateGradient(a, differentiate, isolationIndex(a, rules), dx, df, recordSteps, isolationSteps);
  out.derivation.stages.push_back({"isolate " + toText(a, dx), df, std::move(isolationSteps)});
  if (a.shape(g) != a.shape(x))
    throw std::logic_error("gradient of shape " + a.shapeText(a.shape(g)) + " for a variable of shape " + a.shapeText(a.shape(x)));
  g = withinStructure(a, g, x, assumptions);

  // 3. Simplify G without expanding it, then try the canonical (expanded)
  // form within a small budget; show whichever reads shorter.
  // G holds where the differential rules' domains were assumed: so may its simplification.
  assumeDomainsOfRules(a, plain, differentiate, differentiatedAgainBy);
  out.derivation.assumptions = assumedDomains(a, setting, differentiate);
  Id shown = simplifyDerivative(a, rules, plain, job, budget, g, recordSteps, "simplify the gradient", out.derivation, out.gradient);
  out.display = nameCommutations(a, present(a, shown), {x});
  if (recordSteps) nameCommutationsInSteps(a, out.derivation, x);
  job.check(a);
  return out;
}

}  // namespace matcalc
