#include <algorithm>
#include <regex>
#include <set>
#include <optional>
#include <sstream>

#include "../rewrite/match.hpp"
#include "../rewrite/order.hpp"
#include "matcalc/catalog.hpp"
#include "matcalc/parse.hpp"

namespace matcalc {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A word occurs in the text; a number only as a whole number, so that
// "eq 12" finds equation 12 and not 120–129.
bool contains(const std::string& hay, const std::string& word) {
  bool number = std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isdigit(c); });
  for (std::size_t at = hay.find(word); at != std::string::npos; at = hay.find(word, at + 1)) {
    if (!number) return true;
    bool before = at > 0 && std::isdigit(static_cast<unsigned char>(hay[at - 1]));
    bool after = at + word.size() < hay.size() && std::isdigit(static_cast<unsigned char>(hay[at + word.size()]));
    if (!before && !after) return true;
  }
  return false;
}

bool wordsMatch(const CatalogEntry& e, const std::string& query) {
  std::string hay = lower(e.name + " " + e.statement + " " + e.section + " " + e.source + " " + e.note);
  for (const std::string& t : e.tags) hay += " " + lower(t);
  std::istringstream words(lower(query));
  std::string w;
  bool any = false;
  while (words >> w) {
    any = true;
    if (!contains(hay, w)) return false;
  }
  return any;
}

// 4 when the pattern matches with distinct variables bound to distinct
// leaves, 3 when some share one, 2 when a variable stands for a longer
// product, 0 when it does not match.
int structuralScore(Arena& a, Id pattern, std::uint32_t scope, Id subject, std::optional<std::pair<Id, Id>> wrt = {}) {
  Rule query;
  query.name = "query";
  query.lhs = pattern;
  query.scope = scope;
  query.variables = variablesOf(a, pattern);
  if (query.variables.size() > detail::Matcher::kMaxVars) return 0;
  detail::Matcher m(a, nullptr);
  int best = 0;
  m.matchRoot(query, subject, [&](std::span<const Id> before, std::span<const Id> after) {
    if (!before.empty() || !after.empty()) return false;  // the whole term, not part of it
    std::vector<Id> bound;
    for (Id v : query.variables) bound.push_back(m.term(v));
    bool exact = detail::termSize(a, m.instantiate(pattern)) == detail::termSize(a, subject) &&
                 std::all_of(bound.begin(), bound.end(), [&](Id t) { return a.kind(t) == Kind::Symbol || a.kind(t) == Kind::Number; });
    bool injective = std::set<Id>(bound.begin(), bound.end()).size() == bound.size();
    // "grad F wrt X": the query's X must stand for the entry's variable.
    if (wrt) {
      auto it = std::find(query.variables.begin(), query.variables.end(), wrt->first);
      if (it == query.variables.end() || bound[it - query.variables.begin()] != wrt->second) return false;
    }
    best = std::max(best, exact ? (injective ? 4 : 3) : 2);
    return best == 4;
  });
  return best;
}

}  // namespace

std::vector<LookupHit> lookup(Arena& a, const RuleSet& rules, const Catalog& catalog, const std::string& query) {
  static const std::regex gradQuery(R"(^\s*grad\s+(.+?)(\s+wrt\s+([A-Za-z_][A-Za-z0-9_]*))?\s*$)");
  std::smatch m;
  bool isGrad = std::regex_match(query, m, gradQuery);
  std::string expression = isGrad ? std::string(m[1]) : query;
  std::string wrtName = isGrad ? std::string(m[3]) : "";
  std::optional<Id> pattern, wrtVar;
  std::uint32_t scope = a.newScope();
  try {
    ParseSession session(a, ParseOptions{{}, scope});
    session.add(expression);
    if (!wrtName.empty()) session.add(wrtName);
    auto terms = session.finish();
    pattern = terms[0];
    if (!wrtName.empty()) wrtVar = terms[1];
  } catch (const Error&) {
    // not an expression: words only
  }
  std::vector<LookupHit> hits;
  for (const CatalogEntry& e : catalog.entries()) {
    int score = 0;
    if (pattern && a.kind(*pattern) != Kind::Symbol) {
      bool gradientEntry = e.form != CatalogEntry::Form::Equality;  // the function is what is looked up
      if (wrtVar && !gradientEntry) continue;
      std::optional<std::pair<Id, Id>> wrt;
      if (wrtVar) wrt = std::make_pair(*wrtVar, e.wrt);
      std::vector<Id> sides = gradientEntry ? std::vector<Id>{e.lhs} : std::vector<Id>{e.lhs, e.rhs};
      for (Id side : sides) {
        score = std::max(score, structuralScore(a, *pattern, scope, side, wrt));
        if (score < 4) {
          try {
            Id normal = normalForm(a, rules, side, e.where);
            score = std::max(score, structuralScore(a, normalForm(a, rules, *pattern), scope, normal, wrt));
          } catch (const Error&) {
          }
        }
      }
    }
    if (score == 0 && wordsMatch(e, query)) score = 1;
    if (score > 0) hits.push_back({&e, score});
  }
  std::stable_sort(hits.begin(), hits.end(), [](const LookupHit& x, const LookupHit& y) { return x.score > y.score; });
  return hits;
}

}  // namespace matcalc
