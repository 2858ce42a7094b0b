// The syntax tree the parser produces before shapes are known.
#pragma once
#include <boost/container/small_vector.hpp>
#include <string>
#include <vector>

#include "lexer.hpp"
#include "matcalc/small_rational.hpp"

namespace matcalc::detail {

struct Ast {
  enum class Tag { Name, Number, Call, Neg, Binary, Transpose, Inner } tag;
  std::string text;  // name, function name, or binary operator
  SmallRational value;  // Number
  boost::container::small_vector<int, 2> kids;
  std::size_t begin = 0, end = 0;  // source span
  Op op = Op::None;  // Binary: the operator `text` spells
};

struct AstTree {
  std::string source;
  std::vector<Ast> nodes;
  int root = -1;
};

// Throws ParseError with the position of the offending token.
AstTree parseSyntax(const std::string& source);

}  // namespace matcalc::detail
