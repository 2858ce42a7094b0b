// Matching a rule's left-hand side against a term. Pattern variables are the
// symbols of the rule's scope; their dimensions are pattern dimensions too.
//  - In a matrix product, a matrix or vector variable stands for any run of
//    consecutive factors: <A*C, B*D> matches every split of a product.
//  - Operands of +, scalar products and .* are matched in any order; the
//    last variable takes all remaining operands.
//  - At the root, a product pattern may match a run inside a longer product,
//    and an AC pattern some of the operands; the rest is kept around the result.
#pragma once
#include <functional>
#include <unordered_map>
#include <vector>

#include "matcalc/term.hpp"

namespace matcalc::detail {

struct Binding {
  std::unordered_map<Id, Id> vars;
  std::unordered_map<Dim, Dim> dims;
};

struct RootMatch {
  Binding binding;
  std::vector<Id> before, after;  // product: factors left and right of the run; AC: unused operands
};

class Matcher {
 public:
  Matcher(Arena& arena, std::uint32_t scope) : a_(arena), scope_(scope) {}

  // Calls accept for each match until it returns true; returns whether it did.
  bool matchRoot(Id pattern, Id subject, const std::function<bool(const RootMatch&)>& accept);
  // The pattern with its variables and dimensions replaced; throws Error(Shape).
  Id instantiate(Id pattern, const Binding& b);

 private:
  using Next = std::function<bool(Binding&)>;
  bool isVar(Id t) const { return a_.kind(t) == Kind::Symbol && a_.symbolOf(t).scope == scope_; }
  bool bindDim(Dim p, Dim s, Binding& b) const;
  bool bindVar(Id var, Id term, Binding& b) const;
  bool match(Id p, Id s, Binding b, const Next& next);
  bool matchKids(std::span<const Id> p, std::span<const Id> s, std::size_t i, Binding b, const Next& next);
  bool matchRun(std::span<const Id> p, std::size_t i, std::span<const Id> s, std::size_t j, Binding b, const Next& next);
  bool matchAC(Kind kind, std::span<const Id> p, std::span<const Id> s, bool leftovers, Binding b,
               const std::function<bool(Binding&, std::vector<Id>&)>& next);
  Id join(Kind kind, std::span<const Id> run);  // one operand, or the run rebuilt

  Arena& a_;
  std::uint32_t scope_;
};

}  // namespace matcalc::detail
