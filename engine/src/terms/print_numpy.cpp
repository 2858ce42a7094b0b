// NumPy printer: vectors are (n,1) columns, `@` is the matrix product and `*`
// the Hadamard product; I and 0 are sized from a variable's shape.
#include <set>
#include <stdexcept>

#include "matcalc/print.hpp"
#include "print_common.hpp"

namespace matcalc {
namespace {

enum Prec { kAdd = 1, kMul = 2, kUnary = 3, kPow = 4, kAtom = 6 };

const std::set<std::string> kPythonKeywords = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "np"};

class NumpyPrinter {
 public:
  explicit NumpyPrinter(const Arena& a) : a_(a) {}

  std::string print(Id t, int need = 0) {
    auto [text, prec] = render(t);
    return prec < need ? "(" + text + ")" : text;
  }

 private:
  // "X.shape[0]" for a user variable with dimension d; "1" for the literal 1.
  std::string size(Dim d) {
    if (d == kOne) return "1";
    if (a_.isProductDim(d)) {  // m·n
      std::string s;
      for (Dim f : a_.dimFactors(d)) s += (s.empty() ? "" : " * ") + size(f);
      return s;
    }
    for (Id s : a_.symbolsInScope(0)) {
      Shape sh = a_.shape(s);
      std::string name = numpyName(a_.symbolOf(s).name);
      if (sh.rows == d) return name + ".shape[0]";
      if (sh.cols == d) return name + ".shape[1]";
    }
    throw Error(Error::Category::Eval, "cannot size dimension " + a_.dimName(d) + " from any variable for NumPy");
  }

  std::string fn(const char* f, Id arg) { return std::string(f) + "(" + print(arg) + ")"; }

