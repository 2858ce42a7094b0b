// Python printers, NumPy and PyTorch: vectors are (n,1) columns, `@` is the
// matrix product and `*` the Hadamard product; I and 0 are sized from a
// variable's shape (and, in PyTorch, take its dtype). The two dialects differ
// only in the library's spelling of a few functions.
#include <algorithm>
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
    "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "np", "scipy", "torch"};

enum class Dialect { NumPy, Torch };

class PythonPrinter {
 public:
  PythonPrinter(const Arena& a, Dialect d) : a_(a), torch_(d == Dialect::Torch), lib_(torch_ ? "torch" : "np") {}

  std::string print(Id t, int need = 0) {
    auto [text, prec] = render(t);
    return prec < need ? "(" + text + ")" : text;
  }

 private:
  // "X.shape[0]" for a user variable with dimension d; "1" for the literal 1.
  std::vector<Dim> sizing_;  // dimensions being sized, so a factor is not sized from itself
  std::string size(Dim d) {
    if (d == kOne) return "1";
    if (a_.isProductDim(d)) {  // m·n
      std::string s;
      for (Dim f : a_.dimFactors(d)) s += (s.empty() ? "" : " * ") + size(f);
      return s;
    }
    for (Id s : a_.symbolsInScope(0)) {
      Shape sh = a_.shape(s);
      std::string name = pythonName(a_.symbolOf(s).name);
      if (sh.rows == d) return name + ".shape[0]";
      if (sh.cols == d) return name + ".shape[1]";
    }
    // A factor of a variable's dimension: x of length n·k gives k = len(x) // n.
    if (std::find(sizing_.begin(), sizing_.end(), d) == sizing_.end()) {
      sizing_.push_back(d);
      for (Id s : a_.symbolsInScope(0)) {
        Shape sh = a_.shape(s);
        for (int axis : {0, 1}) {
          Dim whole = axis == 0 ? sh.rows : sh.cols;
          if (!a_.isProductDim(whole)) continue;
          auto fs = a_.dimFactors(whole);
          if (std::count(fs.begin(), fs.end(), d) != 1) continue;
          std::string others;
          for (Dim f : fs)
            if (f != d) others += (others.empty() ? "" : " * ") + size(f);
          if (fs.size() > 2) others = "(" + others + ")";
          sizing_.pop_back();
          return "(" + pythonName(a_.symbolOf(s).name) + ".shape[" + std::to_string(axis) + "] // " + others + ")";
        }
      }
      sizing_.pop_back();
    }
    throw Error(Error::Category::Eval, "cannot size dimension " + a_.dimName(d) + " from any variable for " +
                                           (torch_ ? "PyTorch" : "NumPy"));
  }

  // PyTorch's constructors take the dtype of the user's tensors (float64 or
  // float32 alike); NumPy's default float64 is what its arrays are.
  std::string dtype() { return torch_ ? ", dtype=" + dtypeOf() : ""; }
  std::string dtypeOf() {
    auto scope = a_.symbolsInScope(0);
    if (scope.empty()) throw Error(Error::Category::Eval, "a constant matrix has no dtype for PyTorch without a variable");
    return pythonName(a_.symbolOf(scope.front()).name) + ".dtype";
  }

  // PyTorch 1.13's kron fails on a tensor that is not row-major contiguous
  // ("view size is not compatible"): a transpose, or linalg.inv's result.
  std::string kronArgument(Id t) { return torch_ ? print(t, kAtom) + ".contiguous()" : print(t); }

  // L_f(x, e) for the names x and e: SciPy's expm_frechet; the top-right
  // block of logm([[X, E], [0, X]]); for sqrtm, L solves S L + L S = E with
  // S = sqrtm(X). PyTorch: the block formula with matrix_exp, nothing else.
  std::string frechet(Kind fr, const std::string& x, const std::string& e) {
    if (fr == Kind::DExpm) {
      if (torch_)
        return "torch.linalg.matrix_exp(torch.cat([torch.cat([" + x + ", " + e + "], 1), torch.cat([torch.zeros_like(" + x + "), " + x +
               "], 1)], 0))[:" + x + ".shape[0], " + x + ".shape[0]:]";
      return "scipy.linalg.expm_frechet(" + x + ", " + e + ", compute_expm=False)";
    }
    if (torch_)
      throw Error(Error::Category::Eval, std::string("PyTorch has no Fréchet derivative of ") + (fr == Kind::DLogm ? "logm" : "sqrtm") +
                                             ": use --emit numpy, which uses SciPy");
    if (fr == Kind::DLogm)
      return "scipy.linalg.logm(np.block([[" + x + ", " + e + "], [np.zeros_like(" + x + "), " + x + "]]))[:len(" + x + "), len(" + x + "):]";
    return "scipy.linalg.solve_sylvester(scipy.linalg.sqrtm(" + x + "), scipy.linalg.sqrtm(" + x + "), " + e + ")";
  }

