// Terms: immutable, hash-consed nodes in an arena, referred to by 32-bit ids.
// Structural equality is id equality. Every node carries its shape over
// symbolic dimensions, so a term alone determines its shape. The arena only
// grows: a Node reference and its kids span stay valid for its lifetime.
#pragma once
#include <gmpxx.h>

#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "matcalc/error.hpp"
#include "matcalc/kinds.hpp"
#include "matcalc/name_index.hpp"
#include "matcalc/pair_memo.hpp"

namespace matcalc {

class RuleSet;
using Id = std::uint32_t;
using Dim = std::uint32_t;      // a symbolic dimension, interned by name
inline constexpr Dim kOne = 0;  // the literal dimension 1
inline constexpr Id kNoId = 0xFFFFFFFFu;
// (A*B)^k is written out as a product while it has at most this many factors.
inline constexpr std::size_t kMaxWrittenOutPower = 32;

struct Shape {
  Dim rows = kOne, cols = kOne;
  bool isScalar() const { return rows == kOne && cols == kOne; }
  bool isColumn() const { return cols == kOne; }
  bool operator==(const Shape&) const = default;
};

enum class VarKind : std::uint8_t { Scalar, Vector, Matrix };

struct Symbol {
  std::string name;
  VarKind kind;
  Shape shape;
  std::uint32_t scope;  // 0: the user's variables; k > 0: pattern variables of one rule
};

struct Node {
  Kind kind;
  std::uint32_t payload;  // Symbol: symbol index; Number: number index; else 0
  Shape shape;
  std::span<const Id> kids;
};

// Facts about a node's whole sub-DAG, computed once when it is interned.
struct NodeFacts {
  std::uint64_t kinds;       // bit k: the kind k occurs (isKindIn)
  std::uint64_t symbols;     // a Bloom filter of the symbols that occur
  std::uint32_t depth;       // 0 for a leaf
  std::uint32_t height;      // a leaf 0; an n-ary node max(kids) + n: a run of factors is lower than its product
  std::uint32_t treeSize;    // nodes counted as a tree, saturating at 2^31
  std::uint32_t transposes;  // Transpose nodes counted as a tree, saturating
};
constexpr std::uint64_t kindBit(Kind k) { return std::uint64_t{1} << static_cast<int>(k); }

// The arena's limits, checked as nodes are made: a job that would exceed
// them ends with Error(Budget) instead of running out of memory or stack.
struct ArenaLimits {
  std::uint32_t maxDepth = 1500;       // nesting depth of any term
  std::size_t maxNodes = 20'000'000;   // distinct nodes in the arena
  std::size_t maxOperands = 100'000;   // operands of one node (a sum of this many terms is a runaway expansion)
  // Nodes and operand slots together (about 4 bytes a slot): built one step
  // at a time, x ./ a1 ./ … ./ ak or a product alternating scalars and
  // matrices makes k nodes of up to k operands each, quadratic in the input.
  std::size_t maxFootprint = 60'000'000;
  // Checked every 1024 new nodes, so that no constructor runs on past a
  // job's deadline (a Job sets it for its lifetime).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  double deadlineSeconds = 0;  // for the message
};

class Arena {
 public:
  Arena();

  // Leaves.
  Id symbol(std::string_view name, VarKind kind, Shape shape, std::uint32_t scope = 0);
  Id number(const mpq_class& value);
  Id number(long value) {  // small integers from a cache, without GMP
    if (value >= -kSmallNumbers && value <= kSmallNumbers && !smallNumbers_.empty())
      if (Id id = smallNumbers_[static_cast<std::size_t>(value + kSmallNumbers)]; id != kNoId) return id;
    return number(mpq_class(value));
  }
  Id identity(Dim n);
  Id zero(Shape shape);
  Id ones(Shape shape);  // the all-ones matrix: a scalar added to a matrix is c*ones