  std::pair<std::string, int> render(Id t) {
    const Node& n = a_.node(t);
    switch (n.kind) {
      case Kind::Symbol: return {numpyName(a_.symbolOf(t).name), kAtom};
      case Kind::Number: {
        const mpq_class& v = a_.numberOf(t);
        if (v.get_den() != 1) return {v.get_num().get_str() + "/" + v.get_den().get_str(), kMul};
        return {v.get_str(), v < 0 ? kUnary : kAtom};
      }
      case Kind::Identity: return {"np.eye(" + size(n.shape.rows) + ")", kAtom};
      case Kind::Ones: return {"np.ones((" + size(n.shape.rows) + ", " + size(n.shape.cols) + "))", kAtom};
      case Kind::Zero: return {"np.zeros((" + size(n.shape.rows) + ", " + size(n.shape.cols) + "))", kAtom};
      case Kind::Add: {
        std::string s;
        bool first = true;
        for (Id k : detail::positivesFirst(a_, n.kids)) {
          if (!detail::isNegativeTerm(a_, k)) s += first ? print(k, kAdd) : " + " + print(k, kMul);
          else s += (first ? "-" : " - ") + negated(k);
          first = false;
        }
        return {s, kAdd};
      }
      case Kind::Scale: return {join(n.kids, " * ", kUnary), kMul};
      case Kind::Mul: return {join(n.kids, " @ ", kUnary), kMul};
      case Kind::Hadamard: return {join(n.kids, " * ", kUnary), kMul};
      case Kind::HadamardDiv: return {print(n.kids[0], kMul) + " / " + print(n.kids[1], kUnary), kMul};
      case Kind::Pow:
      case Kind::HadamardPow: return {print(n.kids[0], kAtom) + " ** " + print(n.kids[1], kAtom), kPow};
      case Kind::MatPow:
        return {"np.linalg.matrix_power(" + print(n.kids[0]) + ", " + print(n.kids[1]) + ")", kAtom};
      case Kind::Transpose: return {print(n.kids[0], kAtom) + ".T", kAtom};
      case Kind::Inner: return {"np.sum(" + print(n.kids[0], kMul) + " * " + print(n.kids[1], kUnary) + ")", kAtom};
      case Kind::Inverse: return {fn("np.linalg.inv", n.kids[0]), kAtom};
      case Kind::Trace: return {fn("np.trace", n.kids[0]), kAtom};
      case Kind::Det: return {fn("np.linalg.det", n.kids[0]), kAtom};
      case Kind::LogDet: return {"np.log(np.linalg.det(" + print(n.kids[0]) + "))", kAtom};
      case Kind::Sum: return {fn("np.sum", n.kids[0]), kAtom};
      case Kind::Norm1: return {"np.sum(np.abs(" + print(n.kids[0]) + "))", kAtom};
      case Kind::Norm2: return {fn("np.linalg.norm", n.kids[0]), kAtom};
      case Kind::LogSumExp: return {"np.log(np.sum(np.exp(" + print(n.kids[0]) + ")))", kAtom};
      case Kind::Softmax: {
        std::string e = "np.exp(" + print(n.kids[0]) + ")";
        return {"(" + e + " / np.sum(" + e + "))", kAtom};
      }
      case Kind::DiagMatrix: return {fn("np.diagflat", n.kids[0]), kAtom};
      case Kind::DiagVector: return {fn("np.diag", n.kids[0]) + ".reshape(-1, 1)", kAtom};
      case Kind::Differential: throw Error(Error::Category::Eval, "a differential d(·) has no NumPy form");
      case Kind::Kron: return {"np.kron(" + print(n.kids[0]) + ", " + print(n.kids[1]) + ")", kAtom};
      case Kind::Vec: return {print(n.kids[0], kAtom) + ".reshape(-1, 1, order='F')", kAtom};
      case Kind::Commutation: {  // the rows of I permuted: K*vec(A) = vec(A') for A m×n
        Shape sh = a_.shape(n.kids[0]);
        std::string m = size(sh.rows), c = size(sh.cols), mn = "(" + m + ") * (" + c + ")";
        return {"np.eye(" + mn + ")[np.arange(" + mn + ").reshape((" + m + ", " + c + "), order='F').ravel()]", kAtom};
      }
      case Kind::Exp: return {fn("np.exp", n.kids[0]), kAtom};
      case Kind::Log: return {fn("np.log", n.kids[0]), kAtom};
      case Kind::Sqrt: return {fn("np.sqrt", n.kids[0]), kAtom};
      case Kind::Sin: return {fn("np.sin", n.kids[0]), kAtom};
      case Kind::Cos: return {fn("np.cos", n.kids[0]), kAtom};
      case Kind::Tanh: return {fn("np.tanh", n.kids[0]), kAtom};
      case Kind::Sigmoid: return {"(1 / (1 + np.exp(-(" + print(n.kids[0]) + "))))", kAtom};
      case Kind::Relu: return {"np.maximum(" + print(n.kids[0]) + ", 0)", kAtom};
      case Kind::Abs: return {fn("np.abs", n.kids[0]), kAtom};
      case Kind::Sign: return {fn("np.sign", n.kids[0]), kAtom};
      case Kind::Step: return {"np.heaviside(" + print(n.kids[0]) + ", 0.0)", kAtom};
    }
    throw std::logic_error("unprintable kind");
  }

  // A negative number or product printed without its sign, as a subtrahend.
  std::string negated(Id t) {
    if (a_.kind(t) == Kind::Number) {
      mpq_class v = -a_.numberOf(t);
      return v.get_den() != 1 ? "(" + v.get_num().get_str() + "/" + v.get_den().get_str() + ")" : v.get_str();
    }
    auto kids = a_.kids(t);
    mpq_class c = -a_.numberOf(kids[0]);
    std::vector<Id> rest(kids.begin() + 1, kids.end());
    std::string factors = join(rest, " * ", kUnary);
    if (c == 1) return rest.size() == 1 ? print(rest[0], kMul + 1) : factors;
    std::string coefficient = c.get_den() != 1 ? "(" + c.get_num().get_str() + "/" + c.get_den().get_str() + ")" : c.get_str();
    return coefficient + " * " + factors;
  }

  std::string join(std::span<const Id> kids, const char* sep, int need) {
    std::string s;
    for (std::size_t i = 0; i < kids.size(); ++i) s += (i ? sep : "") + print(kids[i], need);
    return s;
  }

  const Arena& a_;
};

}  // namespace

std::string numpyName(const std::string& name) { return kPythonKeywords.count(name) ? name + "_" : name; }

std::string toNumpy(const Arena& arena, Id term) { return NumpyPrinter(arena).print(term); }

}  // namespace matcalc
