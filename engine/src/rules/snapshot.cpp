// A rule set as bytes: the arena it was loaded into (dimensions, symbols,
// numbers, nodes in id order) and the rules, so that the standard rules can
// be parsed, checked and oriented once at build time and restored in
// microseconds (tools/rulegen.cpp, standard.cpp). Restoring re-interns every
// node into the target arena, so it need not be empty.
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "matcalc/rules.hpp"
#include "matcalc/snapshot.hpp"

namespace matcalc {

namespace {

constexpr std::uint32_t kMagic = 0x4D435253;  // "MCRS"
constexpr std::uint32_t kVersion = 2;

class Writer {
 public:
  void u32(std::uint32_t v) { bytes.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    bytes += s;
  }
  std::string bytes;
};

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  std::uint32_t u32() {
    need(4);
    std::uint32_t v;
    std::memcpy(&v, b_.data() + at_, 4);
    at_ += 4;
    return v;
  }
  std::string str() { return std::string(view()); }
  // Valid as long as the snapshot's bytes are.
  std::string_view view() {
    std::uint32_t n = u32();
    need(n);
    std::string_view s = b_.substr(at_, n);
    at_ += n;
    return s;
  }

 private:
  void need(std::size_t n) const {
    if (at_ + n > b_.size()) throw Error(Error::Category::Rule, "the rule snapshot is truncated");
  }
  std::string_view b_;
  std::size_t at_ = 0;
};

// Room for the job that follows as well: a vector reserved to the exact size
// would reallocate, and copy every restored entry, at the job's first one.
std::size_t withRoom(std::size_t restored) { return restored + restored / 2 + 64; }

}  // namespace

std::string snapshot(const Arena& a, const RuleSet& rules) {
  Writer w;
  w.u32(kMagic);
  w.u32(kVersion);
  w.u32(static_cast<std::uint32_t>(a.dimNames_.size()));
  for (Dim d = 0; d < a.dimNames_.size(); ++d) {  // a name, and a product's factors (made before it)
    w.str(a.dimNames_[d]);
    const std::vector<Dim>& factors = a.dimProducts_[d];
    w.u32(static_cast<std::uint32_t>(factors.size()));
    for (Dim f : factors) w.u32(f);
  }
  w.u32(static_cast<std::uint32_t>(a.symbols_.size()));
  for (const Symbol& s : a.symbols_) {
    w.str(s.name);
    w.u32(static_cast<std::uint32_t>(s.kind));
    w.u32(s.shape.rows);
    w.u32(s.shape.cols);
    w.u32(s.scope);
  }
  w.u32(static_cast<std::uint32_t>(a.numbers_.size()));
  for (const mpq_class& q : a.numbers_) w.str(q.get_str());
  w.u32(static_cast<std::uint32_t>(a.size()));
  for (Id id = 0; id < a.size(); ++id) {
    Node n = a.node(id);
    w.u32(static_cast<std::uint32_t>(n.kind));
    w.u32(n.payload);
    w.u32(n.shape.rows);
    w.u32(n.shape.cols);
    w.u32(static_cast<std::uint32_t>(n.kids.size()));
    for (Id k : n.kids) w.u32(k);
  }
  w.u32(static_cast<std::uint32_t>(rules.rules().size()));
  for (const Rule& r : rules.rules()) {
    for (const std::string* s : {&r.name, &r.family, &r.source, &r.lhsText, &r.rhsText, &r.file}) w.str(*s);
    for (Id id : {r.lhs, r.rhs, r.lhsRaw, r.rhsRaw}) w.u32(id);
    w.u32(static_cast<std::uint32_t>(r.variables.size()));
    for (Id v : r.variables) w.u32(v);
    w.u32(static_cast<std::uint32_t>(r.where.size()));
    for (const GuardUse& g : r.where) {
      w.u32(static_cast<std::uint32_t>(g.guard));
      w.u32(g.variable);
      w.u32(g.presupposed ? 1 : 0);
    }
    w.u32(static_cast<std::uint32_t>(r.order));
    w.u32(r.scope);
    w.u32(static_cast<std::uint32_t>(r.line));
  }
  return w.bytes;
}