  // L2_f(x, e, f): the top-right block of f([[X, E, F, 0], [0, X, 0, F],
  // [0, 0, X, E], [0, 0, 0, X]]) for all three (Higham & Relton, 2014).
  std::string secondFrechet(Kind fr, const std::string& x, const std::string& e, const std::string& f) {
    if (torch_ && fr != Kind::D2Expm)
      throw Error(Error::Category::Eval, std::string("PyTorch has no second Fréchet derivative of ") + (fr == Kind::D2Logm ? "logm" : "sqrtm") +
                                             ": use --emit numpy, which uses SciPy");
    std::string z = lib_ + ".zeros_like(" + x + ")";
    std::string rows[4][4] = {{x, e, f, z}, {z, x, z, f}, {z, z, x, e}, {z, z, z, x}};
    std::string block;
    for (auto& row : rows) {
      std::string r;
      for (auto& cell : row) r += (r.empty() ? "" : ", ") + cell;
      block += (block.empty() ? "" : ", ") + (torch_ ? "torch.cat([" + r + "], 1)" : "[" + r + "]");
    }
    std::string n = torch_ ? x + ".shape[0]" : "len(" + x + ")";
    std::string fn = torch_ ? "torch.linalg.matrix_exp"
                            : fr == Kind::D2Expm ? "scipy.linalg.expm" : fr == Kind::D2Logm ? "scipy.linalg.logm" : "scipy.linalg.sqrtm";
    return fn + "(" + (torch_ ? "torch.cat([" + block + "], 0)" : "np.block([" + block + "])") + ")[:" + n + ", 3 * " + n + ":]";
  }

  // A Kronecker form: the matrix of E_ -> body at the point X_ (a lambda of
  // `params` applied to `args`), its column i + n*j being vec(body) at the
  // unit matrix E_ij (vec stacks columns).
  std::string kroneckerColumns(const std::string& params, const std::string& body, const std::string& args) {
    if (torch_)
      return "(lambda " + params + ": torch.stack([" + body + ".T.reshape(-1) for E_ in (e_.reshape(X_.shape[1], X_.shape[0]).T "
             "for e_ in torch.eye(X_.numel(), dtype=X_.dtype))], 1))(" + args + ")";
    return "(lambda " + params + ": np.column_stack([" + body + ".reshape(-1, order='F') for E_ in "
           "(e_.reshape(X_.shape, order='F') for e_ in np.eye(X_.size))]))(" + args + ")";
  }

  // PyTorch has no matrix logarithm or square root.
  std::string scipyOnly(Id arg, const char* what) {
    if (torch_) throw Error(Error::Category::Eval, std::string("PyTorch has no ") + what + ": use --emit numpy, which uses SciPy");
    return print(arg);
  }

  // torch.exp(1) raises (PyTorch's functions take tensors): a number the
  // constructors leave under a function (exp(1), log(5)) is made a tensor.
  std::string call(const char* f, Id arg) {
    if (torch_ && a_.kind(arg) == Kind::Number) {
      std::string type = a_.symbolsInScope(0).empty() ? "torch.float64" : dtypeOf();
      return lib_ + "." + f + "(torch.tensor(" + print(arg) + ", dtype=" + type + "))";
    }
    return lib_ + "." + f + "(" + print(arg) + ")";
  }

