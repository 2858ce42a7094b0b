// Elaboration: from syntax trees to terms. Shapes are inferred by unifying
// dimension variables; a symbolic dimension never unifies with the literal 1,
// so whether a sub-expression is a scalar is known as soon as it is parsed,
// which decides `*` (scaling or matrix product), `^` and diag.
#include <cctype>
#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <map>
#include <set>

#include "../terms/shape_rules.hpp"
#include "ast.hpp"
#include "matcalc/parse.hpp"

namespace matcalc {

namespace {

const std::set<std::string, std::less<>> kGreek = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"};

// Functions by surface name, from the kinds list (diag is resolved by shape).
const std::map<std::string, Kind, std::less<>>& functionTable() {
  static const auto table = [] {
    std::map<std::string, Kind, std::less<>> t;
    for (std::size_t i = 0; i < std::size(kKindInfo); ++i) {
      const KindInfo& k = kKindInfo[i];
      if ((k.form == Form::Function || k.form == Form::Elementwise) && !t.count(k.surface))
        t.emplace(std::string(k.surface), static_cast<Kind>(i));
    }
    return t;
  }();
  return table;
}

// " (did you mean 'tr'?)": a name people use for a function matcalc spells
// otherwise, or the known function nearest in edit distance (at most 2).
std::string suggestion(const std::string& name) {
  static const std::map<std::string, std::string, std::less<>> aliases = {
      {"trace", "tr"}, {"Tr", "tr"}, {"inverse", "inv"}, {"determinant", "det"}, {"ln", "log"}, {"transpose", "X'"},
      {"logistic", "sigmoid"}, {"max", "relu"},
      {"sgn", "sign"}, {"heaviside", "step"}, {"vecnorm", "norm2"}, {"norm", "norm2"}, {"diagm", "diag"}};
  if (auto it = aliases.find(name); it != aliases.end()) return " (did you mean " + it->second + "?)";
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      std::size_t diagonal = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j) {
        std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
        diagonal = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  std::size_t bestDistance = name.size() <= 4 ? 2 : 3;  // foo is not cos
  if (name.size() > 40) return "";
  for (const auto& [known, kind] : functionTable())
    if (std::size_t d = distance(name, known); d < bestDistance && d < known.size()) best = known, bestDistance = d;
  if (!best.empty()) return " (did you mean " + best + "?)";
  // A(x + y), W1(x): a variable's name, handwritten juxtaposition.
  bool variableLike = name.size() <= 3 && std::isalpha(static_cast<unsigned char>(name[0])) &&
                      std::all_of(name.begin() + 1, name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '_'; });
  return variableLike ? " (for a product write " + name + "*(…))" : "";
}

}  // namespace

bool isGreekName(std::string_view name) { return kGreek.count(name) > 0; }

VarKind defaultVarKind(std::string_view name) {
  if (!name.empty() && std::isupper(static_cast<unsigned char>(name[0]))) return VarKind::Matrix;
  if (isGreekName(name)) return VarKind::Scalar;
  return VarKind::Vector;
}

VarKind parseVarKind(std::string_view word) {
  if (word == "scalar") return VarKind::Scalar;
  if (word == "vector") return VarKind::Vector;
  if (word == "matrix") return VarKind::Matrix;
  throw Error(Error::Category::Usage, "unknown variable kind '" + std::string(word) + "' (scalar, vector or matrix)");
}

struct ParseSession::Impl {
  using Var = int;  // dimension variable; 0 is the literal 1
  struct VShape {
    Var rows = 0, cols = 0;
    bool isScalar() const { return rows == 0 && cols == 0; }
  };
  // What an AST node elaborates to.
  struct Elab {
    Kind kind = Kind::Symbol;
    VShape shape;
    long exponent = 0;              // MatPow: the integer exponent …
    bool symbolicExponent = false;  // … or, in a rule, a scalar pattern variable
  };
  struct SymbolVars {
    VarKind kind;
    VShape shape;
  };

  Arena& arena;
  ParseOptions options;
  std::vector<int> parent{0};
  std::vector<Dim> rigid{kOne};  // a dimension an existing arena symbol fixes
  std::vector<bool> flexible{false};  // may become 1: the size of ones or zeros
  std::map<std::string, SymbolVars> symbols;
  std::map<Dim, Var> rigidVars;     // one variable per dimension an existing symbol fixes
  std::map<Var, std::string> labels;  // names shown in errors for not-yet-fixed dimensions
  std::vector<detail::AstTree> trees;
  std::vector<std::vector<Elab>> elabs;

  Impl(Arena& a, ParseOptions o) : arena(a), options(std::move(o)) {}

