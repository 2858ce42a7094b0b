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
                           (std::vector<std::string>, tags));
};
const std::set<std::string> kOptional = {"where", "vars", "tags"};

[[noreturn]] void fail(const std::string& where, const std::string& name, const std::string& why) {
  detail::failAt(where, "entry", name, why);
}

}  // namespace

void Catalog::loadFile(Arena& arena, const std::string& path) {
  YAML::Node doc = detail::loadYaml(path);
  if (!doc.IsMap() || !doc["entries"] || !doc["entries"].IsSequence())
    fail(path + ":1", "", "a catalog file is a mapping with an 'entries:' list (and an optional 'section:')");
  detail::requireKeys(path, doc, {"entries", "section"});
  std::string section = doc["section"] ? doc["section"].as<std::string>() : "";
  static const std::regex gradientForm(R"(^\s*grad\s+(.+)\s+wrt\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$)");

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
      if (std::regex_match(spec.statement, m, gradientForm)) {
        e.form = CatalogEntry::Form::Gradient;
        a = session.add(m[1]);
        b = session.add(m[3]);
        x = session.add(m[2]);
        session.requireSameShape(b, x);
      } else {
        auto eq = spec.statement.find('=');
        if (eq == std::string::npos || spec.statement.find('=', eq + 1) != std::string::npos)
          throw Error(Error::Category::Rule, "a statement is 'LHS = RHS' or 'grad F wrt X = G'");
        e.form = CatalogEntry::Form::Equality;
        a = session.add(spec.statement.substr(0, eq));
        b = session.add(spec.statement.substr(eq + 1));
        session.requireSameShape(a, b);
      }
      auto guards = constrainGuards(session, spec.where);
      auto terms = session.finish();
      e.lhs = terms[a];
      e.rhs = terms[b];
      if (e.form == CatalogEntry::Form::Gradient) {
        e.wrt = terms[x];
        if (arena.kind(e.wrt) != Kind::Symbol) throw Error(Error::Category::Rule, "'wrt' must name a variable");
        if (!arena.shape(e.lhs).isScalar()) throw Error(Error::Category::Rule, "the function of a gradient must be scalar-valued");
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

Identity verificationIdentity(Arena& arena, const CatalogEntry& e) {
  if (e.form == CatalogEntry::Form::Equality) return {e.lhs, e.rhs, e.where};
  Identity id{arena.make(Kind::Differential, {e.lhs}),
              arena.make(Kind::Inner, {e.rhs, arena.make(Kind::Differential, {e.wrt})}), e.where};
  for (Id v : variablesOf(arena, e.lhs))
    if (v != e.wrt) id.where.push_back({Guard::Constant, v});
  return id;
}

}  // namespace matcalc
