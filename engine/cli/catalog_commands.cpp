// identities check, lookup, catalog export.
#include <fstream>
#include <fmt/core.h>

#include <optional>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "matcalc/catalog.hpp"
#include "matcalc/print.hpp"

namespace matcalc::cli {

namespace {

struct CatalogArgs {
  std::string identitiesDir, query;
  std::vector<std::string> ruleLayers;
  std::vector<std::string> files;
  int trials = 30;
  std::uint64_t seed = 20261122;
};

std::string identitiesDirectory(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("MATCALC_IDENTITIES")) return env;
  // The source tree's catalog when run from a build tree, else the installed one.
  static const std::string source = MATCALC_SOURCE_DIR "/identities";
  if (std::ifstream(source + "/slides-examples.yaml")) return source;
  return MATCALC_INSTALLED_DATA "/identities";
}

struct Loaded {
  Arena arena;
  RuleSet rules;
  Catalog catalog;
};

std::unique_ptr<Loaded> load(const CatalogArgs& args) {
  auto l = std::make_unique<Loaded>();
  l->rules = loadRules(l->arena, args.ruleLayers);
  if (args.files.empty()) l->catalog.loadDirectory(l->arena, identitiesDirectory(args.identitiesDir));
  for (const std::string& f : args.files) l->catalog.loadFile(l->arena, f);
  return l;
}

int checkIdentities(const CatalogArgs& args) {
  auto l = load(args);
  int verified = 0, symbolic = 0, failed = 0;
  for (const CatalogEntry& e : l->catalog.entries()) {
    EntryStatus s = verifyEntry(l->arena, l->rules, e, args.trials, args.seed);
    bool reproduced = s.symbolic == EntryStatus::Symbolic::Reproduced;
    if (s.numeric.ok) ++verified;
    else ++failed;
    if (reproduced) ++symbolic;
    std::cout << fmt::format("{:<6} {:<12} {:<44} {}\n", s.numeric.ok ? "ok" : "FAIL", symbolicName(s.symbolic), e.name,
                             s.numeric.ok ? (reproduced ? "" : s.detail) : e.location() + ": " + s.numeric.detail);
  }
  std::cout << l->catalog.entries().size() << " entries: " << verified << " verified, " << symbolic << " symbolic, " << failed
            << " failed\n";
  return failed ? 1 : 0;
}

int lookupCommand(const CatalogArgs& args) {
  auto l = load(args);
  Arena& a = l->arena;
  auto hits = lookup(a, l->rules, l->catalog, expressionText(args.query));
  if (hits.empty()) {
    std::cout << "no entry matches '" << args.query << "'\n";
    return 1;
  }
  std::size_t shown = 0;
  for (const LookupHit& h : hits) {
    if (shown++ == static_cast<std::size_t>(args.trials)) break;  // --limit
    const CatalogEntry& e = *h.entry;
    EntryStatus s = verifyEntry(a, l->rules, e, 20, args.seed);
    std::string guards = guardsText(a, e.where);
    std::cout << e.name << (h.score == 1 ? "  (words)" : "") << "\n"
              << "  statement: " << e.statement << "\n"
              << "  where:     " << (guards.empty() ? "(no guards)" : guards) << "\n"
              << "  source:    " << e.source << (e.section.empty() ? "" : "; " + e.section) << "\n"
              << (e.note.empty() ? "" : "  note:      " + e.note + "\n")
              << "  verified:  " << (s.numeric.ok ? "numerically (" + std::string(methodName(s.numeric.method)) + ", " + std::to_string(s.numeric.trials) + " trials)" : "NO: " + s.numeric.detail)
              << "; symbolically: " << symbolicName(s.symbolic) << "\n";
    std::cout << "  derivation by the engine:\n";
    printDerivation(a, s.derivation, std::cout, "    ");
    if (s.engine) std::cout << "    result: " << toText(a, s.engine) << "\n";
    std::cout << "\n";
  }
  if (hits.size() > shown) std::cout << "(" << hits.size() - shown << " more; --limit N shows more)\n";
  return 0;
}

// "rules/trace.yaml:12" rather than an absolute path, for generated pages.
std::string relative(const std::string& location) {
  const std::string root = std::string(MATCALC_SOURCE_DIR) + "/";
  return location.rfind(root, 0) == 0 ? location.substr(root.size()) : location;
}

std::string statementLatex(const Arena& a, const CatalogEntry& e) {
  switch (e.form) {
    case CatalogEntry::Form::Equality: return toLatex(a, e.lhs) + " = " + toLatex(a, e.rhs);
    case CatalogEntry::Form::Jacobian:
      return "\\frac{\\partial \\operatorname{vec}(" + toLatex(a, e.lhs) + ")}{\\partial \\operatorname{vec}(" + toLatex(a, e.wrt) +
             ")^\\top} = " + toLatex(a, e.rhs);
    case CatalogEntry::Form::Hessian:
      return "\\frac{\\partial^2}{\\partial \\operatorname{vec}(" + toLatex(a, e.wrt) + ") \\, \\partial \\operatorname{vec}(" +
             toLatex(a, e.wrt) + ")^\\top} \\left(" + toLatex(a, e.lhs) + "\\right) = " + toLatex(a, e.rhs);
    case CatalogEntry::Form::Gradient: break;
  }
  return "\\frac{\\partial}{\\partial " + toLatex(a, e.wrt) + "} \\left(" + toLatex(a, e.lhs) + "\\right) = " + toLatex(a, e.rhs);
}

// Everything the generated catalog pages show, with each entry's verification.
int exportCatalog(const CatalogArgs& args) {
  auto l = load(args);
  Arena& a = l->arena;
  nlohmann::json rules = nlohmann::json::array();
  for (const Rule& r : l->rules.rules()) {
    CheckSummary c = check(a, identityOf(r), args.trials, args.seed);
    rules.push_back({{"name", r.name},
                     {"family", r.family},
                     {"text", toText(a, r.lhsRaw) + " = " + toText(a, r.rhsRaw)},
                     {"latex", toLatex(a, r.lhsRaw) + " = " + toLatex(a, r.rhsRaw)},
                     {"where", guardStrings(a, r.where)},
                     {"order", orderName(r.order)},
                     {"source", r.source},
                     {"file", relative(r.location())},
                     {"numeric", {{"ok", c.ok}, {"method", methodName(c.method)}, {"trials", c.trials}, {"detail", c.detail}}}});
  }
  nlohmann::json entries = nlohmann::json::array();
  for (const CatalogEntry& e : l->catalog.entries()) {
    EntryStatus s = verifyEntry(a, l->rules, e, args.trials, args.seed);
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& stage : s.derivation.stages)
      for (const Step& st : stage.steps) steps.push_back({{"stage", stage.title}, {"rule", st.rule->name}, {"term", toText(a, st.term != kNoId ? st.term : st.after)}});
    if (steps.empty() && s.symbolic == EntryStatus::Symbolic::Reproduced)  // tr(A*B) = tr(B*A): one term as built
      steps.push_back({{"stage", "build both sides"}, {"rule", "the term constructors (builtin rules)"}, {"term", toText(a, s.engine)}});
    entries.push_back({{"name", e.name},
                       {"section", e.section},
                       {"form", formName(e.form)},
                       {"statement", e.statement},
                       {"latex", statementLatex(a, e)},
                       {"where", guardStrings(a, e.where)},
                       {"source", e.source},
                       {"note", e.note},
                       {"tags", e.tags},
                       {"file", relative(e.location())},
                       {"numeric", {{"ok", s.numeric.ok}, {"method", methodName(s.numeric.method)}, {"trials", s.numeric.trials}, {"detail", s.numeric.detail}}},
                       {"symbolic", {{"status", symbolicName(s.symbolic)}, {"engine", s.engine ? toText(a, s.engine) : ""}, {"detail", s.detail}}},
                       {"derivation", steps}});
  }
  nlohmann::json out = {{"generator", "matcalc catalog export"}, {"rules", rules}, {"identities", entries}};
  std::cout << out.dump(1) << "\n";
  return 0;
}

}  // namespace