  Var fresh(Dim fixed = kOne, bool mayBeOne = false) {
    parent.push_back(static_cast<int>(parent.size()));
    rigid.push_back(fixed);
    flexible.push_back(mayBeOne);
    return static_cast<Var>(parent.size() - 1);
  }
  Var find(Var v) { return parent[v] == v ? v : parent[v] = find(parent[v]); }

  // Products of dimensions (kron, vec, the commutation matrix): a variable
  // defined as the product of two others, the first varying fastest.
  std::map<Var, std::pair<Var, Var>> productOf;
  Var product(Var fastest, Var slowest) {
    if (find(fastest) == 0) return slowest;
    if (find(slowest) == 0) return fastest;
    Var v = fresh();
    productOf.emplace(v, std::pair{fastest, slowest});
    return v;
  }
  Var rigidVar(Dim d) {
    if (d == kOne) return 0;
    auto [it, added] = rigidVars.emplace(d, 0);
    if (added) it->second = fresh(d);
    return it->second;
  }
  // The factors of a dimension, none a product, 1s dropped.
  void factors(Var v, std::vector<Var>& out, int depth = 0) {
    v = find(v);
    if (v == 0) return;
    // Products nest as deep as kron/vec do in one expression; deeper is a cycle, a bug.
    if (depth > 4096) throw Error(Error::Category::Shape, "the sizes of a Kronecker product or vec cannot be worked out");
    if (auto p = productOf.find(v); p != productOf.end()) {
      factors(p->second.first, out, depth + 1);
      factors(p->second.second, out, depth + 1);
    } else if (rigid[v] != kOne && arena.isProductDim(rigid[v])) {
      for (Dim d : arena.dimFactors(rigid[v])) out.push_back(rigidVar(d));
    } else {
      out.push_back(v);
    }
  }
  // Whether the product v is defined, through its factors, by the variable target.
  bool refersTo(Var v, Var target) {
    auto p = productOf.find(v);
    if (p == productOf.end()) return false;
    for (Var c : {p->second.first, p->second.second}) {
      Var r = find(c);
      if (r == target || (r != v && refersTo(r, target))) return true;
    }
    return false;
  }
  bool isProduct(Var v) {
    v = find(v);
    return productOf.count(v) || (rigid[v] != kOne && arena.isProductDim(rigid[v]));
  }
  // Products unify factor by factor; a free variable may stand for a product
  // (not one of its own factors). Products whose factor counts differ are
  // taken as different: sound, and complete for a user's dimensions, none 1.
  bool unifyProducts(Var a, Var b) {
    if (!isProduct(a)) std::swap(a, b);
    std::vector<Var> fa, fb;
    factors(a, fa);
    factors(b, fb);
    if (!isProduct(b)) {
      if (b == 0 || rigid[b] != kOne) return false;
      if (std::find(fa.begin(), fa.end(), b) != fa.end()) return false;
      parent[b] = a;
      return true;
    }
    // The same factors in another order (vec(X') and vec(X)) are equal as
    // they stand: unifying them in place would force X square.
    auto roots = [&](std::vector<Var> fs) {
      for (Var& f : fs) f = find(f);
      std::sort(fs.begin(), fs.end());
      return fs;
    };
    if (roots(fa) != roots(fb)) {
      // Factors both sides have cancel; the rest pair up in order. n·k with
      // n·m is k = m, whatever the order the factors stand in; k·p with
      // n·m·p is k = n·m, when k is a dimension nothing has fixed yet.
      for (Var& f : fa) f = find(f);
      for (Var& f : fb) f = find(f);
      std::vector<Var> restA, restB = fb;
      for (Var f : fa) {
        auto same = std::find(restB.begin(), restB.end(), f);
        if (same != restB.end()) restB.erase(same);
        else restA.push_back(f);
      }
      // A factor that may be 1 (the size of ones or zeros) is 1 where the
      // other side has fewer factors: ones'*A beside x'*A, k·n·m with n·m
      // (the text form prints x'*v as ones'*(v .* x), found by fuzz_expression).
      auto dropOnes = [&](std::vector<Var>& longer, std::size_t size) {
        for (auto f = longer.begin(); f != longer.end() && longer.size() > size;)
          if (flexible[*f] && rigid[*f] == kOne && unify(*f, 0)) f = longer.erase(f);
          else ++f;
      };
      dropOnes(restA, restB.size());
      dropOnes(restB, restA.size());
      auto open = [&](const std::vector<Var>& rest) { return rest.size() == 1 && rest[0] != 0 && rigid[rest[0]] == kOne; };
      auto productOfAll = [&](const std::vector<Var>& rest) {
        Var p = rest[0];
        for (std::size_t i = 1; i < rest.size(); ++i) p = product(p, rest[i]);
        return p;
      };
      if (restA.size() == restB.size()) {
        for (std::size_t i = 0; i < restA.size(); ++i)
          if (!unify(restA[i], restB[i])) return false;
      } else if (open(restA) && !restB.empty()) {
        if (!unify(restA[0], productOfAll(restB))) return false;
      } else if (open(restB) && !restA.empty()) {
        if (!unify(restB[0], productOfAll(restA))) return false;
      } else {
        return false;
      }
    }
    Var ra = find(a), rb = find(b);
    if (ra != rb) {
      // 1 (variable 0) stays the root of its class, and so does a fixed
      // dimension; a product defined through the other (p = q·r where r is
      // now the other) becomes its alias, or the classes would form a cycle.
      if (rb == 0 || (ra != 0 && rigid[rb] != kOne && rigid[ra] == kOne)) std::swap(ra, rb);
      if (refersTo(ra, rb)) std::swap(ra, rb);
      parent[rb] = ra;
    }
    return true;
  }

