// One exception type for every user-facing failure; the CLI turns it into a
// one-line message and exit status 2.
#pragma once
#include <algorithm>
#include <cstdio>
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

// The error of a job past its --deadline: "0.001 s", not the "0.00 s" of a
// fixed number of digits.
inline Error deadlineError(double seconds) {
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", seconds);
  return Error(Error::Category::Budget, std::string("the job took longer than its deadline of ") + shown +
                                            " s (a larger --deadline allows more)");
}

// A message fit for one line of a terminal: control characters shown as
// '?', and the middle of a very long one (a huge input quoted back) elided.
inline std::string oneLine(std::string message, std::size_t max = 480) {
  for (char& c : message)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (message.size() <= max) return message;
  std::size_t tail = max / 4;
  return message.substr(0, max - tail - 5) + " ... " + message.substr(message.size() - tail);
}

// A parse error knows where it happened, so it can draw a caret under it.
class ParseError : public Error {
 public:
  ParseError(std::string message, std::string source, std::size_t position)
      : Error(Category::Parse, std::move(message)), source_(std::move(source)), position_(position) {}
  const std::string& source() const { return source_; }
  std::size_t position() const { return position_; }
  // "  tr(A*X\n        ^": at most 80 columns around the position (elided
  // with "..." on a long input), control characters shown as '?'.
  std::string caret() const {
    constexpr std::size_t kWidth = 80;
    std::size_t from = 0, to = source_.size();
    if (to > kWidth) {
      from = position_ > kWidth / 2 ? position_ - kWidth / 2 : 0;
      to = std::min(source_.size(), from + kWidth);
      from = to - std::min(to, kWidth);
    }
    std::string shown = source_.substr(from, to - from);
    for (char& c : shown)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    std::string before = from > 0 ? "..." : "", after = to < source_.size() ? "..." : "";
    // Columns count characters, not bytes: UTF-8 continuation bytes take none.
    std::size_t column = before.size();
    for (std::size_t i = from; i < position_ && i < to; ++i)
      if ((static_cast<unsigned char>(source_[i]) & 0xC0) != 0x80) ++column;
    return "  " + before + shown + after + "\n  " + std::string(column, ' ') + "^";
  }

 private:
  std::string source_;
  std::size_t position_;
};

}  // namespace matcalc
