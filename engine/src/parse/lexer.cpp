#include "lexer.hpp"

#include <cctype>
#include <cstdio>

#include "matcalc/error.hpp"

namespace matcalc::detail {

namespace {
Op singleCharacterOp(unsigned char c) {
  switch (c) {
    case '+': return Op::Plus;
    case '-': return Op::Minus;
    case '*': return Op::Times;
    case '/': return Op::Divide;
    case '\'': return Op::Prime;
    case '^': return Op::Caret;
    case '(': return Op::Open;
    case ')': return Op::Close;
    case '<': return Op::Less;
    case '>': return Op::Greater;
    case ',': return Op::Comma;
    default: return Op::None;
  }
}
}  // namespace

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  out.reserve(std::min<std::size_t>(s.size() + 1, 1024));  // a token per character at most, and the end
  std::size_t i = 0;
  auto digit = [&](std::size_t k) { return k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])); };
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) { ++i; continue; }
    std::size_t start = i;
    if (std::isalpha(c) || c == '_') {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      out.push_back({Token::Type::Name, s.substr(start, i - start), start});
    } else if (std::isdigit(c) || (c == '.' && digit(i + 1))) {
      while (digit(i)) ++i;
      // "2.5" is a number but "2.*X" is 2 .* X.
      if (i < s.size() && s[i] == '.' && !(i + 1 < s.size() && (s[i + 1] == '*' || s[i + 1] == '/' || s[i + 1] == '^'))) {
        ++i;
        while (digit(i)) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (digit(j)) {
          i = j;
          while (digit(i)) ++i;
        }
      }
      out.push_back({Token::Type::Number, s.substr(start, i - start), start});
    } else if (c == '.' && i + 1 < s.size() && (s[i + 1] == '*' || s[i + 1] == '/' || s[i + 1] == '^')) {
      Op op = s[i + 1] == '*' ? Op::HadamardTimes : s[i + 1] == '/' ? Op::HadamardDivide : Op::HadamardCaret;
      out.push_back({Token::Type::Op, s.substr(i, 2), start, op});
      i += 2;
    } else if (Op op = singleCharacterOp(c); op != Op::None) {
      out.push_back({Token::Type::Op, std::string(1, static_cast<char>(c)), start, op});
      ++i;
    } else if (s.compare(i, 3, "\u2297") == 0) {  // ⊗, the Kronecker product as an operator
      out.push_back({Token::Type::Op, "\u2297", start, Op::Kron});
      i += 3;
    } else {
      if (c >= 0x80) throw ParseError("unexpected non-ASCII character", s, start);
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      std::string shown = c < 0x20 || c == 0x7f ? hex : std::string(1, static_cast<char>(c));
      throw ParseError("unexpected character '" + shown + "'", s, start);
    }
  }
  out.push_back({Token::Type::End, "", s.size()});
  return out;
}

}  // namespace matcalc::detail