  bool unify(Var a, Var b) {
    a = find(a), b = find(b);
    if (a == b) return true;
    if (isProduct(a) || isProduct(b)) return unifyProducts(a, b);
    // A user's symbolic dimension never equals 1, so whether a sub-expression
    // is a scalar is known when it is parsed. In a rule a pattern variable may
    // be forced to a row (1×n); its terms are rebuilt through make() anyway.
    if (a == 0 || b == 0) {
      if (a == 0) std::swap(a, b);
      if (options.scope == 0 && !flexible[a]) return false;
      if (rigid[a] != kOne) return false;
      parent[a] = 0;
      return true;
    }
    if (rigid[a] != kOne && rigid[b] != kOne) return false;
    if (rigid[b] != kOne) std::swap(a, b);
    parent[b] = a;
    flexible[a] = flexible[a] && flexible[b];
    return true;
  }

  // Shapes as the user sees them while parsing: 1, or a letter per class.
  std::string label(Var v) {
    v = find(v);
    if (v == 0) return "1";
    if (rigid[v] != kOne) return arena.dimName(rigid[v]);
    if (productOf.count(v)) {
      std::vector<Var> fs;
      factors(v, fs);
      std::string out;
      for (Var f : fs) out += (out.empty() ? "" : "\u00B7") + label(f);
      return out;
    }
    if (auto it = labels.find(v); it != labels.end()) return it->second;
    static const char* names[] = {"n", "m", "p", "q", "r", "s", "k", "l"};
    std::size_t i = labels.size();
    std::string name = i < 8 ? names[i] : "n" + std::to_string(i - 7);
    labels.emplace(v, name);
    return name;
  }
  std::string shapeText(VShape s) { return label(s.rows) + "×" + label(s.cols); }

  std::string spanText(const detail::AstTree& t, int node) {
    const detail::Ast& a = t.nodes[node];
    return t.source.substr(a.begin, a.end - a.begin);
  }

  // The unifier handed to the shared shape rules.
  struct Unifier {
    Impl& self;
    const detail::AstTree& tree;
    int node;
    std::span<const int> kids;  // AST nodes (or -1) for each shape slot
    std::span<const VShape> shapes;
    boost::container::small_vector<Var, 8> dimVar{0};  // Dim placeholder -> Var
    bool same(Dim a, Dim b) { return self.unify(dimVar[a], dimVar[b]); }
    Dim product(Dim a, Dim b) {
      dimVar.push_back(self.product(dimVar[a], dimVar[b]));
      return static_cast<Dim>(dimVar.size() - 1);
    }
    [[noreturn]] void fail(const std::string& why, int i, int j) {
      std::string msg = "shape error in '" + self.spanText(tree, node) + "': " + why + ": ";
      auto describe = [&](int k) {
        std::string what = kids[k] >= 0 ? "'" + self.spanText(tree, kids[k]) + "'" : "operand";
        return what + " is " + self.shapeText(shapes[k]);
      };
      msg += describe(i);
      if (j >= 0) msg += ", " + describe(j);
      // A lowercase name is a vector unless declared: a*x may mean a scalar a.
      for (int k : {i, j}) {
        if (k < 0 || kids[k] < 0 || tree.nodes[kids[k]].tag != detail::Ast::Tag::Name) continue;
        if (std::string hint = self.scalarHint(tree, kids[k]); !hint.empty()) {
          msg += hint;
          break;
        }
      }
      throw Error(Error::Category::Shape, msg);
    }
  };

