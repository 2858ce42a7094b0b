// Rules as data: loaded from rules/*.yaml (format: docs/rule-format.md).
#pragma once
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <string>
#include <vector>

#include "matcalc/parse.hpp"
#include "matcalc/term.hpp"

namespace matcalc {

enum class Guard {
  Square, Symmetric, Invertible, Spd, Positive, Nonzero, Integer,  // about values: the checker samples them
  Diagonal,                                               // zero off the diagonal (so symmetric): a variable within diagonal matrices
  Principal,                                              // no eigenvalue on the closed negative real axis (logm, sqrtm)
  FullColRank,                                            // full column rank (rows >= columns): A'*A is invertible
  Constant,                                               // d(A) = 0: a zero direction
  Differential, NoDifferential,                           // structural: A contains d(·), or not
};
const char* guardName(Guard g);
// "spd(S)" -> {Guard::Spd, "S"}; throws Error(Usage) naming what is wrong.
std::pair<Guard, std::string> parseGuardText(const std::string& text);


struct GuardUse {
  Guard guard;
  Id variable;               // a pattern variable of the rule
  bool presupposed = false;  // the left-hand side is only defined where it holds: sqrt(alpha), positive(alpha)
};

// Guards on variables of expressions being parsed (a rule's, a catalog
// entry's, or a user's --assume): each must name a variable of the session,
// and one that needs a square matrix makes it square before shapes are fixed.
// Call before session.finish(); resolveGuards() after it.
std::vector<std::pair<Guard, std::string>> constrainGuards(ParseSession& session, const std::vector<std::string>& texts);
std::vector<GuardUse> resolveGuards(Arena& arena, std::uint32_t scope, const std::vector<std::pair<Guard, std::string>>& guards);

// The *.yaml files of a directory, in name order; throws Error(Rule) if it is not one.
std::vector<std::string> yamlFilesIn(const std::string& dir);

// How a rule is kept from looping (docs/reduction-order.md).
enum class Order {
  Rpo,       // lhs > rhs in the recursive path order: always applied
  Ordered,   // permutes its variables: applied only when the instance gets smaller
  Gradient,  // moves a differential towards <G, d(X)>: the differential's path shrinks
  Builtin,   // applied by the term constructors (a canonical choice): verified, and
             // checked at load time to be what the constructors do, never matched
};
const char* orderName(Order o);

struct Rule {
  std::string name, family, source;
  std::string lhsText, rhsText;
  Id lhs = 0, rhs = 0;        // canonical: what the rewriter matches and builds
  Id lhsRaw = 0, rhsRaw = 0;  // as written, not canonicalised: what a builtin rule is verified on
  std::vector<Id> variables;  // the pattern variables of lhs, in first-seen order
  std::vector<GuardUse> where;
  // What where says of a d(·) in each variable's term, by index into
  // variables (set by RuleSet::add; empty means Any): the matcher refuses a
  // binding against it when the binding is made.
  enum class DifferentialNeed : std::uint8_t { Any, Has, Lacks };
  std::vector<DifferentialNeed> differentialNeed;
  // Set by RuleSet::add for a rule Ctx[B + C] -> Ctx[B] + Ctx[C] with no
  // guard on B or C: the rewriter distributes Ctx over all of a sum's terms
  // in one step (src/rewrite/distribution.hpp). image is Ctx[first] in rhs.
  struct Distribution {
    Id first = kNoId, rest = kNoId, image = kNoId;
    explicit operator bool() const { return image != kNoId; }
  };
  Distribution distribution;
  Order order = Order::Rpo;
  std::uint32_t scope = 0;  // the arena scope of its pattern variables
  std::string file;
  int line = 0;
  std::string location() const { return file + ":" + std::to_string(line); }
};

// A lock of the caches a const object fills in lazily: one per object, not
// taken along by a copy or a move (a const RuleSet may serve several threads,
// each working in its own copy of the arena; docs/architecture.md).
struct CacheLock {
  mutable std::shared_mutex mutex;
  CacheLock() = default;
  CacheLock(const CacheLock&) noexcept {}
  CacheLock& operator=(const CacheLock&) noexcept { return *this; }
};

// The rules one phase of rewriting tries, by the kind at the head of their
// left-hand side (and the product rules also tried across the end of a
// closed word); built once per rule set and phase.
struct RuleIndex {
  std::vector<std::vector<const Rule*>> byHead;
  std::vector<const Rule*> acrossWrap;
  // The rules whose left-hand side could match t at its root: by its head,
  // by the kinds of its first two operands where the pattern fixes them, and
  // by the kinds t holds (a pattern's kinds other than its variables' must
  // occur in t: the matcher's own first test, made once per kind set).
  const std::vector<const Rule*>& candidates(const Arena& arena, Id t) const;