  // The smart constructor for every non-leaf kind: checks the shape rule and
  // canonicalises (docs/architecture.md, "What the constructors decide").
  // Throws Error(Shape) naming the sub-expression, Error(Domain) for a
  // division by an exact zero.
  Id make(Kind kind, std::span<const Id> kids);
  Id make(Kind kind, std::initializer_list<Id> kids) { return make(kind, std::span<const Id>(kids.begin(), kids.size())); }
  // make(kind(node), operands) for operands of the AC node `node` in its
  // order (a run the matcher bound): of a sum or Hadamard product that the
  // constructors made, they are sorted and combine with none of each other,
  // so they are interned as they are instead of by the general pass.
  Id makeRunOf(Id node, std::span<const Id> operands);
  // A node exactly as given: shape-checked, hash-consed, not canonicalised.
  // For the right-hand sides the constructors are verified against, and for
  // pairs <G, T> the isolation phase matches rules on.
  Id raw(Kind kind, std::span<const Id> kids);
  Id raw(Kind kind, std::initializer_list<Id> kids) { return raw(kind, std::span<const Id>(kids.begin(), kids.size())); }
  // The canonical transpose (transposes pushed to the leaves and atoms); an
  // involution on canonical terms. Memoised.
  Id transpose(Id t);

  Node node(Id id) const { return {records_[id].kind, records_[id].payload, records_[id].shape, kids(id)}; }
  Kind kind(Id id) const { return records_[id].kind; }
  Shape shape(Id id) const { return records_[id].shape; }
  std::span<const Id> kids(Id id) const;  // inline, below the class: every pass reads operands
  const NodeFacts& facts(Id id) const { return facts_[id]; }
  // A sum or Hadamard product made from the made node `from` by inserting
  // the operands `added` (internGrown): a pass that knows `from` and the
  // added operands need not look at the others again.
  struct Growth {
    Id from;
    boost::container::small_vector<Id, 4> added;
  };
  const Growth* growth(Id id) const {
    if (!madeFlat(id)) return nullptr;
    auto it = growths_.find(id);
    return it == growths_.end() ? nullptr : &it->second;
  }
  bool hasKind(Id id, Kind k) const { return (facts_[id].kinds & kindBit(k)) != 0; }
  const Symbol& symbolOf(Id id) const { return symbols_[records_[id].payload]; }
  const mpq_class& numberOf(Id id) const { return numbers_[records_[id].payload]; }
  bool isNumber(Id id, long value) const { return kind(id) == Kind::Number && numberOf(id) == value; }
  bool isZero(Id id) const { return kind(id) == Kind::Zero || isNumber(id, 0); }
  // Whether `sub` occurs in `term` (a Bloom filter first, then a memoised walk).
  bool contains(Id term, Id sub) const;

  // Dimensions.
  Dim dim(std::string_view name);  // interns
  const std::string& dimName(Dim d) const { return dimNames_[d]; }
  std::string shapeText(Shape s) const;  // "m×n"
  // A fresh dimension name: the first unused of n m p q r s k l, then n1, n2 …
  Dim freshDim();
  // A fresh dimension for pattern variables (never shown to users).
  Dim freshPatternDim();
  // Products of dimensions, for vec and kron: an ordered list of factors,
  // the fastest-varying index first (vec of an m×n matrix has m·n rows, the
  // row index i + m*j), flattened, with the literal 1 dropped. Interned by
  // the name "m·n"; the factors are kept with it.
  Dim dimProduct(std::span<const Dim> factors);
  Dim dimProduct(std::initializer_list<Dim> factors) { return dimProduct(std::span<const Dim>(factors.begin(), factors.size())); }
  bool isProductDim(Dim d) const { return !dimProducts_[d].empty(); }
  // The factors of a product (a plain dimension is its own only factor; 1 has none).
  std::vector<Dim> dimFactors(Dim d) const;

