// Surface-syntax printer. Precedences mirror the parser's so that printing
// then parsing gives back the same term (a property test checks this).
#include <algorithm>
#include <stdexcept>
#include <utility>

#include "matcalc/print.hpp"
#include "print_common.hpp"

namespace matcalc {
namespace {

enum Prec { kAdd = 1, kMul = 2, kUnary = 3, kPow = 4, kPostfix = 5, kAtom = 6 };

class TextPrinter {
 public:
  explicit TextPrinter(const Arena& a) : a_(a) {}

  std::string print(Id t, int need = 0) { return wrap(render(t, false), need); }

  // An operand of a matrix sum or the numerator of ./: c*ones is written as
  // the scalar c, which the parser broadcasts back to c*ones.
  std::string printBroadcast(Id t, int need, bool negate = false) {
    broadcast_ = true;
    return wrap(render(t, negate), need);
  }

 private:
  // Renders t (negated when `negate`, for "a - b") with its precedence.
  std::pair<std::string, int> render(Id t, bool negate) {
    const Node& n = a_.node(t);
    bool broadcast = std::exchange(broadcast_, false);
    if (broadcast && n.kind == Kind::Ones) return {negate ? "-1" : "1", negate ? kUnary : kAtom};
    switch (n.kind) {
      case Kind::Number: {
        mpq_class v = negate ? mpq_class(-a_.numberOf(t)) : a_.numberOf(t);
        if (v.get_den() != 1) return {v.get_str(), kMul};
        return {v.get_str(), v < 0 ? kUnary : kAtom};
      }
      case Kind::Scale: return renderScale(t, negate, broadcast);
      default: break;
    }
    if (negate) {
      auto [text, prec] = render(t, false);
      // -A*B, -x .* y ./ z: a product reads the same negated; a sum needs parentheses.
      return {"-" + (prec < kMul ? "(" + text + ")" : text), kUnary};
    }
    switch (n.kind) {
      case Kind::Symbol: return {a_.symbolOf(t).name, kAtom};
      case Kind::Number:
      case Kind::Scale: break;  // handled above
      case Kind::Identity: return {"I", kAtom};
      case Kind::Zero: return {"zeros", kAtom};  // "0" would read back as the scalar
      // A row of ones is written ones': alone, ones*x could not say whether
      // (ones*x)*A is a scaling or a product (found by fuzz_expression).
      case Kind::Ones: return n.shape.rows == kOne && n.shape.cols != kOne ? std::pair<std::string, int>{"ones'", kPostfix} : std::pair<std::string, int>{"ones", kAtom};
      case Kind::Add: {
        std::string s;
        bool first = true, broadcast = !n.shape.isScalar();
        // When every term is c*ones, one keeps its ones: all scalars would
        // read back as a scalar sum (found by fuzz_expression).
        auto isConstant = [&](Id k) {
          return a_.kind(k) == Kind::Ones || (a_.kind(k) == Kind::Scale && a_.kind(a_.kids(k).back()) == Kind::Ones);
        };
        bool keepFirst = broadcast && std::all_of(n.kids.begin(), n.kids.end(), isConstant);
        for (Id k : detail::positivesFirst(a_, n.kids)) {
          bool negative = detail::isNegativeTerm(a_, k);
          if (first) s = broadcast && !keepFirst ? printBroadcast(k, kAdd) : print(k, kAdd);
          else if (negative) s += " - " + (broadcast ? printBroadcast(k, kMul, true) : wrap(render(k, true), kMul));
          else s += " + " + (broadcast ? printBroadcast(k, kMul) : print(k, kMul));
          first = false;
        }
        return {s, kAdd};
      }
      case Kind::Mul: {
        std::string s;
        for (const detail::Run& r : detail::repeatedRuns(n.kids)) {
          std::span<const Id> run(n.kids.data() + r.begin, r.period);
          s += (s.empty() ? "" : "*") + (r.repeats == 1 ? join(run, "*", kUnary) : "(" + join(run, "*", kUnary) + ")^" + std::to_string(r.repeats));
        }
        return {s, kMul};
      }
      case Kind::Hadamard: return {join(n.kids, " .* ", kUnary), kMul};
      case Kind::HadamardDiv: return {printBroadcast(n.kids[0], kMul) + " ./ " + print(n.kids[1], kUnary), kMul};
      case Kind::Pow:
      case Kind::MatPow: return {print(n.kids[0], kPostfix) + "^" + exponent(n.kids[1]), kPow};
      case Kind::HadamardPow: return {print(n.kids[0], kPostfix) + ".^" + exponent(n.kids[1]), kPow};
      case Kind::Transpose: return {print(n.kids[0], kPostfix) + "'", kPostfix};
      case Kind::Inner: return {"<" + print(n.kids[0]) + ", " + print(n.kids[1]) + ">", kAtom};
      case Kind::Kron:
      case Kind::DExpm:
      case Kind::DLogm:
      case Kind::DSqrtm:
      case Kind::D2Expm:
      case Kind::D2Logm:
      case Kind::D2Sqrtm:
      case Kind::K2Expm:
      case Kind::K2Logm:
      case Kind::K2Sqrtm: {
        std::string s = std::string(info(n.kind).surface) + "(";
        for (std::size_t i = 0; i < n.kids.size(); ++i) s += (i ? ", " : "") + print(n.kids[i]);
        return {s + ")", kAtom};
      }
      case Kind::Inverse:
      case Kind::Trace:
      case Kind::Det:
      case Kind::LogDet:
      case Kind::Sum:
      case Kind::Norm1:
      case Kind::Norm2:
      case Kind::LogSumExp:
      case Kind::Softmax:
      case Kind::DiagMatrix:
      case Kind::DiagVector:
      case Kind::Differential:
      case Kind::Vec:
      case Kind::Commutation:
      case Kind::Expm:
      case Kind::Logm:
      case Kind::Sqrtm:
      case Kind::KExpm:
      case Kind::KLogm:
      case Kind::KSqrtm:
      case Kind::Exp:
      case Kind::Log:
      case Kind::Sqrt:
      case Kind::Sin:
      case Kind::Cos:
      case Kind::Tanh:
      case Kind::Sinh:
      case Kind::Cosh:
      case Kind::Sigmoid:
      case Kind::Relu:
      case Kind::Abs:
      case Kind::Sign:
      case Kind::Step:
        return {std::string(info(n.kind).surface) + "(" + print(n.kids[0]) + ")", kAtom};
    }
    throw std::logic_error("unprintable kind");
  }

