// simplify, equiv and grad.
#include <fmt/core.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/print.hpp"

namespace matcalc::cli {

namespace {

struct Args {
  std::vector<std::string> expressions;
  std::string wrt, emit = "text";
  std::vector<std::string> ruleLayers;
  std::vector<std::string> vars, assumptions;
  bool steps = false, check = false, noShare = false;
  double deadline = 5.0;  // seconds of wall time a job may take
  Budget budget() const {
    Budget b;
    b.seconds = deadline;
    return b;
  }
};

// The expressions, parsed in one session with --assume 'spd(S)' facts: a
// guard that needs a square matrix makes it square before shapes are fixed.
struct Parsed {
  std::vector<Id> terms;
  std::vector<GuardUse> facts;
};
Parsed parseWithAssumptions(Arena& arena, const Args& args, const std::vector<std::string>& texts, bool sameShape = false) {
  ParseSession session(arena, declarations(args.vars));
  for (const std::string& t : texts) session.add(t);
  if (sameShape) session.requireSameShape(0, 1);  // also sizes a bare I, ones or zeros from the other side
  auto guards = constrainGuards(session, args.assumptions);
  Parsed out{session.finish(), {}};
  out.facts = resolveGuards(arena, 0, guards);
  return out;
}

nlohmann::json stepsJson(const Arena& a, const Derivation& d) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& stage : d.stages) {
    nlohmann::json steps = nlohmann::json::array();
    for (const Step& s : stage.steps)
      steps.push_back({{"rule", s.rule->name}, {"before", toText(a, s.before)}, {"after", toText(a, s.after)}, {"term", s.term != kNoId ? toText(a, s.term) : ""}});
    stages.push_back({{"stage", stage.title}, {"start", toText(a, stage.start)}, {"steps", steps}});
  }
  return stages;
}

int simplifyCommand(const Args& args) {
  Arena& arena = processArena();
  RuleSet rules = loadRules(arena, args.ruleLayers);
  Parsed p = parseWithAssumptions(arena, args, {args.expressions[0]});
  SimplifyResult r = simplify(arena, rules, p.terms[0], p.facts, args.budget(), args.steps);
  if (args.steps) printDerivation(arena, r.derivation, std::cout);
  printResult(arena, r.display, "text", !args.noShare, std::cout);
  return 0;
}

// Exit status: 0 equal, 1 different, 3 not proven (2 is bad input).
int equivCommand(const Args& args) {
  Arena& arena = processArena();
  RuleSet rules = loadRules(arena, args.ruleLayers);
  Parsed p = parseWithAssumptions(arena, args, {args.expressions[0], args.expressions[1]}, true);
  EquivalenceOptions options;
  options.budget = args.budget();
  Equivalence e = decideEquivalence(arena, rules, p.terms[0], p.terms[1], p.facts, options);
  switch (e.verdict) {
    case Equivalence::Verdict::Equal:
      if (e.method == Equivalence::Method::NormalForm) {
        std::cout << "equal: one normal form\n";
      } else {
        std::cout << fmt::format("equal: exact rational evaluation agrees at {} random points (dimension sizes 1 to 6); "
                                 "unequal sides would agree at all of them with probability below {:.1e} (Schwartz-Zippel)\n",
                                 e.points, std::max(e.falsePassBound, 1e-300));
      }
      return 0;
    case Equivalence::Verdict::Different:
      if (e.method == Equivalence::Method::Exact) std::cout << "different: exact values differ " << e.detail << "\n";
      else std::cout << fmt::format("different: largest relative difference {:.3g} ({}) over {} random points\n", e.largestDifference, e.detail, e.points);
      return 1;
    case Equivalence::Verdict::NotProven:
      std::cout << fmt::format("not proven: the normal forms differ and the expressions are not rational, but the values agree at {} random points "
                               "(largest relative difference {:.3g})\n", e.points, e.largestDifference);
      return 3;
  }
  return 3;
}