  // Symbols of one scope, in creation order.
  std::vector<Id> symbolsInScope(std::uint32_t scope) const;
  const Symbol* findSymbol(std::string_view name, std::uint32_t scope) const;
  std::uint32_t newScope() { return ++lastScope_; }

  std::size_t size() const { return records_.size(); }
  // Room for `more` nodes without growing the node arrays or the hash table
  // (restoring a snapshot knows its node count).
  void reserve(std::size_t more);
  // Nodes plus the operands they hold: what a job's node budget counts.
  std::size_t footprint() const { return records_.size() + operandSlots_; }
  ArenaLimits& limits() { return limits_; }

  // Structural order used to sort operands: deterministic, independent of ids.
  int compare(Id a, Id b) const;
  // Forgets the memos of compare and contains (they refill on use): an arena
  // copied as the template of many jobs need not carry the pairs its own
  // loading met, whose table a job's first pair might have to rehash.
  void clearMemos() {
    containsMemo_ = {};
    compareMemo_ = {};
  }

 private:
  // A node as stored: its kids live in kidChunks_[chunk][offset, offset + count),
  // and chunks are never reallocated, so spans handed out stay valid.
  struct Record {
    Kind kind;
    std::uint32_t payload;
    Shape shape;
    std::uint32_t chunk, offset, count;
  };
  Id intern(Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids);
  // A made sum or Hadamard product `from` with the operands `added` inserted
  // (kids: all of them, in order), hashed and its facts found from from's.
  Id internGrown(Id from, std::span<const Id> kids, std::span<const Id> added);
  // The table slot for a node of hash h: `found` the node if there is one, else kNoId.
  std::size_t findSlot(std::uint64_t h, Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids, Id& found) const;
  Id store(Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids, std::uint64_t h, const NodeFacts& f, std::size_t slot);
  // Operand lists that live on the stack while short: the constructors run
  // for every node, and a heap vector each would dominate their cost.
  struct Ids : boost::container::small_vector<Id, 8> {
    using small_vector::small_vector;
    operator std::span<const Id>() const { return {data(), size()}; }  // NOLINT: passed where a span is read
  };
  using IdsInit = std::initializer_list<Id>;
  static std::span<const Id> span(IdsInit l) { return {l.begin(), l.size()}; }
  Id makeAdd(std::span<const Id> kids);
  Id makeAdd(IdsInit kids) { return makeAdd(span(kids)); }
  Id makeScale(std::span<const Id> kids);
  Id makeScale(IdsInit kids) { return makeScale(span(kids)); }
  Id makeMul(std::span<const Id> kids);
  Id makeHadamard(std::span<const Id> kids);
  Id makeHadamard(IdsInit kids) { return makeHadamard(span(kids)); }
  // A made sum or Hadamard product and a few new operands, without the general
  // pass over all operands; kNoId where that shortcut does not apply.
  Id extendSum(std::span<const Id> kids);
  Id extendHadamard(std::span<const Id> kids, Shape result);
  using NewOperands = boost::container::small_vector<Id, 4>;
  // The one made node of `kind` among kids, the others (one to four, none
  // `special`) in `extra`; else kNoId.
  Id madeAndNew(std::span<const Id> kids, Kind kind, bool (*special)(const Arena&, Id), NewOperands& extra) const;
  // The made node `made`, whose operands are `sorted` (then `last`, if not
  // kNoId), with the new operands inserted in order: interned and marked made.
  Id internInserted(Id made, std::span<const Id> sorted, const NewOperands& extra, Id last);
  // The transpose of a sum makeAdd made: its terms' transposes are unlike too.
  Id transposeMadeSum(Id sum);
  Id makePow(Id base, Id exponent);
  Id makeHadamardDiv(Id a, Id b);
  Id makeTrace(Id m);
  Id makeSum(Id m);
  Id makeMatPow(Id base, long k);
  Id makeHadamardPow(Id base, Id exponent);
  Id makeInverse(Id m);
  // A factor as base^exponent (inv(B) is B^-1, inv(B)^k is B^-k, A' of
  // either the same with the base transposed), and back.
  std::pair<Id, long> powerOf(Id factor);
  Id power(Id base, long exponent);
  // Adjacent factors of one base combine: X*X = X^2, X^3*inv(X) = X^2, X*inv(X) = I.
  void combinePowers(Ids& factors, bool cyclic);
  Id orient(Kind kind, std::span<const Id> kids);  // f(A') as f(A)' where the argument reads better untransposed
  Id orient(Kind kind, IdsInit kids) { return orient(kind, span(kids)); }
  Id finish(Kind kind, std::span<const Id> kids);  // shape-check and intern, no rewriting
  Shape checkShape(Kind kind, std::span<const Id> kids) const;
  Ids flatten(Kind kind, std::span<const Id> kids) const;
  Id transposeUncached(Id t);
  // Closed contractions (closed.cpp): a trace of a product, a 1×1 product.
  Id closedWord(std::span<const Id> word);
  friend class ClosedCanonicaliser;
  friend std::string snapshot(const Arena& arena, const RuleSet& rules);
  friend void restore(Arena& arena, RuleSet& rules, std::string_view bytes);