  std::pair<std::string, int> render(Id t) {
    const Node& n = a_.node(t);
    switch (n.kind) {
      case Kind::Symbol: return {pythonName(a_.symbolOf(t).name), kAtom};
      case Kind::Number: {
        const mpq_class& v = a_.numberOf(t);
        if (v.get_den() != 1) return {v.get_num().get_str() + "/" + v.get_den().get_str(), kMul};
        return {v.get_str(), v < 0 ? kUnary : kAtom};
      }
      case Kind::Identity: return {lib_ + ".eye(" + size(n.shape.rows) + dtype() + ")", kAtom};
      case Kind::Ones: return {lib_ + ".ones((" + size(n.shape.rows) + ", " + size(n.shape.cols) + ")" + dtype() + ")", kAtom};
      case Kind::Zero: return {lib_ + ".zeros((" + size(n.shape.rows) + ", " + size(n.shape.cols) + ")" + dtype() + ")", kAtom};
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
      case Kind::Scale: return scaled(n.kids);
      case Kind::Mul: return {join(n.kids, " @ ", kUnary), kMul};
      case Kind::Hadamard: return {join(n.kids, " * ", kUnary), kMul};
      case Kind::HadamardDiv: return {print(n.kids[0], kMul) + " / " + print(n.kids[1], kUnary), kMul};
      case Kind::Pow:
      case Kind::HadamardPow: return {print(n.kids[0], kAtom) + " ** " + print(n.kids[1], kAtom), kPow};
      case Kind::MatPow:
        return {lib_ + ".linalg.matrix_power(" + print(n.kids[0]) + ", " + print(n.kids[1]) + ")", kAtom};
      case Kind::Transpose: return {print(n.kids[0], kAtom) + ".T", kAtom};
      case Kind::Inner: return {lib_ + ".sum(" + print(n.kids[0], kMul) + " * " + print(n.kids[1], kUnary) + ")", kAtom};
      case Kind::Inverse: return {call("linalg.inv", n.kids[0]), kAtom};
      case Kind::Trace: return {call("trace", n.kids[0]), kAtom};
      case Kind::Det: return {call("linalg.det", n.kids[0]), kAtom};
      case Kind::LogDet: return {lib_ + ".log(" + call("linalg.det", n.kids[0]) + ")", kAtom};
      case Kind::Sum: return {call("sum", n.kids[0]), kAtom};
      case Kind::Norm1: return {lib_ + ".sum(" + call("abs", n.kids[0]) + ")", kAtom};
      case Kind::Norm2: return {call("linalg.norm", n.kids[0]), kAtom};
      case Kind::LogSumExp: return {logSumExp(n.kids[0]), kAtom};
      case Kind::Softmax: return {softmaxOf(n.kids[0]), kAtom};
      case Kind::DiagMatrix: return {call("diagflat", n.kids[0]), kAtom};
      case Kind::DiagVector: return {call("diag", n.kids[0]) + ".reshape(-1, 1)", kAtom};
      case Kind::Differential:
        throw Error(Error::Category::Eval, std::string("a differential d(·) has no ") + (torch_ ? "PyTorch" : "NumPy") + " form");
      case Kind::Kron: return {lib_ + ".kron(" + kronArgument(n.kids[0]) + ", " + kronArgument(n.kids[1]) + ")", kAtom};
      case Kind::Vec:  // columns stacked: PyTorch has no order='F', so rows of the transpose
        if (torch_) return {print(n.kids[0], kAtom) + ".T.reshape(-1, 1)", kAtom};
        return {print(n.kids[0], kAtom) + ".reshape(-1, 1, order='F')", kAtom};
      case Kind::Commutation: {  // the rows of I permuted: K*vec(A) = vec(A') for A m×n
        Shape sh = a_.shape(n.kids[0]);
        std::string m = size(sh.rows), c = size(sh.cols), mn = "(" + m + ") * (" + c + ")";
        std::string rows = torch_ ? "torch.arange(" + mn + ").reshape((" + c + ", " + m + ")).T.reshape(-1)"
                                  : "np.arange(" + mn + ").reshape((" + m + ", " + c + "), order='F').ravel()";
        return {lib_ + ".eye(" + mn + dtype() + ")[" + rows + "]", kAtom};
      }
      // Matrix functions: SciPy's, and in PyTorch matrix_exp only. A Fréchet
      // derivative L_f(X, E) binds X and E once, through a lambda.
      case Kind::Expm:
        return {torch_ ? call("linalg.matrix_exp", n.kids[0]) : "scipy.linalg.expm(" + print(n.kids[0]) + ")", kAtom};
      case Kind::Logm: return {"scipy.linalg.logm(" + scipyOnly(n.kids[0], "matrix logarithm (logm)") + ")", kAtom};
      case Kind::Sqrtm: return {"scipy.linalg.sqrtm(" + scipyOnly(n.kids[0], "matrix square root (sqrtm)") + ")", kAtom};
      case Kind::DExpm:
      case Kind::DLogm:
      case Kind::DSqrtm:
        return {"(lambda X_, E_: " + frechet(n.kind, "X_", "E_") + ")(" + print(n.kids[0]) + ", " + print(n.kids[1]) + ")", kAtom};
      case Kind::KExpm:
      case Kind::KLogm:
      case Kind::KSqrtm:
        return {kroneckerColumns("X_", frechet(frechetOfKroneckerForm(n.kind), "X_", "E_"), print(n.kids[0])), kAtom};
      case Kind::D2Expm:
      case Kind::D2Logm:
      case Kind::D2Sqrtm:
        return {"(lambda X_, E_, F_: " + secondFrechet(n.kind, "X_", "E_", "F_") + ")(" + print(n.kids[0]) + ", " + print(n.kids[1]) + ", " +
                    print(n.kids[2]) + ")",
                kAtom};
      case Kind::K2Expm:
      case Kind::K2Logm:
      case Kind::K2Sqrtm:
        return {kroneckerColumns("X_, B_", secondFrechet(frechetOfKroneckerForm(n.kind), "X_", "E_", "B_"),
                                 print(n.kids[0]) + ", " + print(n.kids[1])),
                kAtom};
      case Kind::Exp: return {call("exp", n.kids[0]), kAtom};
      case Kind::Log: {  // log(sum(exp(z))) as written by a user: the same care as logsumexp
        Id inner = n.kids[0];
        if (a_.kind(inner) == Kind::Sum && a_.kind(a_.kids(inner)[0]) == Kind::Exp) return {logSumExp(a_.kids(a_.kids(inner)[0])[0]), kAtom};
        return {call("log", n.kids[0]), kAtom};
      }
      case Kind::Sqrt: return {call("sqrt", n.kids[0]), kAtom};
      case Kind::Sin: return {call("sin", n.kids[0]), kAtom};
      case Kind::Cos: return {call("cos", n.kids[0]), kAtom};
      case Kind::Tanh: return {call("tanh", n.kids[0]), kAtom};
      case Kind::Sinh: return {call("sinh", n.kids[0]), kAtom};
      case Kind::Cosh: return {call("cosh", n.kids[0]), kAtom};
      case Kind::Sigmoid:
        if (torch_) return {call("sigmoid", n.kids[0]), kAtom};
        return {"np.exp(-np.logaddexp(0, -(" + print(n.kids[0]) + ")))", kAtom};  // 1/(1 + e^-z), without overflow
      case Kind::Relu:
        if (torch_) return {call("relu", n.kids[0]), kAtom};
        return {"np.maximum(" + print(n.kids[0]) + ", 0)", kAtom};
      case Kind::Abs: return {call("abs", n.kids[0]), kAtom};
      case Kind::Sign: return {call("sign", n.kids[0]), kAtom};
      case Kind::Step:  // 1 where positive, else 0 (0 at 0, as the engine's step)
        if (torch_) return {"(" + print(n.kids[0], kAdd) + " > 0).to(" + dtypeOf() + ")", kAtom};
        return {"np.heaviside(" + print(n.kids[0]) + ", 0.0)", kAtom};
    }
    throw std::logic_error("unprintable kind");
  }

