// simplify, equiv and grad.
#include <fmt/core.h>

#include <algorithm>
#include <iostream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "matcalc/calculus.hpp"
#include "matcalc/print.hpp"

namespace matcalc::cli {

namespace {

struct Args {
  std::vector<std::string> expressions;
  std::vector<std::string> wrt;
  std::string emit = "text";
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

// What --assume takes: facts about values. The structural guards
// (constant, differential, nodifferential) describe rule patterns, not inputs.
constexpr Guard kAssumable[] = {Guard::Symmetric, Guard::Diagonal, Guard::Spd,     Guard::Invertible, Guard::Principal,
                                Guard::FullColRank, Guard::Square, Guard::Positive, Guard::Nonzero,    Guard::Integer};

std::string assumableText() {
  std::string s;
  for (Guard g : kAssumable) s += (s.empty() ? "" : ", ") + std::string(guardName(g)) + (g == Guard::Positive || g == Guard::Nonzero || g == Guard::Integer ? "(x)" : "(A)");
  return s;
}

void requireAssumable(const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    Guard g = parseGuardText(text).first;
    if (std::find(std::begin(kAssumable), std::end(kAssumable), g) == std::end(kAssumable))
      throw Error(Error::Category::Usage, "--assume " + text + ": not a fact about values; --assume takes " + assumableText());
  }
}

// The expressions, parsed in one session with --assume 'spd(S)' facts: a
// guard that needs a square matrix makes it square before shapes are fixed.
struct Parsed {
  std::vector<Id> terms;
  std::vector<GuardUse> facts;
};
Parsed parseWithAssumptions(Arena& arena, const Args& args, const std::vector<std::string>& texts, bool sameShape = false) {
  startDeadline(arena, args.deadline);
  ParseSession session(arena, declarations(args.vars));
  for (const std::string& t : texts) session.add(expressionText(t));
  if (sameShape) session.requireSameShape(0, 1);  // also sizes a bare I, ones or zeros from the other side
  requireAssumable(args.assumptions);
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
  const RuleSet& rules = processRules(args.ruleLayers);
  Parsed p = parseWithAssumptions(arena, args, {args.expressions[0]});
  SimplifyResult r = simplify(arena, rules, p.terms[0], p.facts, args.budget(), args.steps);
  if (args.steps) printDerivation(arena, r.derivation, std::cout);
  printResult(arena, r.display, args.emit, !args.noShare, std::cout);
  return 0;
}

// Exit status: 0 equal, 1 different, 3 not proven (2 is bad input).
int equivCommand(const Args& args) {
  Arena& arena = processArena();
  const RuleSet& rules = processRules(args.ruleLayers);
  Parsed p = parseWithAssumptions(arena, args, {args.expressions[0], args.expressions[1]}, true);
  EquivalenceOptions options;
  options.budget = args.budget();
  Equivalence e = decideEquivalence(arena, rules, p.terms[0], p.terms[1], p.facts, options);
  switch (e.verdict) {
    case Equivalence::Verdict::Equal:
      if (e.method == Equivalence::Method::NormalForm) {
        // detail: "one normal form: …" or "one form simplified without expanding: …"
        std::cout << "equal: " << e.detail.substr(0, e.detail.find(':')) << "\n";
      } else {
        std::cout << fmt::format("equal: exact rational evaluation agrees at {} random points (dimension sizes 1 to {}); "
                                 "unequal sides would agree at all of them with probability below {:.1e} (Schwartz-Zippel)\n",
                                 e.points, e.largestSize, std::max(e.falsePassBound, 1e-300));
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

enum class Derivative { Gradient, Differential, Jacobian, Hessian };

// The variables of --wrt and those after the expression (grad EXPR x), each
// of which must occur in the expression.
std::vector<Id> variables(Arena& arena, const Args& args, Id f) {
  std::vector<std::string> names = args.wrt;
  names.insert(names.end(), args.expressions.begin() + 1, args.expressions.end());
  if (names.empty()) {
    std::string present;
    for (Id v : variablesOf(arena, f)) present += (present.empty() ? "" : ", ") + arena.symbolOf(v).name;
    throw Error(Error::Category::Usage, "which variable? name it with --wrt NAME or after the expression (its variables: " + present + ")");
  }
  std::vector<Id> out;
  for (const std::string& name : names) {
    const Symbol* x = arena.findSymbol(name, 0);
    if (!x) throw Error(Error::Category::Usage, "'" + name + "' does not occur in the expression");
    Id v = arena.symbol(x->name, x->kind, x->shape, 0);
    if (std::find(out.begin(), out.end(), v) != out.end()) throw Error(Error::Category::Usage, "the variable " + name + " is named twice");
    out.push_back(v);
  }
  return out;
}

struct Labelled {
  std::string label;  // "x", or "x,y" for a mixed Hessian block
  Id display;
  Derivation derivation;
  NumericCheck check;
};

// Never show a derivative that disagrees with the exact directional derivative.
void requireAgreement(const Arena& arena, const NumericCheck& check, Id shown, const std::string& what, bool strict) {
  if (check.points > 0 && check.maxError > kGradientTolerance)
    throw Error(Error::Category::Eval, fmt::format("the derived {} {} fails its numeric check ({}): this is a bug, please report it", what,
                                                   toText(arena, shown), check.worst));
  if (check.points == 0) {
    if (strict) throw Error(Error::Category::Domain, "--check found no random point where both the function and the " + what + " are finite");
    std::cerr << "warning: not verified numerically: no random point where both the function and the " << what << " are finite\n";
  }
}

int derivativeCommand(const Args& args, Derivative kind) {
  Arena& arena = processArena();
  const RuleSet& rules = processRules(args.ruleLayers);
  Parsed p = parseWithAssumptions(arena, args, {args.expressions[0]});
  Id f = p.terms[0];
  const std::vector<GuardUse>& facts = p.facts;
  std::vector<Id> xs = variables(arena, args, f);
  bool record = args.steps || args.emit == "json";
  int points = args.check ? 20 : 4;
  const char* what = kind == Derivative::Gradient ? "gradient" : kind == Derivative::Differential ? "differential"
                     : kind == Derivative::Jacobian ? "Jacobian" : "Hessian";
  if ((kind == Derivative::Gradient || kind == Derivative::Hessian) && !arena.shape(f).isScalar()) {
    // A lowercase name is a vector unless declared: a*x'*x may mean a scalar a.
    std::string hint;
    for (Id v : variablesOf(arena, f)) {
      const Symbol& s = arena.symbolOf(v);
      bool declared = std::any_of(args.vars.begin(), args.vars.end(), [&](const std::string& d) { return d.rfind(s.name + ":", 0) == 0; });
      if (s.kind == VarKind::Vector && !declared && std::find(xs.begin(), xs.end(), v) == xs.end()) {
        hint = " (if '" + s.name + "' is a scalar: --var " + s.name + ":scalar, or a Greek name)";
        break;
      }
    }
    throw Error(Error::Category::Shape, std::string("the function must be scalar-valued for a ") + what + ", but '" + toText(arena, f) +
                                            "' is " + arena.shapeText(arena.shape(f)) + (hint.empty() && kind == Derivative::Gradient ? ": try jacobian" : hint));
  }
  std::vector<Labelled> results;
  for (Id x : xs) {
    const std::string& name = arena.symbolOf(x).name;
    switch (kind) {
      case Derivative::Gradient: {
        GradientResult g = gradient(arena, rules, f, x, facts, args.budget(), record);
        NumericCheck c = checkGradient(arena, f, x, g.display, points, 7, facts);
        requireAgreement(arena, c, g.display, what, args.check);
        results.push_back({name, g.display, std::move(g.derivation), c});
        break;
      }
      case Derivative::Differential: {
        DerivativeResult d = differential(arena, rules, f, x, facts, args.budget(), record);
        results.push_back({name, d.display, std::move(d.derivation), {}});
        break;
      }
      case Derivative::Jacobian: {
        DerivativeResult j = jacobian(arena, rules, f, x, facts, args.budget(), record);
        NumericCheck c = checkJacobian(arena, f, x, j.display, points, 7, facts);
        requireAgreement(arena, c, j.display, what, args.check);
        results.push_back({name, j.display, std::move(j.derivation), c});
        break;
      }
      case Derivative::Hessian: {
        // Blocks H_xy = ∂vec(∇ₓf)/∂vec(y)': the gradient by x once, checked
        // against f; each block checked as the Jacobian of that gradient.
        GradientResult g = gradient(arena, rules, f, x, facts, args.budget(), record, xs);
        NumericCheck cg = checkGradient(arena, f, x, g.display, points, 7, facts);
        requireAgreement(arena, cg, g.display, "gradient", args.check);
        for (Id y : xs) {
          DerivativeResult h = hessian(arena, rules, g, y, facts, args.budget(), record);
          NumericCheck c = checkJacobian(arena, g.gradient, y, h.display, points, 7, facts);
          requireAgreement(arena, c, h.display, what, args.check);
          std::string label = xs.size() == 1 ? name : name + "," + arena.symbolOf(y).name;
          results.push_back({label, h.display, std::move(h.derivation), c});
        }
        break;
      }
    }
  }

  bool labelled = results.size() > 1;
  if (args.emit == "numpy-def") {  // a complete function: the value and the derivatives
    std::vector<std::string> names;
    for (Id v : variablesOf(arena, f)) names.push_back(arena.symbolOf(v).name);
    std::sort(names.begin(), names.end());
    std::string params, outputs;
    for (const std::string& n : names) params += (params.empty() ? "" : ", ") + n;
    std::string value = toNumpy(arena, f), code;
    code += "    value = " + (arena.shape(f).isScalar() ? "float(np.squeeze(" + value + "))" : value) + "\n";
    for (const Labelled& r : results) {
      std::ostringstream body;
      printResult(arena, r.display, "numpy", !args.noShare, body);
      std::string text = body.str(), line, name = "d_" + r.label;
      std::replace(name.begin(), name.end(), ',', '_');
      std::istringstream lines(text);
      std::vector<std::string> all;
      while (std::getline(lines, line)) all.push_back(line);
      for (std::size_t i = 0; i + 1 < all.size(); ++i) code += "    " + all[i] + "\n";
      code += "    " + name + " = " + all.back() + "\n";
      outputs += ", " + name;
    }
    // Matrix functions (expm, logm, sqrtm and their Fréchet derivatives) are SciPy's.
    bool scipy = code.find("scipy.") != std::string::npos;
    std::cout << "import numpy as np\n" << (scipy ? "import scipy.linalg\n" : "") << "\n\ndef f(" << params << "):\n";
    std::cout << "    \"\"\"" << toText(arena, f) << " and its " << what << (results.size() > 1 ? "s" : "") << " with respect to ";
    for (std::size_t i = 0; i < results.size(); ++i) std::cout << (i ? ", " : "") << results[i].label;
    std::cout << ".\n\n    vec stacks columns; vectors are (n, 1) columns.\n    \"\"\"\n";
    std::cout << code << "    return value" << outputs << "\n";
    return 0;
  }
  if (args.emit == "json") {
    const char* key = kind == Derivative::Gradient ? "gradient" : kind == Derivative::Differential ? "differential"
                      : kind == Derivative::Jacobian ? "jacobian" : "hessian";
    nlohmann::json all = nlohmann::json::array();
    for (const Labelled& r : results) {
      nlohmann::json j = {{"function", toText(arena, f)},
                          {"wrt", r.label},
                          {key, resultJson(arena, r.display, !args.noShare)},
                          {"assumptions", r.derivation.assumptions},
                          {"steps", stepsJson(arena, r.derivation)}};
      if (kind != Derivative::Differential) {
        Shape s = arena.shape(r.display);
        j["shape"] = arena.shapeText(s);
      }
      if (args.check) j["check"] = {{"points", r.check.points}, {"max_relative_error", r.check.maxError}};
      all.push_back(j);
    }
    std::cout << (labelled ? all : all[0]).dump(2) << "\n";
    return 0;
  }
  for (const Labelled& r : results) {
    if (args.steps) printDerivation(arena, r.derivation, std::cout);
    if (!labelled) {
      printResult(arena, r.display, args.emit, !args.noShare, std::cout);
      continue;
    }
    // One labelled result per variable: Python assignments d_x = …, else "x: …".
    std::string label = r.label;
    std::replace(label.begin(), label.end(), ',', '_');
    if (args.emit == "numpy" || args.emit == "torch") {
      std::ostringstream body;
      printResult(arena, r.display, args.emit, !args.noShare, body);
      std::string text = body.str();
      std::size_t last = text.rfind('\n', text.size() - 2);
      last = last == std::string::npos ? 0 : last + 1;
      std::cout << text.substr(0, last) << "d_" << label << " = " << text.substr(last);
    } else {
      std::cout << (args.emit == "latex" ? "% " : "") << r.label << ":\n";
      printResult(arena, r.display, args.emit, !args.noShare, std::cout);
    }
  }
  if (args.check)
    for (const Labelled& r : results)
      std::cerr << fmt::format("check{}: agrees with the exact directional derivative at {} random points (largest relative error {:.2g})\n",
                               labelled ? " (" + r.label + ")" : "", r.check.points, r.check.maxError);
  return 0;
}

}  // namespace

void addCalculusCommands(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<Args>();
  auto common = [&](CLI::App* cmd) {
    cmd->add_option("--var", args->vars, "declare a variable's kind: NAME:scalar|vector|matrix")
        ->allow_extra_args(false);
    cmd->add_option("--rules", args->ruleLayers, kRulesHelp)
        ->allow_extra_args(false);
    cmd->add_option("--deadline", args->deadline, "stop with an error after this many seconds (default 5)")
        ->check(CLI::Range(0.001, 3600.0));
    cmd->add_flag("--no-share", args->noShare, "print the result fully expanded, without naming common sub-expressions (t1, t2 …)");
    cmd->add_option("--assume", args->assumptions, "a fact rules may use: " + assumableText())
        ->allow_extra_args(false);
  };
  CLI::App* s = app.add_subcommand("simplify", "rewrite an expression to its normal form");
  s->add_option("expression", args->expressions, "the expression")->required()->expected(1);
  s->add_flag("--steps", args->steps, "print every rewrite step with its rule");
  s->add_option("--emit", args->emit, "text, latex, numpy or torch")->check(CLI::IsMember({"text", "latex", "numpy", "torch"}));
  common(s);
  s->callback([&commands, args] { commands.chosen = [args] { return simplifyCommand(*args); }; });

  CLI::App* e = app.add_subcommand("equiv", "decide whether two expressions are equal");
  e->add_option("expressions", args->expressions, "the two expressions")->required()->expected(2);
  common(e);
  e->callback([&commands, args] { commands.chosen = [args] { return equivCommand(*args); }; });

  struct Spec {
    const char* name;
    const char* help;
    Derivative kind;
  };
  for (Spec spec : {Spec{"grad", "the gradient of a scalar expression, by the differential method", Derivative::Gradient},
                    Spec{"diff", "the differential of an expression of any shape, linear in d(X)", Derivative::Differential},
                    Spec{"jacobian", "J = d vec(F) / d vec(X)': size(F) rows, size(X) columns (vec stacks columns)", Derivative::Jacobian},
                    Spec{"hessian", "H = d vec(grad f) / d vec(X)' of a scalar f: size(X) x size(X)", Derivative::Hessian}}) {
    CLI::App* g = app.add_subcommand(spec.name, spec.help);
    // grad EXPR --wrt x, or grad EXPR x: the positionals are the function and then its variables.
    g->add_option("expression", args->expressions, "the function, then optionally the variables (as --wrt gives them)")->required()
        ->expected(1, 64);
    g->add_option("--wrt", args->wrt, "the variable (repeat for several: one result per variable, or Hessian blocks)")
        ->allow_extra_args(false);  // one value per occurrence: "--wrt X EXPR" leaves EXPR
    g->add_option("--emit", args->emit, "text, latex, numpy, numpy-def (a complete Python function), torch or json")
        ->check(CLI::IsMember({"text", "latex", "numpy", "numpy-def", "torch", "json"}));
    g->add_flag("--steps", args->steps, "print the derivation, one rule per step");
    if (spec.kind != Derivative::Differential)
      g->add_flag("--check", args->check, "compare with exact directional derivatives at random points");
    common(g);
    Derivative kind = spec.kind;
    g->callback([&commands, args, kind] { commands.chosen = [args, kind] { return derivativeCommand(*args, kind); }; });
  }
}

}  // namespace matcalc::cli
