// LaTeX printer: \operatorname{tr}, ^\top, \odot, \langle\cdot,\cdot\rangle.
#include <map>
#include <set>
#include <stdexcept>

#include "matcalc/print.hpp"
#include "print_common.hpp"

namespace matcalc {
namespace {

enum Prec { kAdd = 1, kMul = 2, kUnary = 3, kPow = 4, kPostfix = 5, kAtom = 6 };

const std::set<std::string> kGreek = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"};

std::string latexName(const std::string& name) {
  std::string base = name, sub;
  if (auto u = name.find('_'); u != std::string::npos) {
    base = name.substr(0, u);
    sub = name.substr(u + 1);
  } else {
    auto d = name.find_first_of("0123456789");
    if (d != std::string::npos && d > 0) {
      base = name.substr(0, d);
      sub = name.substr(d);
    }
  }
  std::string lower = base;
  lower[0] = static_cast<char>(std::tolower(lower[0]));
  if (kGreek.count(lower)) base = "\\" + base;
  else if (base.size() > 1) base = "\\mathit{" + base + "}";
  return sub.empty() ? base : base + "_{" + sub + "}";
}

class LatexPrinter {
 public:
  explicit LatexPrinter(const Arena& a) : a_(a) {}

  std::string print(Id t, int need = 0) {
    auto [text, prec] = render(t, false);
    return prec < need ? "\\left(" + text + "\\right)" : text;
  }

 private:
  static std::string number(const mpq_class& v) {
    if (v.get_den() == 1) return v.get_str();
    mpq_class m = abs(v);
    return std::string(v < 0 ? "-" : "") + "\\frac{" + m.get_num().get_str() + "}{" + m.get_den().get_str() + "}";
  }

  // A dimension as a subscript: "1", "n", or "mn" for a product.
  std::string dimText(Dim d) {
    if (d == kOne) return "1";
    std::string s;
    for (Dim f : a_.dimFactors(d)) s += dimName(f);
    return s;
  }
  // A catalog entry's dimensions are internal ("_864"): shown as m, n, p, …
  // in the order they first appear.
  std::string dimName(Dim f) {
    const std::string& name = a_.dimName(f);
    if (name.empty() || name[0] != '_') return name;
    static constexpr const char* kLetters[] = {"m", "n", "p", "q", "r", "s", "k", "l"};
    auto [it, added] = letters_.try_emplace(f, "");
    if (added) {
      std::size_t i = letters_.size() - 1;
      it->second = i < std::size(kLetters) ? kLetters[i] : "n_{" + std::to_string(i) + "}";
    }
    return it->second;
  }
  std::map<Dim, std::string> letters_;
  std::string call(const char* op, Id arg) { return std::string(op) + "\\left(" + print(arg) + "\\right)"; }
  // L_f(X, E), L^{(2)}_f(X, E_1, E_2), K^{(2)}_f(X, B): the arguments in order.
  std::string applied(const std::string& name, std::span<const Id> kids) {
    std::string s = name + "\\left(";
    for (std::size_t i = 0; i < kids.size(); ++i) s += (i ? ", " : "") + print(kids[i]);
    return s + "\\right)";
  }
  std::string frechet(const char* f, std::span<const Id> kids) { return applied(std::string("L_{") + f + "}", kids); }