  // A scalar product; sum(exp(Z))^-1 * exp(Z), the gradient of logsumexp of
  // a matrix (the engine's softmax takes columns), is printed as softmax over
  // all of Z's entries, shifted: exp(Z) alone overflows past entries of 709.
  std::pair<std::string, int> scaled(std::span<const Id> kids) {
    for (Id p : kids) {
      if (a_.kind(p) != Kind::Pow || !a_.isNumber(a_.kids(p)[1], -1) || a_.kind(a_.kids(p)[0]) != Kind::Sum) continue;
      Id e = a_.kids(a_.kids(p)[0])[0];
      if (a_.kind(e) != Kind::Exp || std::find(kids.begin(), kids.end(), e) == kids.end()) continue;
      std::string s;
      for (Id k : kids)
        if (k != p && k != e) s += print(k, kUnary) + " * ";
      return {s + softmaxOf(a_.kids(e)[0]), kMul};
    }
    return {join(kids, " * ", kUnary), kMul};
  }

  // exp(z_) shifted by z_'s largest entry, for softmax and log(sum(exp(z))):
  // logits of 1000 then do not overflow (the values are the same).
  std::string shiftedExp() const { return lib_ + ".exp(z_ - " + lib_ + ".max(z_))"; }
  std::string softmaxOf(Id z) { return "(lambda z_: " + shiftedExp() + " / " + lib_ + ".sum(" + shiftedExp() + "))(" + print(z) + ")"; }
  std::string logSumExp(Id z) {
    return "(lambda z_: " + lib_ + ".max(z_) + " + lib_ + ".log(" + lib_ + ".sum(" + shiftedExp() + ")))(" + print(z) + ")";
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
  bool torch_;
  std::string lib_;
};

}  // namespace

std::string pythonName(const std::string& name) { return kPythonKeywords.count(name) ? name + "_" : name; }

std::string toNumpy(const Arena& arena, Id term) { return PythonPrinter(arena, Dialect::NumPy).print(term); }

std::string toTorch(const Arena& arena, Id term) { return PythonPrinter(arena, Dialect::Torch).print(term); }

std::string toPythonLines(const Arena& arena, const Shared& shared, bool torch) {
  auto python = torch ? toTorch : toNumpy;
  std::string lines;
  for (const auto& [name, def] : shared.bindings) lines += pythonName(name) + " = " + python(arena, def) + "\n";
  return lines + python(arena, shared.result);
}

}  // namespace matcalc
