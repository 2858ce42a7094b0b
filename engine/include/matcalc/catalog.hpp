// The identity catalog (identities/*.yaml, docs/identity-format.md): known
// results people look up, each verified numerically and, where the engine
// can, reproduced symbolically.
#pragma once
#include <string>
#include <vector>

#include "matcalc/calculus.hpp"
#include "matcalc/verify.hpp"

namespace matcalc {

struct CatalogEntry {
  // Gradient: grad F wrt X = G. Jacobian: jacobian F wrt X = J (vec(dF) = J*vec(dX)).
  // Hessian: hessian f wrt X = H (the Jacobian of the gradient).
  enum class Form { Equality, Gradient, Jacobian, Hessian } form;
  std::string name, statement, section, source, file;
  std::string note;  // an erratum or a convention of the source, with its reference
  std::vector<std::string> tags;
  int line = 0;
  Id lhs = 0, rhs = 0;  // Equality: lhs = rhs. Otherwise lhs is F, rhs its derivative
  Id wrt = 0;           // the variable X of a derivative
  std::vector<GuardUse> where;
  std::uint32_t scope = 0;  // the arena scope of the entry's variables
  std::string location() const { return file + ":" + std::to_string(line); }
};

class Catalog {
 public:
  // Throws Error(Rule) "file:line: entry 'name': reason" on the first defect.
  void loadFile(Arena& arena, const std::string& path);
  void loadDirectory(Arena& arena, const std::string& dir);
  const std::vector<CatalogEntry>& entries() const { return entries_; }
  const CatalogEntry* find(const std::string& name) const;

 private:
  std::vector<CatalogEntry> entries_;
};

// The statement as an identity the checker verifies: an equality as it is; a
// gradient as d(F) = <G, d(X)> with every other variable constant; a Jacobian
// as vec(d(F)) = J*vec(d(X)); a Hessian as vec(d(G)) = H*vec(d(X)) with G the
// engine's gradient (itself checked against f), so it needs the rules.
Identity verificationIdentity(Arena& arena, const CatalogEntry& e, const RuleSet* rules = nullptr);
const char* formName(CatalogEntry::Form form);

}  // namespace matcalc

namespace matcalc {

// An entry verified twice: numerically (as rules are) and symbolically (the
// engine reproduces it up to normal form).
struct EntryStatus {
  enum class Symbolic { Reproduced, NumericOnly, Gap };
  CheckSummary numeric;
  Symbolic symbolic = Symbolic::Gap;
  Id engine = 0;       // the engine's gradient, or the normal form of the left side
  std::string detail;  // for a gap: what stopped the engine
  Derivation derivation;
};
const char* symbolicName(EntryStatus::Symbolic s);
EntryStatus verifyEntry(Arena& arena, const RuleSet& rules, const CatalogEntry& entry, int trials, std::uint64_t seed);

}  // namespace matcalc

namespace matcalc {

struct LookupHit {
  const CatalogEntry* entry;
  int score;  // 4: the query's structure with its letters renamed; 3: exactly, some letters equal; 2: with longer products; 1: words
};
// Entries matching `query`: as an expression it is parsed with every name a
// pattern variable and matched against each entry's function / sides (and
// their normal forms), so tr(P*Y*Q) finds tr(A*X*B); "grad F wrt X" queries
// match F. Otherwise, or also, every word must occur in the entry's name,
// statement, tags, section, source or note. Best matches first.
std::vector<LookupHit> lookup(Arena& arena, const RuleSet& rules, const Catalog& catalog, const std::string& query);

}  // namespace matcalc
