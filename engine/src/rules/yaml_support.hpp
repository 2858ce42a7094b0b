// Shared by the rule and identity loaders: decoding a YAML mapping into a
// struct by reflecting over its fields (Boost.Hana), so the accepted keys,
// their types and the unknown-key check come from one struct definition;
// errors as "file:line: rule 'name': reason"; guard syntax.
#pragma once
#include <yaml-cpp/yaml.h>

#include <boost/hana.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "matcalc/rules.hpp"

namespace matcalc::detail {

[[noreturn]] void failAt(const std::string& where, const std::string& what, const std::string& name, const std::string& why);
std::string lineOf(const std::string& file, const YAML::Node& node);
YAML::Node loadYaml(const std::string& path);  // throws Error(Rule) with file:line
void decodeField(const YAML::Node& n, std::string& out);
void decodeField(const YAML::Node& n, std::vector<std::string>& out);
// "spd(A)" -> {Guard::Spd, "A"}; throws std::invalid_argument with the reason.
std::pair<Guard, std::string> parseGuard(const std::string& text);
bool isKebabCase(const std::string& name);
// The keys of a file-level mapping must be among `allowed`.
void requireKeys(const std::string& file, const YAML::Node& doc, const std::set<std::string>& allowed);
// A node that must be a plain string (a key, a family or section name): else file:line and why.
std::string scalarAt(const std::string& file, const YAML::Node& node, const std::string& what);

// `what` is "rule" or "entry", for messages.
template <class Spec>
Spec decodeEntry(const std::string& file, const YAML::Node& entry, const std::set<std::string>& optional, const char* what) {
  namespace hana = boost::hana;
  if (!entry.IsMap()) failAt(lineOf(file, entry), what, "", std::string("a ") + what + " must be a mapping");
  Spec spec;
  std::string name = entry["name"] && entry["name"].IsScalar() ? entry["name"].template as<std::string>() : "";
  std::set<std::string> known;
  hana::for_each(hana::accessors<Spec>(), [&](auto pair) {
    std::string key = hana::to<const char*>(hana::first(pair));
    known.insert(key);
    auto& field = hana::second(pair)(spec);
    const YAML::Node value = entry[key];
    if (!value) {
      if (!optional.count(key)) failAt(lineOf(file, entry), what, name, "missing '" + key + "'");
      return;
    }
    try {
      decodeField(value, field);
    } catch (const std::exception& e) {
      failAt(lineOf(file, value), what, name, "'" + key + "': " + e.what());
    }
  });
  for (const auto& kv : entry) {
    std::string key = scalarAt(file, kv.first, "a key");
    if (!known.count(key)) failAt(lineOf(file, kv.first), what, name, "unknown key '" + key + "'");
  }
  return spec;
}

}  // namespace matcalc::detail