void addCatalogCommands(CLI::App& app, Commands& commands) {
  auto args = std::make_shared<CatalogArgs>();
  CLI::App* ids = app.add_subcommand("identities", "verify the identity catalog");
  ids->require_subcommand(1);
  ids->add_option("--rules", args->ruleLayers, kRulesHelp)
        ->allow_extra_args(false);
  CLI::App* check = ids->add_subcommand("check", "verify every entry numerically and symbolically");
  check->add_option("files", args->files, "catalog files (default: identities/)");
  check->add_option("--identities", args->identitiesDir, "the catalog directory (default: $MATCALC_IDENTITIES or identities/)");
  check->add_option("--trials", args->trials, "random instances per entry")->check(CLI::Range(1, 100000));
  check->add_option("--seed", args->seed, "random seed");
  check->callback([&commands, args] { commands.chosen = [args] { return checkIdentities(*args); }; });

  CLI::App* lk = app.add_subcommand("lookup", "find catalog entries by structure (tr(A*X*B)) or by words");
  lk->add_option("query", args->query, "an expression, 'grad F wrt X', or words")->required();
  lk->add_option("--limit", args->trials, "how many entries to show (default 5)")->check(CLI::Range(1, 1000));
  lk->add_option("--rules", args->ruleLayers, kRulesHelp)
        ->allow_extra_args(false);
  lk->add_option("--identities", args->identitiesDir, "the catalog directory");
  lk->preparse_callback([args](std::size_t) { args->trials = 5; });
  lk->callback([&commands, args] { commands.chosen = [args] { return lookupCommand(*args); }; });

  CLI::App* catalog = app.add_subcommand("catalog", "export the rules and identities with their verification");
  catalog->require_subcommand(1);
  CLI::App* exp = catalog->add_subcommand("export", "print everything the catalog pages show, as JSON");
  exp->add_option("--rules", args->ruleLayers, kRulesHelp)
        ->allow_extra_args(false);
  exp->add_option("--identities", args->identitiesDir, "the catalog directory");
  exp->add_option("--trials", args->trials, "random instances per entry")->check(CLI::Range(1, 100000));
  exp->callback([&commands, args] { commands.chosen = [args] { return exportCatalog(*args); }; });
}

}  // namespace matcalc::cli
