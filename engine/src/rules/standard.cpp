// The standard rules: $MATCALC_RULES if set, else the snapshot compiled in.
#include <cstdlib>
#include <sstream>

#include "matcalc/snapshot.hpp"

namespace matcalc {
namespace detail {
std::string_view standardRulesSnapshot();  // generated at build time (tools/rulegen.cpp)
}

RuleSet RuleSet::standard(Arena& arena) {
  RuleSet rules;
  if (const char* env = std::getenv("MATCALC_RULES"); env && *env) {
    std::stringstream dirs(env);
    std::string dir;
    while (std::getline(dirs, dir, ':'))
      if (!dir.empty()) rules.loadDirectory(arena, dir);
    return rules;
  }
  restore(arena, rules, detail::standardRulesSnapshot());
  return rules;
}

}  // namespace matcalc