void restore(Arena& a, RuleSet& rules, std::string_view bytes) {
  Reader r(bytes);
  if (r.u32() != kMagic || r.u32() != kVersion) throw Error(Error::Category::Rule, "not a rule snapshot of this version");
  // Dimensions: a rule's pattern dimensions ("_7") fresh in this arena, a
  // product rebuilt from its factors' dimensions here, any other by name.
  std::vector<Dim> dims(r.u32());
  a.dimNames_.reserve(a.dimNames_.size() + withRoom(dims.size()));
  a.dimProducts_.reserve(a.dimProducts_.size() + withRoom(dims.size()));
  std::vector<Dim> factors;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    std::string_view name = r.view();
    factors.resize(r.u32());
    for (Dim& f : factors) {
      std::uint32_t old = r.u32();
      if (old >= i) throw Error(Error::Category::Rule, "a rule snapshot names a product of unknown dimensions");
      f = dims[old];
    }
    dims[i] = !factors.empty()                     ? a.dimProduct(factors)
              : !name.empty() && name[0] == '_' ? a.freshPatternDim()
                                                : a.dim(name);
  }
  auto dim = [&](std::uint32_t d) {
    if (d >= dims.size()) throw Error(Error::Category::Rule, "a rule snapshot names an unknown dimension");
    return dims[d];
  };
  // Scopes: the user's stays 0, every rule's becomes a fresh one.
  std::unordered_map<std::uint32_t, std::uint32_t> scopes{{0, 0}};
  auto scope = [&](std::uint32_t s) {
    auto [it, added] = scopes.try_emplace(s, 0);
    if (added) it->second = a.newScope();
    return it->second;
  };
  std::vector<Id> symbolIds(r.u32());
  a.symbols_.reserve(a.symbols_.size() + withRoom(symbolIds.size()));
  for (Id& s : symbolIds) {
    std::string name = r.str();
    auto kind = static_cast<VarKind>(r.u32());
    Dim rows = dim(r.u32()), cols = dim(r.u32());
    s = a.symbol(name, kind, {rows, cols}, scope(r.u32()));
  }
  std::vector<Id> numberIds(r.u32());
  for (Id& n : numberIds) n = a.number(mpq_class(r.str()));
  std::vector<Id> ids(r.u32());
  a.reserve(withRoom(ids.size()));
  std::vector<Id> kids;  // reused: no allocation per node
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto kind = static_cast<Kind>(r.u32());
    std::uint32_t payload = r.u32();
    Shape shape{dim(r.u32()), dim(r.u32())};
    kids.resize(r.u32());
    for (Id& k : kids) {
      k = r.u32();
      if (k >= i) throw Error(Error::Category::Rule, "a rule snapshot is not in id order");
      k = ids[k];
    }
    switch (kind) {
      case Kind::Symbol: ids[i] = symbolIds.at(payload); break;
      case Kind::Number: ids[i] = numberIds.at(payload); break;
      default: ids[i] = a.intern(kind, 0, shape, kids);  // as it was made: canonical or raw
    }
  }
  auto id = [&](std::uint32_t old) { return ids.at(old); };
  std::uint32_t count = r.u32();
  rules.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    Rule rule;
    for (std::string* s : {&rule.name, &rule.family, &rule.source, &rule.lhsText, &rule.rhsText, &rule.file}) *s = r.str();
    for (Id* t : {&rule.lhs, &rule.rhs, &rule.lhsRaw, &rule.rhsRaw}) *t = id(r.u32());
    rule.variables.resize(r.u32());
    for (Id& v : rule.variables) v = id(r.u32());
    rule.where.resize(r.u32());
    for (GuardUse& g : rule.where) {
      g.guard = static_cast<Guard>(r.u32());
      g.variable = id(r.u32());
      g.presupposed = r.u32() != 0;
    }
    rule.order = static_cast<Order>(r.u32());
    rule.scope = scope(r.u32());
    rule.line = static_cast<int>(r.u32());
    rules.add(a, std::move(rule));
  }
}

}  // namespace matcalc
