// Recursive-descent parser, precedences as in MATLAB (loosest first):
//   + -   |   * / .* ./ ⊗   |   unary -   |   ^ .^   |   postfix '
#include <algorithm>
#include <set>

#include "ast.hpp"
#include "lexer.hpp"
#include "matcalc/error.hpp"

namespace matcalc::detail {
namespace {

mpq_class decimal(const std::string& text) {
  std::string mantissa = text, exponent = "0";
  if (auto e = text.find_first_of("eE"); e != std::string::npos) {
    mantissa = text.substr(0, e);
    exponent = text.substr(e + 1);
  }
  std::string digits;
  long scale = 0;
  bool afterPoint = false;
  for (char c : mantissa) {
    if (c == '.') { afterPoint = true; continue; }
    digits += c;
    if (afterPoint) ++scale;
  }
  long e = std::stol(exponent) - scale;
  if (e > 1000 || e < -1000) throw std::out_of_range("exponent");
  mpz_class num(digits.empty() ? "0" : digits), ten = 10, p = 1;
  for (long i = 0; i < (e < 0 ? -e : e); ++i) p *= ten;
  mpq_class v = e < 0 ? mpq_class(num, p) : mpq_class(num * p);
  v.canonicalize();
  return v;
}

class Parser {
 public:
  explicit Parser(std::string source) : tokens_(tokenize(source)) {
    tree_.source = std::move(source);
    tree_.nodes.reserve(tokens_.size());  // a node per token at most
  }

  AstTree run() {
    if (peek().type == Token::Type::End) fail("empty expression", peek());
    tree_.root = additive();
    if (peek().type != Token::Type::End) {
      if (at(Op::Close)) fail("unmatched ')'", peek());
      // x'x, 2x, A(x + y): an operand right after another.
      bool operand = peek().type == Token::Type::Name || peek().type == Token::Type::Number || at(Op::Open);
      fail("unexpected '" + peek().text + "'" + (operand ? " (a product needs '*')" : ""), peek());
    }
    return std::move(tree_);
  }

 private:
  const Token& peek() const { return tokens_[i_]; }
  bool at(Op op) const { return peek().op == op; }
  const Token& next() { return tokens_[i_++]; }
  [[noreturn]] void fail(const std::string& msg, const Token& t) { throw ParseError(msg, tree_.source, t.pos); }

  int add(Ast node) {
    tree_.nodes.push_back(std::move(node));
    return static_cast<int>(tree_.nodes.size() - 1);
  }
  int binary(const Token& op, int a, int b) {
    return add({Ast::Tag::Binary, op.text, 0, {a, b}, tree_.nodes[a].begin, tree_.nodes[b].end, op.op});
  }

  int additive() {
    int left = multiplicative();
    while (at(Op::Plus) || at(Op::Minus)) {
      const Token& op = next();
      left = binary(op, left, multiplicative());
    }
    return left;
  }

  int multiplicative() {
    int left = unary();
    while (at(Op::Times) || at(Op::Divide) || at(Op::HadamardTimes) || at(Op::HadamardDivide) || at(Op::Kron)) {
      const Token& op = next();
      int right = unary();
      if (op.op == Op::Kron)  // A ⊗ B is kron(A, B), at the precedence of *, as in Julia
        left = add({Ast::Tag::Call, "kron", 0, {left, right}, tree_.nodes[left].begin, tree_.nodes[right].end});
      else
        left = binary(op, left, right);
    }
    return left;
  }

  // Each nesting level is a few frames of this recursive descent: deeper
  // input is refused before it can exhaust the stack (terms are limited to
  // a depth of 1500 anyway).
  static constexpr int kMaxNesting = 2000;
  struct Nested {
    Parser& p;
    explicit Nested(Parser& parser, const Token& at) : p(parser) {
      if (++p.depth_ > kMaxNesting) p.fail("the expression nests deeper than " + std::to_string(kMaxNesting) + " levels", at);
    }
    ~Nested() { --p.depth_; }
  };

  int unary() {
    Nested nested(*this, peek());
    if (at(Op::Minus) || at(Op::Plus)) {
      const Token& t = next();
      int operand = unary();
      if (t.op == Op::Plus) return operand;
      return add({Ast::Tag::Neg, "-", 0, {operand}, t.pos, tree_.nodes[operand].end});
    }
    return power();
  }

  int power() {
    int base = postfix();
    while (at(Op::Caret) || at(Op::HadamardCaret)) {
      const Token& op = next();
      base = binary(op, base, exponent());
    }
    return base;
  }

  int exponent() {  // "X^-1": a sign may follow ^ directly
    Nested nested(*this, peek());
    if (at(Op::Minus) || at(Op::Plus)) {
      const Token& t = next();
      int operand = exponent();
      if (t.op == Op::Plus) return operand;
      return add({Ast::Tag::Neg, "-", 0, {operand}, t.pos, tree_.nodes[operand].end});
    }
    return postfix();
  }

  int postfix() {
    int operand = primary();
    while (at(Op::Prime)) {
      const Token& t = next();
      operand = add({Ast::Tag::Transpose, "'", 0, {operand}, tree_.nodes[operand].begin, t.pos + 1});
    }
    return operand;
  }

