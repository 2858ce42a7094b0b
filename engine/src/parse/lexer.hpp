// Tokens of the surface syntax.
#pragma once
#include <string>
#include <vector>

namespace matcalc::detail {

// An operator, known by code so that the parser and the elaborator compare
// integers, not strings.
enum class Op : unsigned char {
  None, Plus, Minus, Times, Divide, Prime, Caret, Open, Close, Less, Greater, Comma,
  HadamardTimes, HadamardDivide, HadamardCaret, Kron  // .* ./ .^ ⊗
};

struct Token {
  enum class Type { Name, Number, Op, End } type;
  std::string text;
  std::size_t pos;
  Op op = Op::None;  // an Op token's operator
};

// Throws ParseError on a character that starts no token.
std::vector<Token> tokenize(const std::string& source);

}  // namespace matcalc::detail