  bool sameNode(Id id, Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids) const;
  void growTable();

  std::vector<Record> records_;
  std::vector<std::vector<Id>> kidChunks_;  // each reserved once, never grown past its capacity
  std::vector<NodeFacts> facts_;
  std::vector<std::uint64_t> hashes_;
  std::vector<Id> table_;  // open addressing over ids, kNoId when empty; size a power of 2
  std::size_t operandSlots_ = 0;
  std::vector<Symbol> symbols_;
  NameIndex symbolIndex_;  // by name and scope, into symbols_
  std::vector<mpq_class> numbers_;
  std::unordered_map<std::string, std::uint32_t> numberIndex_;
  static constexpr long kSmallNumbers = 64;
  std::vector<Id> smallNumbers_;  // the ids of -64 … 64
  std::vector<std::string> dimNames_;
  std::vector<std::vector<Dim>> dimProducts_;  // a product's factors (empty for a plain dimension), kept, not re-read from its name
  NameIndex dimIndex_;  // by name, into dimNames_
  Dim findDim(std::string_view name) const;  // NameIndex::kNone if none
  std::vector<Id> transposeOf_;  // by id: the transpose made, kNoId until asked
  Id knownTranspose(Id t) const { return t < transposeOf_.size() ? transposeOf_[t] : kNoId; }
  // By id: 1 for a sum or Hadamard product that makeAdd or makeHadamard
  // returned, whose operands are therefore canonical, sorted and distinct.
  std::vector<std::uint8_t> madeFlat_;
  bool madeFlat(Id id) const { return id < madeFlat_.size() && madeFlat_[id]; }
  void markMadeFlat(Id id);
  // Interns a sum or Hadamard product whose operands are already canonical,
  // sorted and distinct, and marks it so.
  Id internMade(Kind kind, Shape shape, std::span<const Id> operands) {
    Id made = intern(kind, 0, shape, operands);
    markMadeFlat(made);
    return made;
  }
  std::unordered_map<Id, Growth> growths_;  // of the nodes internGrown made
  mutable PairMemo containsMemo_;
  mutable PairMemo compareMemo_;
  std::uint32_t lastScope_ = 0;
  std::uint32_t patternDims_ = 0;
  std::uint32_t freshRound_ = 0;  // freshDim(): every name of the rounds before is taken
  ArenaLimits limits_;
};

inline std::span<const Id> Arena::kids(Id id) const {
  const Record& r = records_[id];
  if (r.count == 0) return {};
  return {kidChunks_[r.chunk].data() + r.offset, r.count};
}

// The number of distinct nodes of a term (its size as a DAG).
std::size_t dagSize(const Arena& arena, Id term);

}  // namespace matcalc