  // Applies the kind's shared shape rule to variable shapes: each Var is
  // passed as a placeholder Dim so that the rule's same() unifies Vars.
  VShape applyRule(Kind kind, const detail::AstTree& tree, int node, std::span<const int> kids,
                   std::span<const VShape> in) {
    Unifier u{*this, tree, node, kids, in, {0}};
    boost::container::small_vector<Shape, 4> placeholders;
    auto dimOf = [&](Var v) -> Dim {
      if (v == 0) return kOne;
      u.dimVar.push_back(v);
      return static_cast<Dim>(u.dimVar.size() - 1);
    };
    for (VShape s : in) placeholders.push_back({dimOf(s.rows), dimOf(s.cols)});
    Shape out = detail::applyShapeRule(kind, std::span<const Shape>(placeholders.data(), placeholders.size()), u);
    return {u.dimVar[out.rows], u.dimVar[out.cols]};
  }

  VShape symbolShape(const std::string& name, const detail::AstTree& tree, int node) {
    if (auto it = symbols.find(name); it != symbols.end()) return it->second.shape;
    VarKind kind = defaultVarKind(name);
    if (auto d = options.declared.find(name); d != options.declared.end()) kind = d->second;
    VShape shape;
    if (const Symbol* existing = arena.findSymbol(name, options.scope)) {
      if (existing->kind != kind)
        throw ParseError("'" + name + "' was declared with another kind", tree.source, tree.nodes[node].begin);
      shape = {rigidVar(existing->shape.rows), rigidVar(existing->shape.cols)};
    } else {
      switch (kind) {
        case VarKind::Scalar: break;
        case VarKind::Vector: shape = {fresh(), 0}; break;
        case VarKind::Matrix: shape = {fresh(), fresh()}; break;
      }
    }
    symbols[name] = {kind, shape};
    return shape;
  }

  // An integer literal, possibly negated: the exponent of a matrix power.
  bool integerLiteral(const detail::AstTree& t, int node, long& out) {
    const detail::Ast& a = t.nodes[node];
    if (a.tag == detail::Ast::Tag::Neg) {
      if (!integerLiteral(t, a.kids[0], out)) return false;
      out = -out;
      return true;
    }
    return a.tag == detail::Ast::Tag::Number && a.value.smallInteger(out);
  }

  // Infers the shapes of every node of a tree in creation order (operands
  // first): no recursion, whatever the input's depth or length.
  void elaborate(std::size_t which) {
    for (std::size_t i = 0; i < trees[which].nodes.size(); ++i) elaborateNode(which, static_cast<int>(i));
  }

