// One exception type for every user-facing failure; the CLI turns it into a
// one-line message and exit status 2.
#pragma once
#include <stdexcept>
#include <string>

namespace matcalc {

class Error : public std::runtime_error {
 public:
  enum class Category { Parse, Shape, Rule, Eval, Domain, Usage, Budget, Unsupported };
  Error(Category c, const std::string& message) : std::runtime_error(message), category_(c) {}
  Category category() const { return category_; }

 private:
  Category category_;
};

// A parse error knows where it happened, so it can draw a caret under it.
class ParseError : public Error {
 public:
  ParseError(std::string message, std::string source, std::size_t position)
      : Error(Category::Parse, std::move(message)), source_(std::move(source)), position_(position) {}
  const std::string& source() const { return source_; }
  std::size_t position() const { return position_; }
  // "  tr(A*X\n        ^"
  std::string caret() const { return "  " + source_ + "\n  " + std::string(position_, ' ') + "^"; }

 private:
  std::string source_;
  std::size_t position_;
};

}  // namespace matcalc