  void expect(Op op, const char* spelt, const Token& opener, const std::string& what) {
    if (!at(op)) {
      std::string found = peek().type == Token::Type::End ? "end of input" : "'" + peek().text + "'";
      fail("expected '" + std::string(spelt) + "' to close " + what + " at column " + std::to_string(opener.pos + 1) +
               ", found " + found,
           peek());
    }
    next();
  }

  int primary() {
    const Token& t = peek();
    switch (t.type) {
      case Token::Type::Number: {
        next();
        SmallRational v;
        try {
          v = SmallRational(decimal(t.text));
        } catch (const std::exception&) {
          fail("number out of range", t);
        }
        return add({Ast::Tag::Number, t.text, v, {}, t.pos, t.pos + t.text.size()});
      }
      case Token::Type::Name: {
        next();
        if (at(Op::Open)) {
          const Token& open = next();
          if (at(Op::Close)) fail("'" + t.text + "' needs an argument", peek());
          Ast call{Ast::Tag::Call, t.text, 0, {additive()}, t.pos, 0};
          while (at(Op::Comma)) {  // the number of arguments is checked against the function's
            next();
            call.kids.push_back(additive());
          }
          expect(Op::Close, ")", open, "'" + t.text + "('");
          call.end = tokens_[i_ - 1].pos + 1;
          return add(std::move(call));
        }
        return add({Ast::Tag::Name, t.text, 0, {}, t.pos, t.pos + t.text.size()});
      }
      case Token::Type::Op:
        if (t.op == Op::Open) {
          next();
          int inner = additive();
          expect(Op::Close, ")", t, "'('");
          tree_.nodes[inner].begin = t.pos;  // keep the parentheses in the span
          tree_.nodes[inner].end = tokens_[i_ - 1].pos + 1;
          return inner;
        }
        if (t.op == Op::Less) {
          next();
          int a = additive();
          if (!at(Op::Comma)) fail("expected ',' in the inner product <A, B> opened at column " + std::to_string(t.pos + 1), peek());
          next();
          int b = additive();
          expect(Op::Greater, ">", t, "'<'");
          return add({Ast::Tag::Inner, "<>", 0, {a, b}, t.pos, tokens_[i_ - 1].pos + 1});
        }
        fail("unexpected '" + t.text + "'", t);
      case Token::Type::End:
        fail("unexpected end of input", t);
    }
    fail("unexpected token", t);
  }

  std::vector<Token> tokens_;
  std::size_t i_ = 0;
  int depth_ = 0;
  AstTree tree_;
};

}  // namespace

std::string asciiSpelling(const std::string& source);

AstTree parseSyntax(const std::string& source) {
  // Every stage after this is linear in the input, but a bound keeps a
  // mistaken input (a whole file) from taking the machine's memory.
  constexpr std::size_t kMaxLength = 1'000'000;
  if (source.size() > kMaxLength)
    throw ParseError("the expression is longer than " + std::to_string(kMaxLength) + " characters", source.substr(0, 80), 0);
  return Parser(asciiSpelling(source)).run();
}

// What people paste from papers, spelt as the grammar spells it: xᵀ, A ⊙ B,
// ⟨A, B⟩, A ∘ B, x · y, and Greek letters by their names (λ is lambda).
// (A ⊗ B needs no spelling: it is an operator of the grammar, kron(A, B).)
std::string asciiSpelling(const std::string& source) {
  static const std::pair<const char*, const char*> kSpellings[] = {
      {"\u1D40", "'"}, {"\u22A4", "'"}, {"\u2299", ".*"}, {"\u2218", ".*"}, {"\u27E8", "<"}, {"\u27E9", ">"},
      {"\u2329", "<"}, {"\u232A", ">"}, {"\u00B7", "*"}, {"\u22C5", "*"}, {"\u2212", "-"}, {"\u2032", "'"},
      {"\u03B1", "alpha"}, {"\u03B2", "beta"}, {"\u03B3", "gamma"}, {"\u03B4", "delta"}, {"\u03B5", "epsilon"},
      {"\u03B6", "zeta"}, {"\u03B7", "eta"}, {"\u03B8", "theta"}, {"\u03B9", "iota"}, {"\u03BA", "kappa"},
      {"\u03BB", "lambda"}, {"\u03BC", "mu"}, {"\u03BD", "nu"}, {"\u03BE", "xi"}, {"\u03C0", "pi"}, {"\u03C1", "rho"},
      {"\u03C3", "sigma"}, {"\u03C4", "tau"}, {"\u03C5", "upsilon"}, {"\u03C6", "phi"}, {"\u03C7", "chi"},
      {"\u03C8", "psi"}, {"\u03C9", "omega"}, {"\u03A3", "Sigma"}, {"\u039B", "Lambda"}, {"\u03A9", "Omega"},
      {"\u0398", "Theta"}, {"\u03A6", "Phi"}, {"\u03A8", "Psi"}, {"\u0393", "Gamma"}, {"\u0394", "Delta"}};
  if (std::all_of(source.begin(), source.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return source;
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size();) {
    bool replaced = false;
    if (static_cast<unsigned char>(source[i]) >= 0x80)
      for (const auto& [from, to] : kSpellings) {
        std::size_t n = std::char_traits<char>::length(from);
        if (source.compare(i, n, from) == 0) {
          // A Greek letter next to a name stays apart from it: λx is lambda*x only if written so.
          out += to;
          i += n;
          replaced = true;
          break;
        }
      }
    if (!replaced) out += source[i++];
  }
  return out;
}

}  // namespace matcalc::detail