  VShape elaborateNode(std::size_t which, int node) {
    const detail::AstTree& t = trees[which];
    const detail::Ast& a = t.nodes[node];
    Elab& e = elabs[which][node];
    using Tag = detail::Ast::Tag;
    auto err = [&](const std::string& msg) { throw ParseError(msg, t.source, a.begin); };
    boost::container::small_vector<VShape, 2> in;
    for (int k : a.kids) in.push_back(elabs[which][k].shape);
    std::span<const int> kids(a.kids.data(), a.kids.size());
    std::span<const VShape> ins(in.data(), in.size());
    switch (a.tag) {
      case Tag::Number:
        e.kind = Kind::Number;
        return e.shape = {};
      case Tag::Name:
        if (a.text == "I") {
          e.kind = Kind::Identity;
          Var n = fresh();
          identities.push_back({n, which, node, -1, false});
          return e.shape = {n, n};
        }
        if (a.text == "ones" || a.text == "zeros") {
          e.kind = a.text == "ones" ? Kind::Ones : Kind::Zero;
          Var r = fresh(kOne, true), c = fresh(kOne, true);
          // The text form writes a row of ones as ones': an unprimed ones
          // has as many rows as something fixes, never 1 by default
          // (ones*Y' read as ones'*Y' was another term than the one printed).
          identities.push_back({r, which, node, c, a.text == "zeros"});
          identities.push_back({c, which, node, r, true});
          return e.shape = {r, c};
        }
        // d alone is a variable (Cookbook eq. 78's D*x + d); d(…) is the differential.
        if (functionTable().count(a.text) && a.text != "d") err("'" + a.text + "' is a function: write " + a.text + "(…)");
        e.kind = Kind::Symbol;
        return e.shape = symbolShape(a.text, t, node);
      case Tag::Call: {
        auto f = functionTable().find(a.text);
        if (f == functionTable().end()) err("unknown function '" + a.text + "'" + suggestion(a.text));
        e.kind = f->second;
        if (int arity = kKindInfo[static_cast<int>(e.kind)].arity; arity != static_cast<int>(a.kids.size()))
          throw ParseError("'" + a.text + "' takes " + (arity == 1 ? std::string("one argument") : std::to_string(arity) + " arguments") +
              ", not " + std::to_string(a.kids.size()), t.source, arity < static_cast<int>(a.kids.size()) ? t.nodes[a.kids[arity]].begin : a.begin);
        if (e.kind == Kind::DiagMatrix || e.kind == Kind::DiagVector)
          e.kind = find(in[0].cols) == 0 ? Kind::DiagMatrix : Kind::DiagVector;
        return e.shape = applyRule(e.kind, t, node, kids, ins);
      }
      case Tag::Neg:
        e.kind = Kind::Scale;
        return e.shape = in[0];
      case Tag::Transpose:
        e.kind = Kind::Transpose;
        return e.shape = applyRule(e.kind, t, node, kids, ins);
      case Tag::Inner:
        e.kind = Kind::Inner;
        return e.shape = applyRule(e.kind, t, node, kids, ins);
      case Tag::Binary: break;
    }
    using detail::Op;
    Op op = a.op;
    // A dimension of ones that nothing fixes yet may be 1 (ones'*exp(x) is a scalar).
    auto canBeOne = [&](Var v) { v = find(v); return v == 0 || (flexible[v] && rigid[v] == kOne); };
    auto flexibleOne = [&](Var v) { return canBeOne(v) && unify(v, 0); };
    auto cannotBeOne = [&](Var v) { return !canBeOne(v); };
    if (op == Op::Times && !in[0].isScalar() && !in[1].isScalar()) {
      // (ones'*x)*A: a column can multiply A only if A is a row; when A cannot
      // be, the column's free dimension is 1 and it scales A (and mirrored).
      // An unprimed ones is not a row here either: the text writes one as
      // ones', so (ones'*v)*ones is a scalar times ones (whose size the text
      // then lacks), not a product with a row of ones (1×1).
      if (find(in[0].cols) == 0 && (cannotBeOne(in[1].rows) || unprimedOnesRows(in[1].rows)) && flexibleOne(in[0].rows)) in[0] = {0, 0};
      else if (find(in[1].rows) == 0 && cannotBeOne(in[0].cols) && flexibleOne(in[1].cols)) in[1] = {0, 0};
    }
    if ((op == Op::Plus || op == Op::Minus || op == Op::HadamardTimes || op == Op::HadamardDivide) && !in[0].isScalar() && !in[1].isScalar()) {
      // nj - x'*A*ones, nj - ones'*v: beside an operand that cannot be a
      // scalar, one whose every dimension is a free dimension of ones (or
      // 1) is a broadcast scalar. Its value is the same either way (ones of
      // any size holds the same numbers), but the text form writes a
      // broadcast scalar without its ones and must read back as one.
      auto scalarPossible = [&](const VShape& s) { return canBeOne(s.rows) && canBeOne(s.cols); };
      // Only where a matrix product contracts a dimension of ones: elsewhere
      // (X + ones, X + d(ones), X - d((a'*b)*ones), whose product holds no
      // ones) the ones keeps the other operand's size.
      auto holds = [&](int node, auto&& found) {
        std::vector<int> stack{node};
        while (!stack.empty()) {
          int k = stack.back();
          stack.pop_back();
          if (found(k)) return true;
          stack.insert(stack.end(), t.nodes[k].kids.begin(), t.nodes[k].kids.end());
        }
        return false;
      };
      auto isOnes = [&](int k) { return elabs[which][k].kind == Kind::Ones; };
      auto contractsOnes = [&](int side) {
        return holds(a.kids[side], [&](int k) { return elabs[which][k].kind == Kind::Mul && holds(k, isOnes); });
      };
      for (int side : {0, 1})
        if (scalarPossible(in[side]) && !scalarPossible(in[1 - side]) && contractsOnes(side)) {
          flexibleOne(in[side].rows);
          flexibleOne(in[side].cols);
          in[side] = {0, 0};
          break;
        }
    }
    if (op == Op::Plus || op == Op::Minus) e.kind = Kind::Add;
    else if (op == Op::Times) e.kind = in[0].isScalar() || in[1].isScalar() ? Kind::Scale : Kind::Mul;
    else if (op == Op::HadamardTimes) e.kind = Kind::Hadamard;
    else if (op == Op::HadamardDivide) e.kind = Kind::HadamardDiv;
    else if (op == Op::HadamardCaret) e.kind = Kind::HadamardPow;
    else if (op == Op::Divide) {
      // ones'*exp(x) divides.
      if (!in[1].isScalar() && flexibleOne(in[1].rows) && flexibleOne(in[1].cols)) in[1] = {0, 0};
      if (!in[1].isScalar())
        throw Error(Error::Category::Shape, "shape error in '" + spanText(t, node) + "': '" + spanText(t, a.kids[1]) +
                                                "' is " + shapeText(in[1]) +
                                                ", and only a scalar divides: use inv(…) or ./" + scalarHint(t, a.kids[1]));
      e.kind = Kind::Scale;
      return e.shape = in[0];
    } else if (op == Op::Caret) {
      if (in[0].isScalar()) {
        e.kind = Kind::Pow;
      } else {
        long k = 0;
        if (!integerLiteral(t, a.kids[1], k)) {
          // A rule may raise to a scalar pattern variable: d(A^beta) with integer(beta).
          if (options.scope == 0 || !in[1].isScalar()) {
            // x^T is the transpose in print; here T is a variable.
            std::string hint = spanText(t, a.kids[1]) == "T" ? " (for a transpose write " + spanText(t, a.kids[0]) + "')"
                                                             : " (use .^ for an elementwise power)";
            throw Error(Error::Category::Shape, "shape error in '" + spanText(t, node) + "': a matrix power needs an integer exponent" + hint);
          }
          e.kind = Kind::MatPow;
          e.exponent = 0;
          e.symbolicExponent = true;
          return e.shape = applyRule(e.kind, t, node, kids, ins);
        }
        if (k > 1'000'000 || k < -1'000'000)
          throw Error(Error::Category::Shape, "shape error in '" + spanText(t, node) + "': a matrix power beyond ±10^6");
        e.kind = k == -1 ? Kind::Inverse : Kind::MatPow;
        e.exponent = k;
        if (e.kind == Kind::Inverse) return e.shape = applyRule(Kind::Inverse, t, node, kids.first(1), ins.first(1));
      }
    }
    return e.shape = applyRule(e.kind, t, node, kids, ins);
  }

