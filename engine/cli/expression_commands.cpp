#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "matcalc/print.hpp"

namespace matcalc::cli {

std::string expressionText(const std::string& argument) {
  if (argument != "-") return argument;
  static std::string input;  // standard input is read once, for the first "-"
  static bool read = false;
  if (read) throw Error(Error::Category::Usage, "standard input ('-') can hold only one expression");
  read = true;
  constexpr std::size_t kLimit = 1 << 20;
  char buffer[1 << 16];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    input.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (input.size() > kLimit)
      throw Error(Error::Category::Budget, "the expression on standard input is longer than 1 MB");
  }
  while (!input.empty() && (input.back() == '\n' || input.back() == '\r')) input.pop_back();
  return input;
}

ParseOptions declarations(const std::vector<std::string>& vars) {
  ParseOptions options;
  for (const std::string& v : vars) {
    auto colon = v.find(':');
    if (colon == std::string::npos || colon == 0)
      throw Error(Error::Category::Usage, "--var takes NAME:KIND (scalar, vector or matrix), got '" + v + "'");
    options.declared[v.substr(0, colon)] = parseVarKind(v.substr(colon + 1));
  }
  return options;
}

std::vector<std::string> guardStrings(const Arena& a, const std::vector<GuardUse>& where) {
  std::vector<std::string> out;
  for (const GuardUse& g : where) out.push_back(std::string(guardName(g.guard)) + "(" + toText(a, g.variable) + ")");
  return out;
}

std::string guardsText(const Arena& a, const std::vector<GuardUse>& where) {
  std::string s;
  for (const std::string& g : guardStrings(a, where)) s += (s.empty() ? "" : ", ") + g;
  return s;
}

void printDerivation(const Arena& a, const Derivation& d, std::ostream& out, const std::string& indent) {
  for (const auto& stage : d.stages) {
    out << indent << stage.title << ":\n" << indent << "    " << toText(a, stage.start) << "\n";
    for (const Step& s : stage.steps) {
      if (s.term != kNoId) out << indent << "  = " << toText(a, s.term) << "    [" << s.rule->name << "]\n";
      else out << indent << "  : " << toText(a, s.before) << "  ->  " << toText(a, s.after) << "    [" << s.rule->name << "]\n";
    }
  }
  for (const std::string& s : d.assumptions) out << indent << "assuming " << s << "\n";
}

RuleSet loadRules(Arena& arena, const std::vector<std::string>& layers) {
  RuleSet rules = RuleSet::standard(arena);
  for (const std::string& dir : layers) rules.loadDirectory(arena, dir);
  return rules;
}

const RuleSet& processRules(const std::vector<std::string>& layers) {
  ProcessState& state = *processStateSlot();
  state.rules = std::make_unique<RuleSet>(loadRules(state.arena, layers));
  return *state.rules;
}

void addExpressionCommands(CLI::App& app, Commands& commands) {
  struct ParseArgs {
    std::string expression;
    std::vector<std::string> vars;
  };
  auto args = std::make_shared<ParseArgs>();
  CLI::App* parse = app.add_subcommand("parse", "print an expression's canonical text, shape and LaTeX");
  parse->add_option("expression", args->expression, "the expression")->required();
  parse->add_option("--var", args->vars, "declare a variable's kind: NAME:scalar|vector|matrix")
        ->allow_extra_args(false);
  parse->callback([&commands, args] {
    commands.chosen = [args] {
      Arena arena;
      startDeadline(arena, Budget{}.seconds);
      Id term = matcalc::parse(arena, expressionText(args->expression), declarations(args->vars));
      // K(X) is kept as K of a 0 of X's shape: shown with a variable, so the text parses back.
      auto scope = arena.symbolsInScope(0);
      std::cout << "text:  " << toText(arena, nameCommutations(arena, term, {scope.begin(), scope.end()})) << "\n"
                << "shape: " << arena.shapeText(arena.shape(term)) << "\n"
                << "latex: " << toLatex(arena, term) << "\n";
      return 0;
    };
  });
}

}  // namespace matcalc::cli