 private:
  struct Key {
    std::uint32_t headAndKids;
    std::uint64_t kinds;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return std::hash<std::uint64_t>{}(k.kinds * 0x9E3779B97F4A7C15ull ^ k.headAndKids); }
  };
  mutable std::unordered_map<Key, std::vector<const Rule*>, KeyHash> byKids_;  // node-based: references stay valid
  CacheLock lock_;  // byKids_ is filled by const calls
  static constexpr std::size_t kMaxKeys = 4096;  // an index shared by many jobs stays small
};

class RuleSet {
 public:
  // Throws Error(Rule) "file:line: rule 'name': reason" on the first defect.
  void loadFile(Arena& arena, const std::string& path);
  // Every *.yaml under dir, in name order.
  void loadDirectory(Arena& arena, const std::string& dir);
  // Adds a rule made elsewhere (a snapshot) whose terms are in `arena`;
  // throws Error(Rule) on a duplicate name.
  void add(const Arena& arena, Rule rule);
  void reserve(std::size_t more) {
    rules_.reserve(rules_.size() + more);
    indexes_.clear();  // they point into rules_, which may have moved
  }

  RuleSet() = default;
  // A copy makes its indexes anew: the original's point into the original's rules.
  RuleSet(const RuleSet& other) : rules_(other.rules_), byName_(other.byName_) {}
  RuleSet& operator=(const RuleSet& other) {
    if (this != &other) {
      rules_ = other.rules_;
      byName_ = other.byName_;
      indexes_.clear();
    }
    return *this;
  }
  RuleSet(RuleSet&&) noexcept = default;  // a moved vector keeps its elements where they are
  RuleSet& operator=(RuleSet&&) noexcept = default;

  // The standard rules: those of $MATCALC_RULES (directories separated by
  // ':', layered in order) when it is set, else the rules/ compiled into the
  // library at build time (checked and oriented then; src/rules/standard.cpp).
  static RuleSet standard(Arena& arena);

  const std::vector<Rule>& rules() const { return rules_; }
  const Rule* find(const std::string& name) const;

  // The index of phase `key`, made by `build` the first time (rewrite.cpp).
  // Safe to call from several threads at once.
  template <class Build>
  const RuleIndex& index(int key, Build build) const {
    auto at = static_cast<std::size_t>(key);
    {
      std::shared_lock read(lock_.mutex);
      if (at < indexes_.size() && indexes_[at]) return *indexes_[at];
    }
    auto made = std::make_shared<const RuleIndex>(build());
    std::unique_lock write(lock_.mutex);
    if (indexes_.size() <= at) indexes_.resize(at + 1);
    if (!indexes_[at]) indexes_[at] = std::move(made);  // unless another thread made it first
    return *indexes_[at];
  }

 private:
  std::vector<Rule> rules_;
  NameIndex byName_;  // into rules_
  mutable std::vector<std::shared_ptr<const RuleIndex>> indexes_;  // cleared when a rule is added
  CacheLock lock_;  // indexes_ is filled by const calls
};

// The pattern variables of a term (symbols), in first-seen order.
std::vector<Id> variablesOf(const Arena& arena, Id term);
inline bool containsKind(const Arena& arena, Id term, Kind kind) { return arena.hasKind(term, kind); }
inline bool containsTerm(const Arena& arena, Id term, Id sub) { return arena.contains(term, sub); }
// Every dimension of the term and its sub-terms (also those only I or 0 has).
std::set<Dim> dimensionsOf(const Arena& arena, Id term);  // products of dimensions as their factors
// The size of a dimension when `sizes` holds those of the plain ones.
template <class Sizes>
long sizeOfDim(const Arena& arena, Dim d, const Sizes& sizes) {
  long n = 1;
  for (Dim f : arena.dimFactors(d)) n *= static_cast<long>(sizes.at(f));
  return n;
}

}  // namespace matcalc
