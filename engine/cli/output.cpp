// Printing a result in the format asked for, its common sub-expressions
// named (t1, t2 …) unless --no-share asks for the expanded form.
#include <fmt/core.h>

#include "commands.hpp"
#include "matcalc/print.hpp"

namespace matcalc::cli {

namespace {

// The expanded form of a deep network's gradient can be astronomically long.
void requirePrintable(const Arena& a, Id t) {
  if (a.facts(t).treeSize >= (1u << 21))
    throw Error(Error::Category::Budget, "written without names the result would have over 2 million nodes: drop --no-share");
}

}  // namespace

void printResult(Arena& a, Id term, const std::string& emit, bool share, std::ostream& out) {
  Shared s = share ? shareCommonSubterms(a, term) : Shared{term, {}};
  if (!share) requirePrintable(a, term);
  if (emit == "numpy" || emit == "torch") {
    out << toPythonLines(a, s, emit == "torch") << "\n";
  } else if (emit == "latex") {
    if (s.bindings.empty()) {
      out << toLatex(a, s.result) << "\n";
      return;
    }
    out << "\\begin{aligned}\n& " << toLatex(a, s.result) << " \\\\\n";
    for (std::size_t i = 0; i < s.bindings.size(); ++i) {
      Id name = a.symbol(s.bindings[i].first, VarKind::Scalar, {}, a.newScope());
      out << (i == 0 ? "\\text{where } " : "") << toLatex(a, name) << " &= " << toLatex(a, s.bindings[i].second)
          << (i + 1 < s.bindings.size() ? " \\\\" : "") << "\n";
    }
    out << "\\end{aligned}\n";
  } else {
    out << toText(a, s.result) << "\n";
    for (std::size_t i = 0; i < s.bindings.size(); ++i)
      out << (i == 0 ? "  where " : "        ") << s.bindings[i].first << " = " << toText(a, s.bindings[i].second)
          << (i + 1 < s.bindings.size() ? "," : "") << "\n";
  }
}

// PyTorch cannot say everything (it has no logm): then "torch" is null.
nlohmann::json torchOrNull(const Arena& a, Id t) {
  try {
    return toTorch(a, t);
  } catch (const Error&) {
    return nullptr;
  }
}

nlohmann::json resultJson(Arena& a, Id term, bool share) {
  Shared s = share ? shareCommonSubterms(a, term) : Shared{term, {}};
  if (!share) requirePrintable(a, term);
  nlohmann::json bindings = nlohmann::json::array();
  for (const auto& [name, def] : s.bindings)
    bindings.push_back({{"name", name}, {"text", toText(a, def)}, {"latex", toLatex(a, def)}, {"numpy", toNumpy(a, def)},
                        {"torch", torchOrNull(a, def)}});
  return {{"text", toText(a, s.result)}, {"latex", toLatex(a, s.result)}, {"numpy", toNumpy(a, s.result)},
          {"torch", torchOrNull(a, s.result)}, {"bindings", bindings}};
}

}  // namespace matcalc::cli