int gradCommand(const Args& args) {
  Arena& arena = processArena();
  RuleSet rules = loadRules(arena, args.ruleLayers);
  Parsed p = parseWithAssumptions(arena, args, {args.expressions[0]});
  Id f = p.terms[0];
  const std::vector<GuardUse>& facts = p.facts;
  const Symbol* x = arena.findSymbol(args.wrt, 0);
  if (!x) throw Error(Error::Category::Usage, "'" + args.wrt + "' does not occur in the expression");
  Id xv = arena.symbol(x->name, x->kind, x->shape, 0);
  GradientResult g = gradient(arena, rules, f, xv, facts, args.budget(), args.steps || args.emit == "json");

  // Never show a gradient that disagrees with the exact directional derivative.
  NumericCheck check = checkGradient(arena, f, xv, g.display, args.check ? 20 : 4, 7, facts);
  if (check.points > 0 && check.maxError > kGradientTolerance)
    throw Error(Error::Category::Eval, fmt::format("the derived gradient {} fails its numeric check ({}): this is a bug, please report it",
                                                   toText(arena, g.display), check.worst));
  if (check.points == 0) {
    if (args.check)
      throw Error(Error::Category::Domain, "--check found no random point where both the function and the gradient are finite");
    std::cerr << "warning: not verified numerically: no random point where both the function and the gradient are finite\n";
  }

  if (args.emit == "json") {
    nlohmann::json j = {{"function", toText(arena, f)},
                        {"wrt", args.wrt},
                        {"gradient", resultJson(arena, g.display, !args.noShare)},
                        {"assumptions", g.derivation.assumptions},
                        {"steps", stepsJson(arena, g.derivation)}};
    if (args.check) j["check"] = {{"points", check.points}, {"max_relative_error", check.maxError}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (args.steps) printDerivation(arena, g.derivation, std::cout);
  printResult(arena, g.display, args.emit, !args.noShare, std::cout);
  if (args.check)
    std::cerr << fmt::format("check: agrees with the exact directional derivative at {} random points (largest relative error {:.2g})\n",
                             check.points, check.maxError);
  return 0;
}

}  // namespace

void addCalculusCommands(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<Args>();
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--var", args->vars, "declare a variable's kind: NAME:scalar|vector|matrix");
    cmd->add_option("--rules", args->ruleLayers, kRulesHelp);
    cmd->add_option("--deadline", args->deadline, "stop with an error after this many seconds (default 5)")
        ->check(CLI::Range(0.001, 3600.0));
    cmd->add_flag("--no-share", args->noShare, "print the result fully expanded, without naming common sub-expressions (t1, t2 …)");
    cmd->add_option("--assume", args->assumptions, "a fact rules may use: symmetric(S), spd(S), invertible(A), positive(x), nonzero(x)");
  };
  CLI::App* s = app.add_subcommand("simplify", "rewrite an expression to its normal form");
  s->add_option("expression", args->expressions, "the expression")->required()->expected(1);
  s->add_flag("--steps", args->steps, "print every rewrite step with its rule");
  common(s);
  s->callback([&commands, args] { commands.chosen = [args] { return simplifyCommand(*args); }; });

  CLI::App* e = app.add_subcommand("equiv", "decide whether two expressions are equal");
  e->add_option("expressions", args->expressions, "the two expressions")->required()->expected(2);
  common(e);
  e->callback([&commands, args] { commands.chosen = [args] { return equivCommand(*args); }; });

  CLI::App* g = app.add_subcommand("grad", "the gradient of a scalar expression, by the differential method");
  g->add_option("expression", args->expressions, "the scalar function")->required()->expected(1);
  g->add_option("--wrt", args->wrt, "the variable")->required();
  g->add_option("--emit", args->emit, "text, latex, numpy or json")->check(CLI::IsMember({"text", "latex", "numpy", "json"}));
  g->add_flag("--steps", args->steps, "print the derivation, one rule per step");
  g->add_flag("--check", args->check, "compare with exact directional derivatives at random points");
  common(g);
  g->callback([&commands, args] { commands.chosen = [args] { return gradCommand(*args); }; });
}

}  // namespace matcalc::cli