  // A rule may force a matrix variable to be a row (B*y = <B', y>), but if
  // its sides agree only when a matrix variable is 1×1, or a vector 1×1, the
  // shapes disagree: tr(A) = A is not a rule about matrices.
  void requireGenuineShapes() {
    for (const auto& [name, sym] : symbols) {
      bool rowsOne = find(sym.shape.rows) == 0, colsOne = find(sym.shape.cols) == 0;
      bool collapsed = (sym.kind == VarKind::Matrix && rowsOne && colsOne) || (sym.kind == VarKind::Vector && rowsOne);
      if (collapsed)
        throw Error(Error::Category::Shape, "shape error: the sides agree only if '" + name +
                                                "' is 1×1 (write a Greek name for a scalar variable)");
    }
  }

  struct IdentityUse {
    Var size;
    std::size_t which;
    int node;
    Var other;  // ones, zeros: the other dimension (-1 for I)
    bool oneByDefault;  // 1 when nothing fixes it but the other dimension is fixed
  };
  std::vector<IdentityUse> identities;

  // Whether v is the rows of an unprimed ones that nothing has fixed.
  bool unprimedOnesRows(Var v) {
    v = find(v);
    if (v == 0 || rigid[v] != kOne) return false;
    return std::any_of(identities.begin(), identities.end(),
                       [&](const IdentityUse& use) { return use.other >= 0 && !use.oneByDefault && find(use.size) == v; });
  }

