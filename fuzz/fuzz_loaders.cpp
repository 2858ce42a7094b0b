// libFuzzer targets: the YAML rule loader, the identity loader (which
// verifies what it loads, as `rules check` and `identities check` do), and
// lookup. A refusal is an Error with file:line; anything else is a finding.
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "matcalc/catalog.hpp"
#include "matcalc/rules.hpp"
#include "matcalc/verify.hpp"

namespace {

std::string scratchFile(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/matcalc-fuzz-" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace matcalc;
  if (size > 8192) return -1;
  std::string path = scratchFile(data, size);
  Arena arena;
#if defined(MATCALC_FUZZ_RULES)
  RuleSet rules;
  try {
    rules.loadFile(arena, path);
    for (const Rule& r : rules.rules()) (void)check(arena, identityOf(r), 3, 1);
  } catch (const Error&) {
  }
#elif defined(MATCALC_FUZZ_CATALOG)
  static Arena loaded;  // the standard rules restored once; each input gets a copy
  static const RuleSet rules = RuleSet::standard(loaded);
  arena = loaded;
  Catalog catalog;
  try {
    catalog.loadFile(arena, path);
    for (const CatalogEntry& e : catalog.entries()) (void)verifyEntry(arena, rules, e, 3, 1);
  } catch (const Error&) {
  }
#elif defined(MATCALC_FUZZ_LOOKUP)
  static Arena shared;
  static RuleSet rules = RuleSet::standard(shared);
  static Catalog catalog = [] {
    Catalog c;
    c.loadDirectory(shared, MATCALC_IDENTITIES_DIR);
    return c;
  }();
  try {
    (void)lookup(shared, rules, catalog, std::string(reinterpret_cast<const char*>(data), size));
  } catch (const Error&) {
  }
#endif
  return 0;
}
