#include <fmt/core.h>

#include <iostream>

#include "commands.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/verify.hpp"

namespace matcalc::cli {

namespace {

struct RuleArgs {
  std::string family, name;
  std::vector<std::string> ruleLayers;
  std::vector<std::string> files;
  int trials = 30;
  std::uint64_t seed = 20261122;
};

RuleSet load(Arena& arena, const RuleArgs& args) {
  if (args.files.empty()) return loadRules(arena, args.ruleLayers);
  RuleSet set;
  for (const std::string& f : args.files) set.loadFile(arena, f);
  return set;
}

int list(const RuleArgs& args) {
  Arena arena;
  RuleSet set = load(arena, args);
  int shown = 0;
  for (const Rule& r : set.rules()) {
    if (!args.family.empty() && r.family != args.family) continue;
    std::cout << fmt::format("{:<34} {:<18} {} = {}\n", r.name, r.family, toText(arena, r.lhsRaw), toText(arena, r.rhsRaw));
    ++shown;
  }
  if (shown == 0 && !args.family.empty()) throw Error(Error::Category::Usage, "no rules in family '" + args.family + "'");
  return 0;
}

int show(const RuleArgs& args) {
  Arena arena;
  RuleSet set = load(arena, args);
  const Rule* r = set.find(args.name);
  if (!r) throw Error(Error::Category::Usage, "no rule named '" + args.name + "' (see matcalc rules list)");
  std::string guards = guardsText(arena, r->where);
  std::cout << "name:   " << r->name << "\n"
            << "family: " << r->family << "\n"
            << "text:   " << toText(arena, r->lhsRaw) << " = " << toText(arena, r->rhsRaw) << "\n"
            << "latex:  " << toLatex(arena, r->lhsRaw) << " = " << toLatex(arena, r->rhsRaw) << "\n"
            << "where:  " << (guards.empty() ? "(no guards)" : guards) << "\n"
            << "source: " << r->source << "\n"
            << "file:   " << r->location() << "\n";
  return 0;
}

int checkRules(const RuleArgs& args) {
  Arena arena;
  RuleSet set = load(arena, args);
  int failed = 0;
  for (const Rule& r : set.rules()) {
    CheckSummary s = check(arena, identityOf(r), args.trials, args.seed);
    if (s.ok) {
      std::cout << fmt::format("ok    {:<34} {} trials, {}\n", r.name, s.trials, methodName(s.method));
    } else {
      ++failed;
      std::cout << fmt::format("FAIL  {:<34} {}: {} ({})\n", r.name, r.location(), s.detail, methodName(s.method));
      std::cout << fmt::format("      reproduce: matcalc rules check {} --seed {} --trials {}\n", r.file, args.seed, args.trials);
    }
  }
  std::cout << set.rules().size() - failed << " rules verified, " << failed << " failed\n";
  return failed ? 1 : 0;
}

}  // namespace

void addRuleCommands(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<RuleArgs>();
  CLI::App* rules = app.add_subcommand("rules", "list, show and verify the rewrite rules");
  rules->require_subcommand(1);
  rules->add_option("--rules", args->ruleLayers, kRulesHelp)
        ->allow_extra_args(false);

  CLI::App* listCmd = rules->add_subcommand("list", "list the rules");
  listCmd->add_option("--family", args->family, "only this family");
  listCmd->callback([&commands, args] { commands.chosen = [args] { return list(*args); }; });

  CLI::App* showCmd = rules->add_subcommand("show", "show one rule: text, LaTeX, guards, source");
  showCmd->add_option("name", args->name, "the rule's name")->required();
  showCmd->callback([&commands, args] { commands.chosen = [args] { return show(*args); }; });

  CLI::App* checkCmd = rules->add_subcommand("check", "verify rules numerically on random matrices");
  checkCmd->add_option("files", args->files, "rule files (default: the whole catalog)");
  checkCmd->add_option("--trials", args->trials, "random instances per rule")->check(CLI::Range(1, 100000));
  checkCmd->add_option("--seed", args->seed, "random seed");
  checkCmd->callback([&commands, args] { commands.chosen = [args] { return checkRules(*args); }; });
}

}  // namespace matcalc::cli
