// The CLI's subcommands. Each registers its options and a handler; main runs
// the handler of the one chosen.
#pragma once
#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "matcalc/calculus.hpp"
#include "matcalc/parse.hpp"
#include "matcalc/rules.hpp"

namespace matcalc::cli {

struct Commands {
  std::function<int()> chosen;
  int run() const { return chosen ? chosen() : 2; }
};

// "--var NAME:KIND" options, repeated.
ParseOptions declarations(const std::vector<std::string>& vars);
// An expression argument: "-" reads it from standard input (for inputs past
// the shell's argument limit), at most 1 MB as any expression.
std::string expressionText(const std::string& argument);
// The arena of this run and the rules loaded into it: never destroyed, since
// the process ends with the command (freeing millions of nodes after a budget
// error takes seconds, and the rules' thousands of allocations a tenth of a
// millisecond).
struct ProcessState {
  Arena arena;
  std::unique_ptr<RuleSet> rules;
};
inline ProcessState*& processStateSlot() {
  static ProcessState* state = new ProcessState;
  return state;
}
inline Arena& processArena() { return processStateSlot()->arena; }
// The command's deadline, from its start: constructing terms checks it, so
// that parsing an input built to be slow to build stops in time too.
inline void startDeadline(Arena& arena, double seconds) {
  arena.limits().deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
  arena.limits().deadlineSeconds = seconds;
}
// Between the jobs of `matcalc batch`: a fresh arena for the next job.
inline void resetProcessArena() {
  delete processStateSlot();
  processStateSlot() = new ProcessState;
}

// The standard rules (RuleSet::standard: $MATCALC_RULES if set, else those
// compiled in), with the rules of each --rules DIR layered on top.
RuleSet loadRules(Arena& arena, const std::vector<std::string>& layers);
// The same, loaded into processArena() and kept with it.
const RuleSet& processRules(const std::vector<std::string>& layers);
inline constexpr const char* kRulesHelp =
    "more rules: the *.yaml of DIR, added to the standard ones (repeatable; $MATCALC_RULES=DIR1:DIR2 replaces the standard ones)";

// "invertible(A), spd(S)": a rule's or an entry's guards, as written.
std::vector<std::string> guardStrings(const Arena& arena, const std::vector<GuardUse>& where);
std::string guardsText(const Arena& arena, const std::vector<GuardUse>& where);

// A derivation the way the slides write one: each stage, then a line per step naming its rule.
void printDerivation(const Arena& arena, const Derivation& derivation, std::ostream& out, const std::string& indent = "");

// A result in the format asked for (text, latex, numpy), its common
// sub-expressions named unless !share (cli/output.cpp).
void printResult(Arena& arena, Id term, const std::string& emit, bool share, std::ostream& out);
nlohmann::json resultJson(Arena& arena, Id term, bool share);

void addExpressionCommands(CLI::App& app, Commands& commands);
void addRuleCommands(CLI::App& app, Commands& commands);
void addCalculusCommands(CLI::App& app, Commands& commands);
void addCatalogCommands(CLI::App& app, Commands& commands);

}  // namespace matcalc::cli
