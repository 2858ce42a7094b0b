// A rule set as bytes, and back (src/rules/snapshot.cpp): the standard
// rules are loaded from rules/*.yaml, checked and oriented once, at build
// time, and compiled into the library as a snapshot.
#pragma once
#include <string>
#include <string_view>

#include "matcalc/rules.hpp"

namespace matcalc {

// The rules and the arena they were loaded into (which must hold nothing else).
std::string snapshot(const Arena& arena, const RuleSet& rules);
// Adds the snapshot's rules to `rules`, their terms interned into `arena`
// (which may hold other terms). Throws Error(Rule) on a malformed snapshot.
void restore(Arena& arena, RuleSet& rules, std::string_view bytes);

}  // namespace matcalc
