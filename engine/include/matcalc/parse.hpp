// The parser for the surface syntax (docs/syntax.md), shared by the CLI, the
// rule files and the catalog. Shapes are inferred by unifying symbolic
// dimensions over everything parsed in one session.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "matcalc/term.hpp"

namespace matcalc {

// uppercase first letter: matrix; Greek letter name: scalar; other lowercase: vector.
VarKind defaultVarKind(std::string_view name);
bool isGreekName(std::string_view name);
VarKind parseVarKind(std::string_view word);  // "scalar" | "vector" | "matrix", else throws

struct ParseOptions {
  std::map<std::string, VarKind> declared;  // overrides defaultVarKind
  std::uint32_t scope = 0;                  // 0: the user's variables; else a rule's pattern scope
  bool raw = false;                         // build terms as written, not canonicalised (Arena::raw)
};

// Several expressions parsed together share their symbols' dimensions.
class ParseSession {
 public:
  ParseSession(Arena& arena, ParseOptions options = {});
  ~ParseSession();

  // Parses and infers shapes; returns a handle for finish()'s result.
  // Throws ParseError (with the position) or Error(Shape).
  std::size_t add(const std::string& source);
  // Requires two added expressions to have one shape (a rule's two sides).
  void requireSameShape(std::size_t a, std::size_t b);
  // Requires a symbol (seen in an added expression) to be square; false if unknown.
  bool requireSquare(const std::string& symbol);
  bool hasSymbol(const std::string& symbol) const;
  // Fixes every dimension and builds the terms, in the order added.
  std::vector<Id> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

Id parse(Arena& arena, const std::string& source, const ParseOptions& options = {});

}  // namespace matcalc
