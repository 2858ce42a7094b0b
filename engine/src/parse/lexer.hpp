// Tokens of the surface syntax.
#pragma once
#include <string>
#include <vector>

namespace matcalc::detail {

struct Token {
  enum class Type { Name, Number, Op, End } type;
  std::string text;
  std::size_t pos;
};

// Throws ParseError on a character that starts no token.
std::vector<Token> tokenize(const std::string& source);

}  // namespace matcalc::detail
