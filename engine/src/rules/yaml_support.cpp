#include "yaml_support.hpp"

#include <filesystem>
#include <map>
#include <yaml-cpp/depthguard.h>

namespace matcalc::detail {

void failAt(const std::string& where, const std::string& what, const std::string& name, const std::string& why) {
  std::string who = name.empty() ? "" : std::string(what) + " '" + name + "': ";
  throw Error(Error::Category::Rule, where + ": " + who + why);
}

std::string lineOf(const std::string& file, const YAML::Node& node) {
  return file + ":" + std::to_string(node.Mark().line + 1);
}

YAML::Node loadYaml(const std::string& path) {
  // Rule and identity files are small (the largest standard one is ~20 KB):
  // a bound keeps a mistaken or hostile file from taking seconds and memory.
  constexpr std::uintmax_t kMaxBytes = 4u << 20;
  std::error_code ec;
  if (std::uintmax_t size = std::filesystem::file_size(path, ec); !ec && size > kMaxBytes)
    throw Error(Error::Category::Rule, path + ": the file is larger than 4 MB (" + std::to_string(size >> 20) + " MB)");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error(Error::Category::Rule, path + ": cannot read the file");
  } catch (const YAML::DeepRecursion& e) {
    throw Error(Error::Category::Rule, path + ":" + std::to_string(e.mark.line + 1) + ": YAML nested too deeply (the limit is " +
                                           std::to_string(e.depth()) + " levels)");
  } catch (const YAML::Exception& e) {
    throw Error(Error::Category::Rule, path + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
  }
}

void decodeField(const YAML::Node& n, std::string& out) {
  if (!n.IsScalar()) throw std::invalid_argument("expected a string");
  out = n.as<std::string>();
}

void decodeField(const YAML::Node& n, std::vector<std::string>& out) {
  if (!n.IsSequence()) throw std::invalid_argument("expected a list");
  for (const auto& item : n) {
    if (!item.IsScalar()) throw std::invalid_argument("expected a list of strings");
    out.push_back(item.as<std::string>());
  }
}

std::pair<Guard, std::string> parseGuard(const std::string& text) {
  static const std::regex syntax(R"(^\s*([A-Za-z_]+)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$)");
  static const std::map<std::string, Guard> table = {
      {"square", Guard::Square},     {"symmetric", Guard::Symmetric}, {"diagonal", Guard::Diagonal},   {"invertible", Guard::Invertible},
      {"spd", Guard::Spd},           {"positive", Guard::Positive},     {"nonzero", Guard::Nonzero},
      {"constant", Guard::Constant}, {"integer", Guard::Integer}, {"principal", Guard::Principal}, {"fullcolrank", Guard::FullColRank}, {"differential", Guard::Differential}, {"nodifferential", Guard::NoDifferential}};
  std::smatch m;
  if (!std::regex_match(text, m, syntax)) throw std::invalid_argument("guard '" + text + "' is not of the form name(Variable)");
  auto it = table.find(m[1]);
  if (it == table.end()) throw std::invalid_argument("unknown guard '" + std::string(m[1]) + "'");
  return {it->second, m[2]};
}

bool isKebabCase(const std::string& name) {
  static const std::regex kebab("^[a-z0-9]+(-[a-z0-9]+)*$");
  return std::regex_match(name, kebab);
}

void requireKeys(const std::string& file, const YAML::Node& doc, const std::set<std::string>& allowed) {
  for (const auto& kv : doc) {
    std::string key = scalarAt(file, kv.first, "a key");
    if (!allowed.count(key)) failAt(lineOf(file, kv.first), "", "", "unknown key '" + key + "'");
  }
}

std::string scalarAt(const std::string& file, const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) failAt(lineOf(file, node), "", "", what + " must be a plain string");
  return node.as<std::string>();
}

}  // namespace matcalc::detail
