#include "matcalc/catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "../rules/yaml_support.hpp"
#include "matcalc/parse.hpp"

namespace matcalc {

namespace {

struct EntrySpec {
  BOOST_HANA_DEFINE_STRUCT(EntrySpec,
                           (std::string, name),
                           (std::string, statement),
                           (std::vector<std::string>, where),
                           (std::vector<std::string>, vars),
                           (std::string, source),
                           (std::string, note),
                           (std::vector<std::string>, tags));
};
const std::set<std::string> kOptional = {"where", "vars", "tags", "note"};

[[noreturn]] void fail(const std::string& where, const std::string& name, const std::string& why) {
  detail::failAt(where, "entry", name, why);
}

}  // namespace

void Catalog::loadFile(Arena& arena, const std::string& path) {
  YAML::Node doc = detail::loadYaml(path);
  if (!doc.IsMap() || !doc["entries"] || !doc["entries"].IsSequence())
    fail(path + ":1", "", "a catalog file is a mapping with an 'entries:' list (and an optional 'section:')");
  detail::requireKeys(path, doc, {"entries", "section"});
  std::string section = doc["section"] ? detail::scalarAt(path, doc["section"], "'section'") : "";
  static const std::regex derivativeForm(R"(^\s*(grad|jacobian|hessian)\s+(.+)\s+wrt\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$)");

  for (const auto& node : doc["entries"]) {
    EntrySpec spec = detail::decodeEntry<EntrySpec>(path, node, kOptional, "entry");
    std::string where = detail::lineOf(path, node);
    if (!detail::isKebabCase(spec.name)) fail(where, spec.name, "the name must be kebab-case (a-z, 0-9, -)");
    if (find(spec.name)) fail(where, spec.name, "duplicate name (first defined at " + find(spec.name)->location() + ")");
    CatalogEntry e;
    e.name = spec.name;
    e.statement = spec.statement;
    e.section = section;
    e.source = spec.source;
    e.note = spec.note;
    e.tags = spec.tags;
    e.file = path;
    e.line = node.Mark().line + 1;
    e.scope = arena.newScope();
    try {
      ParseOptions options;
      options.scope = e.scope;
      for (const std::string& v : spec.vars) {
        auto colon = v.find(':');
        if (colon == std::string::npos) throw Error(Error::Category::Rule, "vars take NAME:KIND, got '" + v + "'");
        options.declared[v.substr(0, colon)] = parseVarKind(v.substr(colon + 1));
      }
      ParseSession session(arena, options);
      std::smatch m;
      std::size_t a, b, x = 0;
      if (std::regex_match(spec.statement, m, derivativeForm)) {
        e.form = m[1] == "grad" ? CatalogEntry::Form::Gradient : m[1] == "jacobian" ? CatalogEntry::Form::Jacobian : CatalogEntry::Form::Hessian;
        a = session.add(m[2]);
        b = session.add(m[4]);
        x = session.add(m[3]);
        if (e.form == CatalogEntry::Form::Gradient) {
          session.requireSameShape(b, x);
        } else {  // size(F)×size(X), or size(X)×size(X)
          std::string rows = e.form == CatalogEntry::Form::Jacobian ? m[2].str() : m[3].str();
          std::size_t shape = session.add("vec(" + rows + ")*vec(" + m[3].str() + ")'");
          session.requireSameShape(b, shape);
        }
      } else {
        auto eq = spec.statement.find('=');
        if (eq == std::string::npos || spec.statement.find('=', eq + 1) != std::string::npos)
          throw Error(Error::Category::Rule, "a statement is 'LHS = RHS', 'grad F wrt X = G', 'jacobian F wrt X = J' or 'hessian f wrt X = H'");
        e.form = CatalogEntry::Form::Equality;
        a = session.add(spec.statement.substr(0, eq));
        b = session.add(spec.statement.substr(eq + 1));
        session.requireSameShape(a, b);
      }
      auto guards = constrainGuards(session, spec.where);
      auto terms = session.finish();
      e.lhs = terms[a];
      e.rhs = terms[b];
      if (e.form != CatalogEntry::Form::Equality) {
        e.wrt = terms[x];
        if (arena.kind(e.wrt) != Kind::Symbol) throw Error(Error::Category::Rule, "'wrt' must name a variable");
        if (e.form != CatalogEntry::Form::Jacobian && !arena.shape(e.lhs).isScalar())
          throw Error(Error::Category::Rule, std::string("the function of a ") + formName(e.form) + " must be scalar-valued");
      }
      e.where = resolveGuards(arena, e.scope, guards);
    } catch (const std::invalid_argument& ex) {
      fail(where, spec.name, ex.what());
    } catch (const Error& ex) {
      fail(where, spec.name, ex.what());
    }
    entries_.push_back(std::move(e));
  }
}

void Catalog::loadDirectory(Arena& arena, const std::string& dir) {
  for (const std::string& f : yamlFilesIn(dir)) loadFile(arena, f);
}

const CatalogEntry* Catalog::find(const std::string& name) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const CatalogEntry& e) { return e.name == name; });
  return it == entries_.end() ? nullptr : &*it;
}

const char* formName(CatalogEntry::Form form) {
  switch (form) {
    case CatalogEntry::Form::Equality: return "equality";
    case CatalogEntry::Form::Gradient: return "gradient";
    case CatalogEntry::Form::Jacobian: return "jacobian";
    case CatalogEntry::Form::Hessian: return "hessian";
  }
  return "?";
}

Identity verificationIdentity(Arena& arena, const CatalogEntry& e, const RuleSet* rules) {
  Id dx = arena.make(Kind::Differential, {e.wrt});
  Identity id{};
  switch (e.form) {
    case CatalogEntry::Form::Equality: return {e.lhs, e.rhs, e.where};
    case CatalogEntry::Form::Gradient: {
      id = {arena.make(Kind::Differential, {e.lhs}), arena.make(Kind::Inner, {e.rhs, dx}), e.where};
      // Within symmetric (diagonal) matrices a gradient is itself symmetric
      // (diagonal): along such directions alone G and G' (G .* I) cannot be
      // told apart, so <G - P(G), C> for a random constant C is added, zero
      // exactly where G is its own projection P(G).
      Id projected = withinStructure(arena, e.rhs, e.wrt, e.where);
      if (projected != e.rhs) {
        Id c = arena.symbol("structure probe", VarKind::Matrix, arena.shape(e.wrt), e.scope);
        Id off = arena.make(Kind::Add, {e.rhs, arena.make(Kind::Scale, {arena.number(-1), projected})});
        id.rhs = arena.make(Kind::Add, {id.rhs, arena.make(Kind::Inner, {off, c})});
      }
      break;
    }
    case CatalogEntry::Form::Jacobian:
      id = {arena.make(Kind::Vec, {arena.make(Kind::Differential, {e.lhs})}),
            arena.make(Kind::Mul, {e.rhs, arena.make(Kind::Vec, {dx})}), e.where};
      break;
    case CatalogEntry::Form::Hessian: {
      if (!rules) throw std::logic_error("a Hessian entry is verified through the engine's gradient: pass the rules");
      Id g = gradient(arena, *rules, e.lhs, e.wrt, e.where).gradient;
      id = {arena.make(Kind::Vec, {arena.make(Kind::Differential, {g})}),
            arena.make(Kind::Mul, {e.rhs, arena.make(Kind::Vec, {dx})}), e.where};
      break;
    }
  }
  for (Id v : variablesOf(arena, e.lhs))
    if (v != e.wrt) id.where.push_back({Guard::Constant, v});
  return id;
}

}  // namespace matcalc