  std::pair<std::string, int> render(Id t, bool negate) {
    const Node& n = a_.node(t);
    if (n.kind == Kind::Number) {
      mpq_class v = negate ? mpq_class(-a_.numberOf(t)) : a_.numberOf(t);
      return {number(v), v < 0 ? kUnary : kAtom};
    }
    if (n.kind == Kind::Scale) return renderScale(t, negate);
    if (negate) {
      auto [text, prec] = render(t, false);
      return {"-" + (prec < kPow ? "\\left(" + text + "\\right)" : text), kUnary};
    }
    switch (n.kind) {
      case Kind::Symbol: return {latexName(a_.symbolOf(t).name), kAtom};
      case Kind::Number:
      case Kind::Scale: break;
      case Kind::Identity: return {"I", kAtom};
      case Kind::Zero: return {"0", kAtom};
      // A row of ones is the transpose of the vector 1: 1ᵀx, not 1x.
      case Kind::Ones: return n.shape.rows == kOne && n.shape.cols != kOne ? std::pair<std::string, int>{"\\mathbf{1}^\\top", kPostfix} : std::pair<std::string, int>{"\\mathbf{1}", kAtom};
      case Kind::Add: {
        std::string s;
        bool first = true;
        for (Id k : detail::positivesFirst(a_, n.kids)) {
          if (first) {
            s = print(k, kAdd);
          } else if (detail::isNegativeTerm(a_, k)) {
            auto r = render(k, true);
            s += " - " + (r.second < kMul ? "\\left(" + r.first + "\\right)" : r.first);
          } else {
            s += " + " + print(k, kMul);
          }
          first = false;
        }
        return {s, kAdd};
      }
      case Kind::Mul: {
        std::string s;
        for (const detail::Run& r : detail::repeatedRuns(n.kids)) {
          std::span<const Id> run(n.kids.data() + r.begin, r.period);
          s += (s.empty() ? "" : " ") + (r.repeats == 1 ? join(run, " ", kUnary) : "\\left(" + join(run, " ", kUnary) + "\\right)^{" + std::to_string(r.repeats) + "}");
        }
        return {s, kMul};
      }
      case Kind::Hadamard: return {join(n.kids, " \\odot ", kUnary), kMul};
      case Kind::HadamardDiv: return {print(n.kids[0], kMul) + " \\oslash " + print(n.kids[1], kUnary), kMul};
      case Kind::Pow:
      case Kind::MatPow: return {print(n.kids[0], kAtom) + "^{" + print(n.kids[1]) + "}", kPow};
      case Kind::HadamardPow: return {print(n.kids[0], kAtom) + "^{\\circ " + print(n.kids[1]) + "}", kPow};
      case Kind::Transpose: return {print(n.kids[0], kAtom) + "^\\top", kPostfix};
      case Kind::Inverse: return {print(n.kids[0], kAtom) + "^{-1}", kPostfix};
      case Kind::Inner:
        return {"\\left\\langle " + print(n.kids[0]) + ", " + print(n.kids[1]) + "\\right\\rangle", kAtom};
      case Kind::Trace: return {call("\\operatorname{tr}", n.kids[0]), kAtom};
      case Kind::Det: return {call("\\det", n.kids[0]), kAtom};
      case Kind::LogDet: return {call("\\log\\det", n.kids[0]), kAtom};
      case Kind::Sum: return {call("\\operatorname{sum}", n.kids[0]), kAtom};
      case Kind::Norm1: return {"\\left\\|" + print(n.kids[0]) + "\\right\\|_1", kAtom};
      case Kind::Norm2: {
        bool vector = a_.shape(n.kids[0]).isColumn();
        return {"\\left\\|" + print(n.kids[0]) + "\\right\\|_" + (vector ? "2" : "F"), kAtom};
      }
      case Kind::LogSumExp: return {call("\\operatorname{logsumexp}", n.kids[0]), kAtom};
      case Kind::Softmax: return {call("\\operatorname{softmax}", n.kids[0]), kAtom};
      case Kind::DiagMatrix:
      case Kind::DiagVector: return {call("\\operatorname{diag}", n.kids[0]), kAtom};
      case Kind::Differential: return {"\\mathrm{d}" + print(n.kids[0], kAtom), kPostfix};
      case Kind::Kron: return {print(n.kids[0], kUnary) + " \\otimes " + print(n.kids[1], kUnary), kMul};
      case Kind::Vec: return {call("\\operatorname{vec}", n.kids[0]), kAtom};
      case Kind::Commutation: {  // K_{m,n}: K vec(A) = vec(A') for A m×n
        Shape sh = a_.shape(n.kids[0]);
        std::string rows = dimText(sh.rows);  // named first: the order of a + chain's operands is unspecified
        return {"K_{" + rows + "," + dimText(sh.cols) + "}", kAtom};
      }
      // Matrix functions, unlike the entrywise exp and log: e^X, the principal
      // logarithm Log X, the principal square root X^{1/2}; L_f(X, E) their
      // Fréchet derivatives (Higham's notation).
      case Kind::Expm: return {"e^{" + print(n.kids[0]) + "}", kPow};
      case Kind::Logm: return {call("\\operatorname{Log}", n.kids[0]), kAtom};
      case Kind::Sqrtm: return {print(n.kids[0], kAtom) + "^{1/2}", kPow};
      case Kind::DExpm: return {frechet("\\exp", n.kids), kAtom};
      case Kind::DLogm: return {frechet("\\operatorname{Log}", n.kids), kAtom};
      case Kind::DSqrtm: return {frechet("\\surd", n.kids), kAtom};
      case Kind::KExpm: return {call("K_{\\exp}", n.kids[0]), kAtom};
      case Kind::KLogm: return {call("K_{\\operatorname{Log}}", n.kids[0]), kAtom};
      case Kind::KSqrtm: return {call("K_{\\surd}", n.kids[0]), kAtom};
      case Kind::D2Expm: return {applied("L^{(2)}_{\\exp}", n.kids), kAtom};
      case Kind::D2Logm: return {applied("L^{(2)}_{\\operatorname{Log}}", n.kids), kAtom};
      case Kind::D2Sqrtm: return {applied("L^{(2)}_{\\surd}", n.kids), kAtom};
      case Kind::K2Expm: return {applied("K^{(2)}_{\\exp}", n.kids), kAtom};
      case Kind::K2Logm: return {applied("K^{(2)}_{\\operatorname{Log}}", n.kids), kAtom};
      case Kind::K2Sqrtm: return {applied("K^{(2)}_{\\surd}", n.kids), kAtom};
      case Kind::Exp: return {call("\\exp", n.kids[0]), kAtom};
      case Kind::Log: return {call("\\log", n.kids[0]), kAtom};
      case Kind::Sqrt: return {"\\sqrt{" + print(n.kids[0]) + "}", kAtom};
      case Kind::Sin: return {call("\\sin", n.kids[0]), kAtom};
      case Kind::Cos: return {call("\\cos", n.kids[0]), kAtom};
      case Kind::Tanh: return {call("\\tanh", n.kids[0]), kAtom};
      case Kind::Sinh: return {call("\\sinh", n.kids[0]), kAtom};
      case Kind::Cosh: return {call("\\cosh", n.kids[0]), kAtom};
      case Kind::Sigmoid: return {call("\\sigma", n.kids[0]), kAtom};
      case Kind::Relu: return {call("\\operatorname{relu}", n.kids[0]), kAtom};
      case Kind::Abs: return {"\\left|" + print(n.kids[0]) + "\\right|", kAtom};
      case Kind::Sign: return {call("\\operatorname{sign}", n.kids[0]), kAtom};
      case Kind::Step: return {call("\\operatorname{step}", n.kids[0]), kAtom};
    }
    throw std::logic_error("unprintable kind");
  }

  std::pair<std::string, int> renderScale(Id t, bool negate) {
    auto kids = a_.kids(t);
    std::size_t i = 0;
    mpq_class c = 1;
    if (a_.kind(kids[0]) == Kind::Number) c = a_.numberOf(kids[i++]);
    if (negate) c = -c;
    std::string s = c == -1 ? "-" : c == 1 ? "" : number(c) + " ";
    for (std::size_t j = i; j < kids.size(); ++j) {
      bool bare = j + 1 == kids.size() && a_.kind(kids[j]) == Kind::Mul && !a_.shape(kids[j]).isScalar();
      s += print(kids[j], bare ? kMul : kUnary);
      if (j + 1 < kids.size()) s += " ";
    }
    return {s, kMul};
  }

  std::string join(std::span<const Id> kids, const char* sep, int need) {
    std::string s;
    for (std::size_t i = 0; i < kids.size(); ++i) s += (i ? sep : "") + print(kids[i], need);
    return s;
  }

  const Arena& a_;
};

}  // namespace

std::string toLatex(const Arena& arena, Id term) { return LatexPrinter(arena).print(term); }

}  // namespace matcalc