  // A user's I must get its size from a variable: tr(I) alone has none.
  void requireSizedIdentities() {
    if (identities.empty()) return;
    std::set<Var> anchored{0};
    for (const auto& [name, sym] : symbols) {
      anchored.insert(find(sym.shape.rows));
      anchored.insert(find(sym.shape.cols));
    }
    // A factor of a variable's dimension is fixed once its other factors
    // are: x of length n·k in kron(A, I)*x, A n×n, gives I the size k.
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [name, sym] : symbols)
        for (Var d : {sym.shape.rows, sym.shape.cols}) {
          if (!isProduct(d)) continue;
          std::vector<Var> fs, open;
          factors(d, fs);
          for (Var f : fs)
            if (!anchored.count(find(f)) && rigid[find(f)] == kOne) open.push_back(find(f));
          if (open.size() == 1) grew |= anchored.insert(open[0]).second;
        }
    }
    // A product is fixed when its factors are (kron(A, B) + zeros).
    auto fixed = [&](Var v) {
      v = find(v);
      if (anchored.count(v) || rigid[v] != kOne) return true;
      if (!isProduct(v)) return false;
      std::vector<Var> fs;
      factors(v, fs);
      return std::all_of(fs.begin(), fs.end(), [&](Var f) { return anchored.count(find(f)) || rigid[find(f)] != kOne; });
    };
    for (const IdentityUse& use : identities) {
      Var root = find(use.size);
      if (fixed(root)) continue;
      // A dimension of ones or zeros that nothing fixes, when the other one
      // is fixed, is 1: ones'*X*w is a row of ones, A*ones a column.
      bool otherFixed = use.other >= 0 && fixed(use.other);
      if (otherFixed && use.oneByDefault && flexible[root] && unify(root, 0)) continue;
      const detail::AstTree& t = trees[use.which];
      int outer = use.node;  // the smallest enclosing expression, for context
      for (std::size_t i = 0; i < t.nodes.size(); ++i)
        for (int k : t.nodes[i].kids)
          if (k == use.node) outer = static_cast<int>(i);
      throw Error(Error::Category::Shape, "shape error in '" + spanText(t, outer) +
                                              "': the size of '" + t.nodes[use.node].text +
                                              "' cannot be inferred from any variable");
    }
  }

  // " (if 'n' is a scalar: …)" for the first name under node that is a
  // vector only because it is lowercase: x'*A*x/(2*n) means a scalar n.
  std::string scalarHint(const detail::AstTree& t, int node) const {
    std::vector<int> stack{node};
    while (!stack.empty()) {
      const detail::Ast& n = t.nodes[stack.back()];
      stack.pop_back();
      if (n.tag == detail::Ast::Tag::Name && symbols.count(n.text) && symbols.at(n.text).kind == VarKind::Vector &&
          !options.declared.count(n.text))
        return " (if '" + n.text + "' is a scalar: --var " + n.text + ":scalar, or a Greek name)";
      for (auto k = n.kids.rbegin(); k != n.kids.rend(); ++k) stack.push_back(*k);
    }
    return "";
  }

  Dim finalDim(Var v, std::map<Var, Dim>& named) {
    v = find(v);
    if (v == 0) return kOne;
    if (rigid[v] != kOne) return rigid[v];
    auto it = named.find(v);
    if (it != named.end()) return it->second;
    if (productOf.count(v)) {
      std::vector<Var> fs;
      factors(v, fs);
      std::vector<Dim> ds;
      for (Var f : fs) ds.push_back(finalDim(f, named));
      return named[v] = arena.dimProduct(ds);
    }
    Dim d = options.scope == 0 ? arena.freshDim() : arena.freshPatternDim();
    named.emplace(v, d);
    return d;
  }

  // Chains of one associative operator, as the parser leaves them (left-deep:
  // ((a + b) - c) + d), are made as one node from all their operands: made
  // pairwise, a sum of k terms would be sorted k times. The chains: + and -,
  // * between matrices, * by scalars, and .*.
  enum class Chain { None, Sum, Product, Scale, Hadamard };
  Chain chainOf(std::size_t which, int node) const {
    const detail::Ast& a = trees[which].nodes[node];
    if (options.raw || a.tag != detail::Ast::Tag::Binary) return Chain::None;
    using detail::Op;
    if (a.op == Op::Plus || a.op == Op::Minus) return Chain::Sum;
    if (a.op == Op::Times && elabs[which][node].kind == Kind::Mul) return Chain::Product;
    if (a.op == Op::Times && elabs[which][node].kind == Kind::Scale) return Chain::Scale;
    if (a.op == Op::HadamardTimes) return Chain::Hadamard;
    return Chain::None;
  }

  // Builds every node of a tree in creation order, which puts operands before
  // what holds them: no recursion, whatever the input's depth or length.
  Id build(std::size_t which, std::map<Var, Dim>& named) {
    const detail::AstTree& t = trees[which];
    std::vector<Id> ids(t.nodes.size(), kNoId);
    std::vector<char> inChain(t.nodes.size(), 0);  // the left operand of a chain of its own kind
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
      Chain c = chainOf(which, static_cast<int>(i));
      if (c != Chain::None && chainOf(which, t.nodes[i].kids[0]) == c) inChain[t.nodes[i].kids[0]] = 1;
    }
    for (std::size_t i = 0; i < t.nodes.size(); ++i)
      if (!inChain[i]) ids[i] = buildNode(which, static_cast<int>(i), ids, named);
    return ids[t.root];
  }

  Id buildNode(std::size_t which, int node, const std::vector<Id>& ids, std::map<Var, Dim>& named) {
    const detail::AstTree& t = trees[which];
    const detail::Ast& a = t.nodes[node];
    const Elab& e = elabs[which][node];
    if (Chain c = chainOf(which, node); c != Chain::None) {
      std::vector<Id> operands;  // right to left
      int left = node;
      for (; chainOf(which, left) == c; left = t.nodes[left].kids[0]) {
        Id right = ids[t.nodes[left].kids[1]];
        operands.push_back(t.nodes[left].op == detail::Op::Minus ? arena.make(Kind::Scale, {arena.number(-1), right}) : right);
      }
      operands.push_back(ids[left]);
      std::reverse(operands.begin(), operands.end());
      Kind kind = c == Chain::Sum       ? Kind::Add
                  : c == Chain::Product ? Kind::Mul
                  : c == Chain::Scale   ? Kind::Scale
                                        : Kind::Hadamard;
      try {
        return arena.make(kind, operands);
      } catch (const Error& err) {
        if (err.category() != Error::Category::Domain) throw;
        throw Error(Error::Category::Domain, "division by zero in '" + spanText(t, node) + "': it is undefined everywhere");
      }
    }
    boost::container::small_vector<Id, 2> kids;
    for (int k : a.kids) kids.push_back(ids[k]);
    auto mk = [&](Kind kind, std::initializer_list<Id> list) {
      std::span<const Id> ks(list.begin(), list.size());
      try {
        return options.raw ? arena.raw(kind, ks) : arena.make(kind, ks);
      } catch (const Error& e) {
        if (e.category() != Error::Category::Domain) throw;
        throw Error(Error::Category::Domain, "division by zero in '" + spanText(t, node) + "': it is undefined everywhere");
      }
    };
    switch (a.tag) {
      case detail::Ast::Tag::Number: {
        long v;
        return a.value.smallInteger(v) ? arena.number(v) : arena.number(a.value.toMpq());
      }
      case detail::Ast::Tag::Name: {
        // Only a leaf's shape is given; an operation's follows from its operands.
        Shape shape{finalDim(e.shape.rows, named), finalDim(e.shape.cols, named)};
        if (e.kind == Kind::Identity) return arena.identity(shape.rows);
        if (e.kind == Kind::Ones) return arena.ones(shape);
        if (e.kind == Kind::Zero) return arena.zero(shape);
        return arena.symbol(a.text, symbols.at(a.text).kind, shape, options.scope);
      }
      case detail::Ast::Tag::Neg: return mk(Kind::Scale, {arena.number(-1), kids[0]});
      default: break;
    }
    if (a.tag == detail::Ast::Tag::Binary) {
      if (a.op == detail::Op::Minus) return mk(Kind::Add, {kids[0], mk(Kind::Scale, {arena.number(-1), kids[1]})});
      if (a.op == detail::Op::Divide) return mk(Kind::Scale, {kids[0], mk(Kind::Pow, {kids[1], arena.number(-1)})});
      if (e.kind == Kind::Inverse) return mk(Kind::Inverse, {kids[0]});
      if (e.kind == Kind::MatPow) return mk(Kind::MatPow, {kids[0], e.symbolicExponent ? kids[1] : arena.number(e.exponent)});
    }
    if (kids.size() == 1) return mk(e.kind, {kids[0]});
    if (kids.size() == 3) return mk(e.kind, {kids[0], kids[1], kids[2]});
    return mk(e.kind, {kids[0], kids[1]});
  }
};