  std::pair<std::string, int> renderScale(Id t, bool negate, bool broadcast) {
    auto kids = a_.kids(t);
    if (broadcast && a_.kind(kids.back()) == Kind::Ones) kids = kids.first(kids.size() - 1);
    std::size_t i = 0;
    mpq_class c = 1;
    if (a_.kind(kids[0]) == Kind::Number) c = a_.numberOf(kids[i++]);
    if (negate) c = -c;
    if (i == kids.size()) return {c.get_str(), c < 0 ? kUnary : c.get_den() != 1 ? kMul : kAtom};
    // Scalar factors with a negative power form a denominator: x/norm2(x)^2.
    std::vector<Id> up, down;
    for (std::size_t j = i; j < kids.size(); ++j) {
      Id k = kids[j];
      bool inverse = a_.kind(k) == Kind::Pow && a_.kind(a_.kids(k)[1]) == Kind::Number && a_.numberOf(a_.kids(k)[1]) < 0;
      (inverse ? down : up).push_back(k);
    }
    std::string s;
    if (c == -1 && !up.empty()) s = "-";
    else if (c != 1 || up.empty()) s = (up.empty() && c == -1 ? "-1" : c.get_str()) + (up.empty() ? "" : "*");
    for (std::size_t j = 0; j < up.size(); ++j) {
      bool last = j + 1 == up.size();
      // "alpha*A*B" reads back as alpha*(A*B), "2*x'*y" as 2*(x'*y) and
      // "2*x .* y" as 2*(x .* y): a trailing product needs no parentheses.
      Kind k = a_.kind(up[j]);
      bool bare = last && (k == Kind::Mul || k == Kind::Hadamard || k == Kind::HadamardDiv);
      s += bare ? print(up[j], kMul) : print(up[j], kUnary);
      if (!last) s += "*";
    }
    if (!down.empty()) {
      std::string d;
      for (std::size_t j = 0; j < down.size(); ++j) {
        mpq_class e = -a_.numberOf(a_.kids(down[j])[1]);
        d += (j ? "*" : "") + print(a_.kids(down[j])[0], kPostfix) + (e == 1 ? "" : "^" + (e.get_den() == 1 ? e.get_str() : "(" + e.get_str() + ")"));
      }
      s += "/" + (down.size() > 1 ? "(" + d + ")" : d);
    }
    return {s, kMul};
  }

  std::string exponent(Id e) {
    if (a_.kind(e) == Kind::Number) {
      const mpq_class& v = a_.numberOf(e);
      if (v.get_den() == 1) return v.get_str();  // "^2", "^-1"
      return "(" + v.get_str() + ")";
    }
    return print(e, kPostfix);
  }

  std::string join(std::span<const Id> kids, const char* sep, int need) {
    std::string s;
    for (std::size_t i = 0; i < kids.size(); ++i) s += (i ? sep : "") + print(kids[i], need);
    return s;
  }

  static std::string wrap(std::pair<std::string, int> r, int need) {
    return r.second < need ? "(" + r.first + ")" : r.first;
  }

  const Arena& a_;
  bool broadcast_ = false;  // applies to the next render() only
};

}  // namespace

std::string toText(const Arena& arena, Id term) { return TextPrinter(arena).print(term); }

}  // namespace matcalc
