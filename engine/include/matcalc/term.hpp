// Terms: immutable, hash-consed nodes in an arena, referred to by 32-bit ids.
// Structural equality is id equality. Every node carries its shape over
// symbolic dimensions, so a term alone determines its shape.
#pragma once
#include <gmpxx.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "matcalc/error.hpp"
#include "matcalc/kinds.hpp"

namespace matcalc {

using Id = std::uint32_t;
using Dim = std::uint32_t;      // a symbolic dimension, interned by name
inline constexpr Dim kOne = 0;  // the literal dimension 1

struct Shape {
  Dim rows = kOne, cols = kOne;
  bool isScalar() const { return rows == kOne && cols == kOne; }
  bool isColumn() const { return cols == kOne; }
  bool operator==(const Shape&) const = default;
};

enum class VarKind : std::uint8_t { Scalar, Vector, Matrix };

struct Symbol {
  std::string name;
  VarKind kind;
  Shape shape;
  std::uint32_t scope;  // 0: the user's variables; k > 0: pattern variables of one rule
};

struct Node {
  Kind kind;
  std::uint32_t payload;  // Symbol: symbol index; Number: number index; else 0
  Shape shape;
  std::vector<Id> kids;
};

class Arena {
 public:
  Arena();

  // Leaves.
  Id symbol(std::string_view name, VarKind kind, Shape shape, std::uint32_t scope = 0);
  Id number(const mpq_class& value);
  Id number(long value) { return number(mpq_class(value)); }
  Id identity(Dim n);
  Id zero(Shape shape);
  Id ones(Shape shape);  // the all-ones matrix: a scalar added to a matrix is c*ones

  // The smart constructor for every non-leaf kind: checks the shape rule and
  // canonicalises (flattens and sorts +, scalar products and Hadamard
  // products, folds numbers, pulls scalar factors out of matrix and Hadamard
  // products). Throws Error(Shape) naming the sub-expression.
  Id make(Kind kind, std::vector<Id> kids);

  // Valid until the arena grows: copy the Node before calling make().
  const Node& node(Id id) const { return nodes_[id]; }
  Kind kind(Id id) const { return nodes_[id].kind; }
  Shape shape(Id id) const { return nodes_[id].shape; }
  std::span<const Id> kids(Id id) const { return nodes_[id].kids; }
  const Symbol& symbolOf(Id id) const { return symbols_[nodes_[id].payload]; }
  const mpq_class& numberOf(Id id) const { return numbers_[nodes_[id].payload]; }
  bool isNumber(Id id, long value) const { return kind(id) == Kind::Number && numberOf(id) == value; }

  // Dimensions.
  Dim dim(std::string_view name);  // interns
  const std::string& dimName(Dim d) const { return dimNames_[d]; }
  std::string shapeText(Shape s) const;  // "m×n"
  // A fresh dimension name: the first unused of n m p q r s k l, then n1, n2 …
  Dim freshDim();
  // A fresh dimension for pattern variables (never shown to users).
  Dim freshPatternDim();

  // Symbols of one scope, in creation order.
  std::vector<Id> symbolsInScope(std::uint32_t scope) const;
  const Symbol* findSymbol(std::string_view name, std::uint32_t scope) const;
  std::uint32_t newScope() { return ++lastScope_; }

  std::size_t size() const { return nodes_.size(); }

  // Structural order used to sort operands: deterministic, independent of ids.
  int compare(Id a, Id b) const;

 private:
  Id intern(Node node);
  Id makeAdd(std::vector<Id> kids);
  Id makeScale(std::vector<Id> kids);
  Id makeMul(std::vector<Id> kids);
  Id makeHadamard(std::vector<Id> kids);
  Shape checkShape(Kind kind, std::span<const Id> kids) const;
  Id finish(Kind kind, std::vector<Id> kids);  // shape-check and intern, no rewriting
  std::vector<Id> flatten(Kind kind, const std::vector<Id>& kids) const;

  struct NodeHash {
    std::size_t operator()(const Node& n) const;
  };
  struct NodeEq {
    bool operator()(const Node& a, const Node& b) const {
      return a.kind == b.kind && a.payload == b.payload && a.shape == b.shape && a.kids == b.kids;
    }
  };

  std::vector<Node> nodes_;
  std::unordered_map<Node, Id, NodeHash, NodeEq> memo_;
  std::vector<Symbol> symbols_;
  std::vector<mpq_class> numbers_;
  std::unordered_map<std::string, std::uint32_t> numberIndex_;
  std::vector<std::string> dimNames_;
  std::unordered_map<std::string, Dim> dimIndex_;
  std::uint32_t lastScope_ = 0;
  std::uint32_t patternDims_ = 0;
};

}  // namespace matcalc