ParseSession::ParseSession(Arena& arena, ParseOptions options)
    : impl_(std::make_unique<Impl>(arena, std::move(options))) {}
ParseSession::~ParseSession() = default;

std::size_t ParseSession::add(const std::string& source) {
  impl_->trees.push_back(detail::parseSyntax(source));
  impl_->elabs.emplace_back(impl_->trees.back().nodes.size());
  std::size_t which = impl_->trees.size() - 1;
  impl_->elaborate(which);
  return which;
}

void ParseSession::requireSameShape(std::size_t a, std::size_t b) {
  auto& I = *impl_;
  auto sa = I.elabs[a][I.trees[a].root].shape, sb = I.elabs[b][I.trees[b].root].shape;
  if (!I.unify(sa.rows, sb.rows) || !I.unify(sa.cols, sb.cols))
    throw Error(Error::Category::Shape, "shape error: '" + I.trees[a].source + "' is " + I.shapeText(sa) + " but '" +
                                            I.trees[b].source + "' is " + I.shapeText(sb));
}

bool ParseSession::hasSymbol(const std::string& symbol) const { return impl_->symbols.count(symbol) > 0; }

bool ParseSession::requireSquare(const std::string& symbol) {
  auto& I = *impl_;
  auto it = I.symbols.find(symbol);
  if (it == I.symbols.end()) return false;
  if (!I.unify(it->second.shape.rows, it->second.shape.cols))
    throw Error(Error::Category::Shape, "shape error: '" + symbol + "' must be square but is " + I.shapeText(it->second.shape));
  return true;
}

std::vector<Id> ParseSession::finish() {
  if (impl_->options.scope == 0) impl_->requireSizedIdentities();
  else impl_->requireGenuineShapes();
  std::map<Impl::Var, Dim> named;
  std::vector<Id> out;
  for (std::size_t i = 0; i < impl_->trees.size(); ++i) out.push_back(impl_->build(i, named));
  return out;
}

Id parse(Arena& arena, const std::string& source, const ParseOptions& options) {
  ParseSession session(arena, options);
  session.add(source);
  return session.finish()[0];
}

}  // namespace matcalc
