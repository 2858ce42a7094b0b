// Loads and validates rule files. YAML entries are decoded into RuleSpec by
// reflecting over its fields (Boost.Hana), so the accepted keys, their types
// and the unknown-key check come from one struct definition.

#include <algorithm>
#include <boost/hana.hpp>
#include <filesystem>
#include <functional>
#include <regex>
#include <set>

#include "matcalc/parse.hpp"
#include "matcalc/print.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/walk.hpp"
#include "yaml_support.hpp"
#include "../rewrite/distribution.hpp"
#include "../rewrite/order.hpp"
#include "matcalc/rewrite.hpp"


namespace matcalc {

namespace {

struct RuleSpec {
  BOOST_HANA_DEFINE_STRUCT(RuleSpec,
                           (std::string, name),
                           (std::string, lhs),
                           (std::string, rhs),
                           (std::vector<std::string>, where),
                           (std::string, family),
                           (std::string, source),
                           (std::string, order));
};
const std::set<std::string> kOptional = {"where", "family", "order"};

[[noreturn]] void fail(const std::string& where, const std::string& rule, const std::string& why) {
  detail::failAt(where, "rule", rule, why);
}

}  // namespace

const char* guardName(Guard g) {
  switch (g) {
    case Guard::Square: return "square";
    case Guard::Symmetric: return "symmetric";
    case Guard::Diagonal: return "diagonal";
    case Guard::Invertible: return "invertible";
    case Guard::Spd: return "spd";
    case Guard::Positive: return "positive";
    case Guard::Nonzero: return "nonzero";
    case Guard::Integer: return "integer";
    case Guard::Principal: return "principal";
    case Guard::FullColRank: return "fullcolrank";
    case Guard::Constant: return "constant";
    case Guard::Differential: return "differential";
    case Guard::NoDifferential: return "nodifferential";
  }
  return "?";
}

std::vector<std::pair<Guard, std::string>> constrainGuards(ParseSession& session, const std::vector<std::string>& texts) {
  std::vector<std::pair<Guard, std::string>> out;
  for (const std::string& text : texts) {
    auto [guard, name] = parseGuardText(text);
    if (!session.hasSymbol(name)) throw Error(Error::Category::Usage, "guard '" + text + "' names a variable that does not occur");
    if (guard == Guard::Square || guard == Guard::Symmetric || guard == Guard::Diagonal || guard == Guard::Invertible ||
        guard == Guard::Spd || guard == Guard::Principal)
      session.requireSquare(name);
    out.emplace_back(guard, name);
  }
  return out;
}

std::vector<GuardUse> resolveGuards(Arena& arena, std::uint32_t scope, const std::vector<std::pair<Guard, std::string>>& guards) {
  std::vector<GuardUse> out;
  for (const auto& [guard, name] : guards) {
    const Symbol* s = arena.findSymbol(name, scope);
    out.push_back({guard, arena.symbol(s->name, s->kind, s->shape, scope)});
  }
  return out;
}

std::vector<std::string> yamlFilesIn(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw Error(Error::Category::Rule, dir + ": not a directory");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::pair<Guard, std::string> parseGuardText(const std::string& text) {
  try {
    return detail::parseGuard(text);
  } catch (const std::invalid_argument& e) {
    throw Error(Error::Category::Usage, e.what());
  }
}

const char* orderName(Order o) {
  switch (o) {
    case Order::Rpo: return "rpo";
    case Order::Ordered: return "ordered";
    case Order::Gradient: return "gradient";
    case Order::Builtin: return "builtin";
  }
  return "?";
}

std::set<Dim> dimensionsOf(const Arena& arena, Id term) {
  std::set<Dim> out;
  forEachNode(arena, term, [&](Id t) {
    for (Dim d : {arena.shape(t).rows, arena.shape(t).cols})
      for (Dim f : arena.dimFactors(d)) out.insert(f);  // a product's size follows from its factors'
    return true;
  });
  return out;
}

std::vector<Id> variablesOf(const Arena& arena, Id term) {
  std::vector<Id> out;  // in first-seen order
  forEachNode(arena, term, [&](Id t) {
    if (arena.kind(t) == Kind::Symbol) out.push_back(t);
    return arena.hasKind(t, Kind::Symbol) && arena.kind(t) != Kind::Symbol;
  });
  return out;
}

namespace {

bool nestedDifferential(const Arena& arena, Id t, bool inside) {
  bool here = arena.kind(t) == Kind::Differential;
  if (here && inside) return true;
  for (Id k : arena.kids(t))
    if (nestedDifferential(arena, k, inside || here)) return true;
  return false;
}

}  // namespace

void RuleSet::loadFile(Arena& arena, const std::string& path) {
  YAML::Node doc = detail::loadYaml(path);
  if (!doc.IsMap() || !doc["rules"] || !doc["rules"].IsSequence())
    fail(path + ":1", "", "a rule file is a mapping with a 'rules:' list (and an optional 'family:')");
  detail::requireKeys(path, doc, {"rules", "family"});
  std::string defaultFamily = doc["family"] ? detail::scalarAt(path, doc["family"], "'family'") : "";

  for (const auto& entry : doc["rules"]) {
    RuleSpec spec = detail::decodeEntry<RuleSpec>(path, entry, kOptional, "rule");
    std::string where = detail::lineOf(path, entry);
    if (!detail::isKebabCase(spec.name)) fail(where, spec.name, "the name must be kebab-case (a-z, 0-9, -)");
    if (const Rule* dup = find(spec.name))
      fail(where, spec.name, "duplicate name (first defined at " + dup->location() + ")");

    Rule rule;
    rule.name = spec.name;
    rule.family = spec.family.empty() ? defaultFamily : spec.family;
    rule.source = spec.source;
    rule.lhsText = spec.lhs;
    rule.rhsText = spec.rhs;
    rule.file = path;
    rule.line = entry.Mark().line + 1;
    if (rule.family.empty()) fail(where, spec.name, "no family (set 'family:' in the file or the rule)");
    rule.scope = arena.newScope();

    ParseSession session(arena, ParseOptions{{}, rule.scope});
    std::vector<std::pair<Guard, std::string>> guards;
    try {
      std::size_t l;
      try {
        l = session.add(spec.lhs);
      } catch (const ParseError& e) {
        throw Error(Error::Category::Rule, "lhs: " + std::string(e.what()) + " (column " + std::to_string(e.position() + 1) + ")");
      }
      std::size_t r;
      try {
        r = session.add(spec.rhs);
      } catch (const ParseError& e) {
        throw Error(Error::Category::Rule, "rhs: " + std::string(e.what()) + " (column " + std::to_string(e.position() + 1) + ")");
      }
      guards = constrainGuards(session, spec.where);
      session.requireSameShape(l, r);
      auto terms = session.finish();
      rule.lhs = terms[0];
      rule.rhs = terms[1];
    } catch (const Error& e) {
      fail(where, spec.name, e.what());
    }

    if (spec.order.empty() || spec.order == "rpo") rule.order = Order::Rpo;
    else if (spec.order == "ordered") rule.order = Order::Ordered;
    else if (spec.order == "gradient") rule.order = Order::Gradient;
    else if (spec.order == "builtin") rule.order = Order::Builtin;
    else fail(where, spec.name, "unknown order '" + spec.order + "' (rpo, ordered, gradient or builtin)");
    rule.lhsRaw = rule.lhs;
    rule.rhsRaw = rule.rhs;
    if (rule.order == Order::Builtin) {
      // Verified as written; and the constructors must make both sides one term.
      ParseSession raw(arena, ParseOptions{{}, rule.scope, true});
      try {
        raw.add(spec.lhs);
        raw.add(spec.rhs);
        raw.requireSameShape(0, 1);
        constrainGuards(raw, spec.where);
        auto terms = raw.finish();
        rule.lhsRaw = terms[0];
        rule.rhsRaw = terms[1];
      } catch (const Error& e) {
        fail(where, spec.name, e.what());
      }
      if (rule.lhs != rule.rhs)
        fail(where, spec.name, "a builtin rule states what the term constructors do, but they build " + toText(arena, rule.lhs) +
                                   " and " + toText(arena, rule.rhs) + " (docs/architecture.md)");
    } else {
      if (rule.lhs == rule.rhs)
        fail(where, spec.name, "both sides are the same term after canonicalisation: " + toText(arena, rule.lhs) +
                                   " (the constructors already do this: mark it 'order: builtin')");
      if (arena.kind(rule.lhs) == Kind::Symbol) fail(where, spec.name, "the left-hand side is a bare variable: it would match everything");
    }
    auto lhsVars = variablesOf(arena, rule.lhsRaw);
    for (Id v : variablesOf(arena, rule.rhsRaw))
      if (std::find(lhsVars.begin(), lhsVars.end(), v) == lhsVars.end())
        fail(where, spec.name, "the right-hand side uses '" + arena.symbolOf(v).name + "', which the left-hand side does not bind");
    rule.where = resolveGuards(arena, rule.scope, guards);
    {
      // A guard the left-hand side presupposes holds wherever the rule applies
      // (rewriting is valid where the term is defined): the checker still samples it.
      Facts domain = presuppositions(arena, rule.lhsRaw);
      for (GuardUse& g : rule.where)
        g.presupposed = (g.guard == Guard::Positive && domain.positive.count(g.variable)) ||
                        (g.guard == Guard::Invertible && domain.invertible.count(g.variable)) ||
                        (g.guard == Guard::Nonzero && domain.nonzero.count(g.variable)) ||
                        (g.guard == Guard::Principal && domain.principal.count(g.variable));
    }
    for (const GuardUse& g : rule.where)
      if (std::find(lhsVars.begin(), lhsVars.end(), g.variable) == lhsVars.end())
        fail(where, spec.name, "guard on '" + arena.symbolOf(g.variable).name + "', which the left-hand side does not bind");
    if (nestedDifferential(arena, rule.lhs, false) || nestedDifferential(arena, rule.rhs, false))
      fail(where, spec.name, "nested d(d(…)) is not supported");
    if (auto d = detail::dimensionOnlyOnRight(arena, rule.lhsRaw, rule.rhsRaw))
      fail(where, spec.name, "the right-hand side has a dimension (" + *d + ") the left-hand side does not fix");
    rule.variables = variablesOf(arena, rule.lhs);
    if (rule.variables.size() > 16) fail(where, spec.name, "more than 16 pattern variables");
    if (std::string why = detail::orientationProblem(arena, rule); !why.empty()) fail(where, spec.name, why);

    add(arena, std::move(rule));
  }
}

void RuleSet::loadDirectory(Arena& arena, const std::string& dir) {
  for (const std::string& f : yamlFilesIn(dir)) loadFile(arena, f);
}

void RuleSet::add(const Arena& arena, Rule rule) {
  if (const Rule* dup = find(rule.name))
    throw Error(Error::Category::Rule, rule.location() + ": rule '" + rule.name + "': duplicate name (first defined at " +
                                           dup->location() + ")");
  rule.differentialNeed.assign(rule.variables.size(), Rule::DifferentialNeed::Any);
  for (const GuardUse& g : rule.where) {
    auto v = std::find(rule.variables.begin(), rule.variables.end(), g.variable);
    if (g.presupposed || v == rule.variables.end()) continue;
    Rule::DifferentialNeed& need = rule.differentialNeed[v - rule.variables.begin()];
    if (g.guard == Guard::Differential) need = Rule::DifferentialNeed::Has;
    if (g.guard == Guard::NoDifferential || g.guard == Guard::Constant) need = Rule::DifferentialNeed::Lacks;
  }
  rule.distribution = detail::distributionOf(arena, rule);
  byName_.insert(NameIndex::hash(rule.name), static_cast<std::uint32_t>(rules_.size()));
  rules_.push_back(std::move(rule));
  indexes_.clear();
}

const Rule* RuleSet::find(const std::string& name) const {
  std::uint32_t i = byName_.find(NameIndex::hash(name), [&](std::uint32_t r) { return rules_[r].name == name; });
  return i == NameIndex::kNone ? nullptr : &rules_[i];
}

}  // namespace matcalc
