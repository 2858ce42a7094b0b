// The arena's storage: interning (hash-consing), leaves, dimensions,
// symbols, and the structural order. The canonicalising constructors are in
// construct.cpp, transposition in transpose.cpp, closed contractions in
// closed.cpp.
#include <algorithm>
#include <functional>

#include <boost/container/small_vector.hpp>

#include "matcalc/id_map.hpp"
#include "matcalc/print.hpp"
#include "matcalc/small_rational.hpp"
#include "matcalc/term.hpp"
#include "matcalc/walk.hpp"

namespace matcalc {

static_assert(std::size(kKindInfo) <= 64, "NodeFacts::kinds is a 64-bit set of kinds");

namespace {

const char* kFreshNames[] = {"n", "m", "p", "q", "r", "s", "k", "l"};
constexpr std::size_t kChunk = 1 << 16;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  return h * 0xFF51AFD7ED558CCDull;
}

// An operand's share of the hash of a sum, scaled term or Hadamard product
// (splitmix64's finaliser): their operands are a multiset kept in order, so
// the hash is the sum of the operands' shares, and a made node grown by a few
// operands hashes without reading the others (internGrown).
std::uint64_t operandHash(Id k) {
  std::uint64_t z = k + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t hashOf(Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids) {
  std::uint64_t h = mix(static_cast<std::uint64_t>(kind) + 1, payload);
  h = mix(h, (std::uint64_t{shape.rows} << 32) | shape.cols);
  if (isAC(kind)) {
    for (Id k : kids) h += operandHash(k);
    return h;
  }
  for (Id k : kids) h = mix(h, k);
  return h ^ (h >> 29);
}

std::uint32_t saturatingAdd(std::uint32_t a, std::uint32_t b) {
  std::uint64_t s = std::uint64_t{a} + b;
  return s > (1u << 31) ? (1u << 31) : static_cast<std::uint32_t>(s);
}

}  // namespace

Arena::Arena() {
  dimNames_.push_back("1");
  dimProducts_.emplace_back();
  dimIndex_.insert(NameIndex::hash("1"), kOne);
  table_.assign(1024, kNoId);
}

bool Arena::sameNode(Id id, Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids) const {
  const Record& r = records_[id];
  if (r.kind != kind || r.payload != payload || !(r.shape == shape) || r.count != kids.size()) return false;
  auto mine = this->kids(id);
  return std::equal(mine.begin(), mine.end(), kids.begin());
}

void Arena::growTable() {
  std::vector<Id> bigger(table_.size() * 2, kNoId);
  std::size_t mask = bigger.size() - 1;
  for (Id id : table_) {
    if (id == kNoId) continue;
    std::size_t i = hashes_[id] & mask;
    while (bigger[i] != kNoId) i = (i + 1) & mask;
    bigger[i] = id;
  }
  table_.swap(bigger);
}

void Arena::reserve(std::size_t more) {
  std::size_t n = records_.size() + more;
  records_.reserve(n);
  facts_.reserve(n);
  hashes_.reserve(n);
  std::size_t table = table_.size();
  while (n * 2 > table) table *= 2;
  if (table == table_.size()) return;
  table_.assign(table, kNoId);
  std::size_t mask = table - 1;
  for (Id id = 0; id < records_.size(); ++id) {
    std::size_t i = hashes_[id] & mask;
    while (table_[i] != kNoId) i = (i + 1) & mask;
    table_[i] = id;
  }
}

// Inlined: intern runs for every node made, and a call each costs it ~10%.
[[gnu::always_inline]] inline std::size_t Arena::findSlot(std::uint64_t h, Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids, Id& found) const {
  std::size_t mask = table_.size() - 1;
  std::size_t i = h & mask;
  for (; table_[i] != kNoId; i = (i + 1) & mask)
    if (hashes_[table_[i]] == h && sameNode(table_[i], kind, payload, shape, kids)) break;
  found = table_[i];
  return i;
}

namespace {
// Facts of a node from those of the operands in kids, joined to f.
[[gnu::always_inline]] inline void addOperandFacts(const std::vector<NodeFacts>& facts, std::span<const Id> kids, NodeFacts& f, std::uint32_t& maxHeight) {
  for (Id k : kids) {
    const NodeFacts& kf = facts[k];
    f.kinds |= kf.kinds;
    f.symbols |= kf.symbols;
    f.depth = std::max(f.depth, kf.depth + 1);
    maxHeight = std::max(maxHeight, kf.height);
    f.treeSize = saturatingAdd(f.treeSize, kf.treeSize);
    f.transposes = saturatingAdd(f.transposes, kf.transposes);
  }
}
}  // namespace

[[gnu::always_inline]] inline Id Arena::store(Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids, std::uint64_t h, const NodeFacts& f, std::size_t i) {
  if ((records_.size() & 1023) == 0 && std::chrono::steady_clock::now() > limits_.deadline)
    throw deadlineError(limits_.deadlineSeconds);
  if (records_.size() >= limits_.maxNodes)
    throw Error(Error::Category::Budget, "the job made more than " + std::to_string(limits_.maxNodes) + " distinct terms");
  if (kids.size() > limits_.maxOperands)
    throw Error(Error::Category::Budget, "a term with more than " + std::to_string(limits_.maxOperands) + " operands (a runaway expansion)");
  if (records_.size() + operandSlots_ + kids.size() > limits_.maxFootprint)
    throw Error(Error::Category::Budget, "the terms made hold more than " + std::to_string(limits_.maxFootprint) + " nodes and operands");
  if (f.depth > limits_.maxDepth)
    throw Error(Error::Category::Budget, "the term is nested deeper than " + std::to_string(limits_.maxDepth) + " levels");

  Record r{kind, payload, shape, 0, 0, static_cast<std::uint32_t>(kids.size())};
  if (!kids.empty()) {
    if (kidChunks_.empty() || kidChunks_.back().capacity() - kidChunks_.back().size() < kids.size()) {
      // Chunks grow geometrically from a small one, so that a copy of a
      // loaded arena (whose last chunk is full) pays little for its first node.
      std::size_t previous = kidChunks_.empty() ? 0 : kidChunks_.back().capacity();
      std::size_t capacity = std::clamp<std::size_t>(2 * previous, 1024, kChunk);
      kidChunks_.emplace_back();
      kidChunks_.back().reserve(std::max(capacity, kids.size()));
    }
    auto& chunk = kidChunks_.back();
    r.chunk = static_cast<std::uint32_t>(kidChunks_.size() - 1);
    r.offset = static_cast<std::uint32_t>(chunk.size());
    chunk.insert(chunk.end(), kids.begin(), kids.end());  // within capacity: no reallocation
    operandSlots_ += kids.size();
  }
  Id id = static_cast<Id>(records_.size());
  records_.push_back(r);
  facts_.push_back(f);
  hashes_.push_back(h);
  table_[i] = id;
  if (records_.size() * 2 > table_.size()) growTable();
  return id;
}

Id Arena::intern(Kind kind, std::uint32_t payload, Shape shape, std::span<const Id> kids) {
  std::uint64_t h = hashOf(kind, payload, shape, kids);
  Id found;
  std::size_t slot = findSlot(h, kind, payload, shape, kids, found);
  if (found != kNoId) return found;
  NodeFacts f{kindBit(kind), 0, 0, 0, 1, kind == Kind::Transpose ? 1u : 0u};
  if (kind == Kind::Symbol) f.symbols = std::uint64_t{1} << (payload % 64);
  std::uint32_t maxHeight = 0;
  addOperandFacts(facts_, kids, f, maxHeight);
  f.height = kids.empty() ? 0 : maxHeight + static_cast<std::uint32_t>(info(kind).arity < 0 ? kids.size() : 1);
  return store(kind, payload, shape, kids, h, f, slot);
}

// A made sum or Hadamard product `from` with the operands `added` inserted
// (kids: all of them, in order): hash and facts from from's and the added
// operands' (a nested chain's differential gains one factor per level).
Id Arena::internGrown(Id from, std::span<const Id> kids, std::span<const Id> added) {
  Kind kind = this->kind(from);
  Shape shape = this->shape(from);
  std::uint64_t h = hashes_[from];
  for (Id k : added) h += operandHash(k);
  Id found;
  std::size_t slot = findSlot(h, kind, 0, shape, kids, found);
  if (found != kNoId) return found;
  NodeFacts f = facts_[from];
  std::uint32_t maxHeight = f.height - records_[from].count;  // an n-ary node's height is max(kids) + n
  addOperandFacts(facts_, added, f, maxHeight);
  f.height = maxHeight + static_cast<std::uint32_t>(kids.size());
  Id grown = store(kind, 0, shape, kids, h, f, slot);
  growths_.emplace(grown, Growth{from, {added.begin(), added.end()}});
  return grown;
}

namespace {
const std::string kTimes = "\u00B7";  // the middle dot joining the factors of a product's name
}  // namespace

Dim Arena::findDim(std::string_view name) const {
  return dimIndex_.find(NameIndex::hash(name), [&](Dim d) { return dimNames_[d] == name; });
}

Dim Arena::dim(std::string_view name) {
  if (Dim found = findDim(name); found != NameIndex::kNone) return found;
  std::vector<Dim> factors;  // of a product named "m·n"
  if (name.find(kTimes) != std::string_view::npos)
    for (std::size_t start = 0;;) {
      std::size_t end = name.find(kTimes, start);
      factors.push_back(dim(name.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
      if (end == std::string_view::npos) break;
      start = end + kTimes.size();
    }
  Dim d = static_cast<Dim>(dimNames_.size());
  dimNames_.emplace_back(name);
  dimProducts_.push_back(std::move(factors));
  dimIndex_.insert(NameIndex::hash(name), d);
  return d;
}

Dim Arena::freshDim() {
  // Names are never freed, so the rounds before freshRound_ stay used: a
  // search starts where the last one ended (a sum of k traces makes 2k dims).
  for (;; ++freshRound_)
    for (const char* base : kFreshNames) {
      std::string name = freshRound_ == 0 ? base : base + std::to_string(freshRound_);
      if (findDim(name) == NameIndex::kNone) return dim(name);
    }
}

Dim Arena::dimProduct(std::span<const Dim> factors) {
  std::vector<Dim> flat;
  for (Dim f : factors)
    for (Dim g : dimFactors(f)) flat.push_back(g);
  if (flat.empty()) return kOne;
  if (flat.size() == 1) return flat[0];
  std::sort(flat.begin(), flat.end());  // m·n = n·m: one Dim for both orders
  std::string name;
  for (Dim f : flat) name += (name.empty() ? "" : kTimes) + dimNames_[f];
  return dim(name);
}

std::vector<Dim> Arena::dimFactors(Dim d) const {
  if (d == kOne) return {};
  if (!isProductDim(d)) return {d};
  return dimProducts_[d];
}

Dim Arena::freshPatternDim() { return dim("_" + std::to_string(++patternDims_)); }

std::string Arena::shapeText(Shape s) const { return dimName(s.rows) + "×" + dimName(s.cols); }

Id Arena::symbol(std::string_view name, VarKind kind, Shape shape, std::uint32_t scope) {
  if (const Symbol* existing = findSymbol(name, scope)) {
    if (existing->kind != kind || existing->shape != shape)
      throw Error(Error::Category::Shape, "symbol '" + std::string(name) + "' is already " +
                                              shapeText(existing->shape));
    auto index = static_cast<std::uint32_t>(existing - symbols_.data());
    return intern(Kind::Symbol, index, shape, {});
  }
  symbols_.push_back({std::string(name), kind, shape, scope});
  auto index = static_cast<std::uint32_t>(symbols_.size() - 1);
  symbolIndex_.insert(NameIndex::hash(name, scope), index);
  return intern(Kind::Symbol, index, shape, {});
}

const Symbol* Arena::findSymbol(std::string_view name, std::uint32_t scope) const {
  std::uint32_t i = symbolIndex_.find(NameIndex::hash(name, scope), [&](std::uint32_t s) {
    return symbols_[s].scope == scope && symbols_[s].name == name;
  });
  return i == NameIndex::kNone ? nullptr : &symbols_[i];
}

std::vector<Id> Arena::symbolsInScope(std::uint32_t scope) const {
  std::vector<Id> out;
  for (std::uint32_t i = 0; i < symbols_.size(); ++i)
    if (symbols_[i].scope == scope) out.push_back(const_cast<Arena*>(this)->intern(Kind::Symbol, i, symbols_[i].shape, {}));
  return out;
}

Id Arena::number(const mpq_class& value) {
  // Small integers, the common case, without formatting a key.
  bool small = value.get_den() == 1 && value.get_num() >= -kSmallNumbers && value.get_num() <= kSmallNumbers;
  std::size_t slot = small ? static_cast<std::size_t>(value.get_num().get_si() + kSmallNumbers) : 0;
  if (small && smallNumbers_.size() > slot && smallNumbers_[slot] != kNoId) return smallNumbers_[slot];
  detail::requireModerateNumber(value);
  std::string key = value.get_str();
  auto it = numberIndex_.find(key);
  std::uint32_t index;
  if (it != numberIndex_.end()) {
    index = it->second;
  } else {
    index = static_cast<std::uint32_t>(numbers_.size());
    numbers_.push_back(value);
    numberIndex_.emplace(key, index);
  }
  Id id = intern(Kind::Number, index, Shape{}, {});
  if (small) {
    if (smallNumbers_.size() <= slot) smallNumbers_.resize(2 * kSmallNumbers + 1, kNoId);
    smallNumbers_[slot] = id;
  }
  return id;
}

Id Arena::identity(Dim n) { return n == kOne ? number(1) : intern(Kind::Identity, 0, Shape{n, n}, {}); }
// A 1×1 zero or all-ones matrix is the number itself.
Id Arena::zero(Shape shape) { return shape.isScalar() ? number(0) : intern(Kind::Zero, 0, shape, {}); }
Id Arena::ones(Shape shape) { return shape.isScalar() ? number(1) : intern(Kind::Ones, 0, shape, {}); }

bool Arena::contains(Id term, Id sub) const {
  if (term == sub) return true;
  const NodeFacts& t = facts_[term];
  const NodeFacts& s = facts_[sub];
  if ((t.kinds & s.kinds) != s.kinds || (t.symbols & s.symbols) != s.symbols || t.depth <= s.depth) return false;
  if (std::int8_t known = containsMemo_.get(term, sub); known != PairMemo::kAbsent) return known != 0;
  bool found = false;
  for (Id k : kids(term))
    if ((found = contains(k, sub))) break;
  containsMemo_.set(term, sub, found ? 1 : 0);
  return found;
}

int Arena::compare(Id a, Id b) const {
  if (a == b) return 0;
  const Record& x = records_[a];
  const Record& y = records_[b];
  if (x.kind != y.kind) return x.kind < y.kind ? -1 : 1;
  bool memo = facts_[a].depth > 3 && facts_[b].depth > 3;
  if (memo)
    if (std::int8_t known = compareMemo_.get(a, b); known != PairMemo::kAbsent) return known;
  int result = 0;
  switch (x.kind) {
    case Kind::Symbol: {
      const Symbol& s = symbols_[x.payload];
      const Symbol& t = symbols_[y.payload];
      if (int c = s.name.compare(t.name)) result = c < 0 ? -1 : 1;
      else if (s.scope != t.scope) result = s.scope < t.scope ? -1 : 1;
      break;
    }
    case Kind::Number: {
      int c = cmp(numbers_[x.payload], numbers_[y.payload]);
      if (c) result = c < 0 ? -1 : 1;
      break;
    }
    default: {
      auto xk = kids(a), yk = kids(b);
      if (xk.size() != yk.size()) {
        result = xk.size() < yk.size() ? -1 : 1;
        break;
      }
      for (std::size_t i = 0; i < xk.size() && result == 0; ++i) result = compare(xk[i], yk[i]);
    }
  }
  // Same structure up to dimensions: order by dimension names.
  if (result == 0 && x.shape.rows != y.shape.rows) result = dimName(x.shape.rows) < dimName(y.shape.rows) ? -1 : 1;
  if (result == 0 && x.shape.cols != y.shape.cols) result = dimName(x.shape.cols) < dimName(y.shape.cols) ? -1 : 1;
  if (result == 0) result = a < b ? -1 : 1;
  if (memo) {
    compareMemo_.set(a, b, static_cast<std::int8_t>(result));
    compareMemo_.set(b, a, static_cast<std::int8_t>(-result));
  }
  return result;
}

std::size_t dagSize(const Arena& arena, Id term) {
  std::size_t n = 0;
  forEachNode(arena, term, [&](Id) { return ++n, true; });
  return n;
}

}  // namespace matcalc
