#include "fragment_gen.hpp"

#include <algorithm>

namespace matcalc::testing {

namespace {

using Op = Expr::Op;

Expr node(Op op, std::vector<Expr> kids, char rows, char cols) { return {op, "", std::move(kids), rows, cols}; }
Expr var(const std::string& name, char rows, char cols) { return {Op::Var, name, {}, rows, cols}; }

Expr transposed(const Expr& e) { return node(Op::Transpose, {e}, e.cols, e.rows); }
Expr product(const Expr& a, const Expr& b) {
  if (a.rows == '1' && a.cols == '1') return node(Op::Scale, {a, b}, b.rows, b.cols);
  if (b.rows == '1' && b.cols == '1') return node(Op::Scale, {b, a}, a.rows, a.cols);
  return node(Op::Mul, {a, b}, a.rows, b.cols);
}
Expr trace(const Expr& e) { return node(Op::Trace, {e}, '1', '1'); }
Expr inner(const Expr& a, const Expr& b) { return node(Op::Inner, {a, b}, '1', '1'); }
bool scalar(const Expr& e) { return e.rows == '1' && e.cols == '1'; }

// The factors of a chain of matrix products (not of scalings).
void factorsOf(const Expr& e, std::vector<Expr>& out) {
  if (e.op == Op::Mul) {
    factorsOf(e.kids[0], out);
    factorsOf(e.kids[1], out);
  } else {
    out.push_back(e);
  }
}
Expr chain(const std::vector<Expr>& fs) {
  Expr e = fs[0];
  for (std::size_t i = 1; i < fs.size(); ++i) e = product(e, fs[i]);
  return e;
}

}  // namespace

std::string print(const Expr& e) {
  auto p = [](const Expr& k) { return print(k); };
  switch (e.op) {
    case Op::Var:
    case Op::Num: return e.name;
    case Op::Identity: return "I";
    case Op::Zeros: return "zeros";
    case Op::Add: return "(" + p(e.kids[0]) + " + " + p(e.kids[1]) + ")";
    case Op::Sub: return "(" + p(e.kids[0]) + " - " + p(e.kids[1]) + ")";
    case Op::Neg: return "(-" + p(e.kids[0]) + ")";
    case Op::Scale:
    case Op::Mul: return "(" + p(e.kids[0]) + "*" + p(e.kids[1]) + ")";
    case Op::Transpose: return "(" + p(e.kids[0]) + ")'";
    case Op::Trace: return "tr(" + p(e.kids[0]) + ")";
    case Op::Inner: return "<" + p(e.kids[0]) + ", " + p(e.kids[1]) + ">";
    case Op::Hadamard: return "(" + p(e.kids[0]) + " .* " + p(e.kids[1]) + ")";
    case Op::DiagMatrix:
    case Op::DiagVector: return "diag(" + p(e.kids[0]) + ")";
    case Op::Sum: return "sum(" + p(e.kids[0]) + ")";
  }
  return "?";
}

Expr FragmentGen::leaf(char rows, char cols) {
  auto pick = [&](std::vector<const char*> names) { return names[choose_(0, static_cast<long>(names.size()) - 1)]; };
  if (rows == '1' && cols == '1') {
    switch (choose_(0, 4)) {
      case 0: return var("alpha", '1', '1');
      case 1: return var("beta", '1', '1');
      case 2: return {Op::Num, "(1/2)", {}, '1', '1'};
      default: return {Op::Num, std::to_string(choose_(2, 3)), {}, '1', '1'};
    }
  }
  if (rows == 'n' && cols == 'n') return var(pick({"A", "B", "C"}), 'n', 'n');
  if (rows == 'n' && cols == 'm') return var("P", 'n', 'm');
  if (rows == 'm' && cols == 'n') return transposed(var("P", 'n', 'm'));
  if (rows == 'm' && cols == 'm') return var("Q", 'm', 'm');
  if (rows == 'n' && cols == '1') return var(pick({"x", "y"}), 'n', '1');
  if (rows == 'm' && cols == '1') return var("u", 'm', '1');
  if (rows == '1' && cols == 'n') return transposed(var(pick({"x", "y"}), 'n', '1'));
  return transposed(var("u", 'm', '1'));  // 1×m
}

Expr FragmentGen::generate(char rows, char cols, int depth) {
  if (depth <= 0 || choose_(0, 5) == 0) return leaf(rows, cols);
  auto sub = [&](char r, char c) { return generate(r, c, depth - 1); };
  const char dims[] = {'n', 'm', '1'};
  bool isScalar = rows == '1' && cols == '1';
  for (;;) {
    switch (choose_(0, 11)) {
      case 0: return node(Op::Add, {sub(rows, cols), sub(rows, cols)}, rows, cols);
      case 1: return node(Op::Sub, {sub(rows, cols), sub(rows, cols)}, rows, cols);
      case 2: return node(Op::Scale, {sub('1', '1'), sub(rows, cols)}, rows, cols);
      case 3: {
        char k = dims[choose_(0, 2)];
        if (k == '1' && isScalar) continue;
        Expr a = sub(rows, k), b = sub(k, cols);
        if (scalar(a) || scalar(b)) continue;
        return node(Op::Mul, {a, b}, rows, cols);
      }
      case 4: return transposed(sub(cols, rows));
      case 5:
        if (isScalar) continue;
        return node(Op::Hadamard, {sub(rows, cols), sub(rows, cols)}, rows, cols);
      case 6: return node(Op::Neg, {sub(rows, cols)}, rows, cols);
      case 7:
        if (!isScalar) continue;
        {
          char k = choose_(0, 1) ? 'n' : 'm';
          return trace(sub(k, k));
        }
      case 8: {
        if (!isScalar) continue;
        char r = dims[choose_(0, 2)], c = dims[choose_(0, 1)];
        if (r == '1' && c == '1') continue;
        return inner(sub(r, c), sub(r, c));
      }
      case 9: {
        if (!isScalar) continue;
        char r = dims[choose_(0, 1)], c = dims[choose_(0, 2)];
        return node(Op::Sum, {sub(r, c)}, '1', '1');
      }
      case 10:
        if (rows != 'n' || cols != 'n') continue;
        return node(Op::DiagMatrix, {sub('n', '1')}, 'n', 'n');
      default:
        if (rows != 'n' || cols != '1') continue;
        return node(Op::DiagVector, {sub('n', 'n')}, 'n', '1');
    }
  }
}

std::size_t FragmentGen::countNodes(const Expr& e) const {
  std::size_t n = 1;
  for (const Expr& k : e.kids) n += countNodes(k);
  return n;
}

// The transformation `which` at the root of e, if it applies there.
std::optional<Expr> FragmentGen::rewriteHere(const Expr& e, int which, std::string& what) {
  const auto& k = e.kids;
  switch (which) {
    case 0:  // rotate a trace of a product
      if (e.op == Op::Trace && k[0].op == Op::Mul) {
        std::vector<Expr> fs;
        factorsOf(k[0], fs);
        std::rotate(fs.begin(), fs.begin() + 1 + choose_(0, static_cast<long>(fs.size()) - 2), fs.end());
        what = "rotate a trace";
        return trace(chain(fs));
      }
      return std::nullopt;
    case 1:  // reflect a trace
      if (e.op == Op::Trace) {
        what = "tr(A) = tr(A')";
        return trace(transposed(k[0]));
      }
      return std::nullopt;
    case 2:  // a scalar is its own transpose
      if (scalar(e) && e.op != Op::Num) {
        what = "transpose a scalar";
        return transposed(e);
      }
      return std::nullopt;
    case 3:  // move a factor across an inner product
      if (e.op == Op::Inner && k[0].op == Op::Mul) {
        what = "move left";
        return choose_(0, 1) ? inner(k[0].kids[1], product(transposed(k[0].kids[0]), k[1]))
                             : inner(k[0].kids[0], product(k[1], transposed(k[0].kids[1])));
      }
      if (e.op == Op::Inner && k[1].op == Op::Mul) {
        what = "move right";
        return choose_(0, 1) ? inner(product(transposed(k[1].kids[0]), k[0]), k[1].kids[1])
                             : inner(product(k[0], transposed(k[1].kids[1])), k[1].kids[0]);
      }
      return std::nullopt;
    case 4:  // Hadamard swap
      if (e.op == Op::Inner && k[1].op == Op::Hadamard) {
        what = "Hadamard swap";
        return inner(node(Op::Hadamard, {k[0], k[1].kids[0]}, k[0].rows, k[0].cols), k[1].kids[1]);
      }
      if (e.op == Op::Inner && k[0].op == Op::Hadamard) {
        what = "Hadamard swap back";
        return inner(k[0].kids[0], node(Op::Hadamard, {k[0].kids[1], k[1]}, k[1].rows, k[1].cols));
      }
      return std::nullopt;
    case 5:  // distribute
      if ((e.op == Op::Mul || e.op == Op::Hadamard || e.op == Op::Scale) && (k[1].op == Op::Add || k[1].op == Op::Sub)) {
        what = "distribute";
        Op sum = k[1].op;
        Expr l = node(e.op, {k[0], k[1].kids[0]}, e.rows, e.cols), r = node(e.op, {k[0], k[1].kids[1]}, e.rows, e.cols);
        return node(sum, {l, r}, e.rows, e.cols);
      }
      if ((e.op == Op::Mul || e.op == Op::Hadamard) && (k[0].op == Op::Add || k[0].op == Op::Sub)) {
        what = "distribute";
        Op sum = k[0].op;
        Expr l = node(e.op, {k[0].kids[0], k[1]}, e.rows, e.cols), r = node(e.op, {k[0].kids[1], k[1]}, e.rows, e.cols);
        return node(sum, {l, r}, e.rows, e.cols);
      }
      if (e.op == Op::Trace && (k[0].op == Op::Add || k[0].op == Op::Sub)) {
        what = "trace of a sum";
        return node(k[0].op, {trace(k[0].kids[0]), trace(k[0].kids[1])}, '1', '1');
      }
      return std::nullopt;
    case 6:  // reorder
      if (e.op == Op::Add || e.op == Op::Hadamard || e.op == Op::Inner) {
        what = "reorder";
        return node(e.op, {k[1], k[0]}, e.rows, e.cols);
      }
      if (e.op == Op::Mul && k[0].op == Op::Mul) {
        what = "reassociate";
        return node(Op::Mul, {k[0].kids[0], node(Op::Mul, {k[0].kids[1], k[1]}, k[0].kids[1].rows, k[1].cols)}, e.rows, e.cols);
      }
      return std::nullopt;
    case 7:  // insert I* or + zeros
      if (e.rows == 'n' && !scalar(e) && e.op != Op::Identity) {
        what = "insert I*";
        return node(Op::Mul, {Expr{Op::Identity, "", {}, 'n', 'n'}, e}, e.rows, e.cols);
      }
      if (!scalar(e) && e.op != Op::Zeros) {
        what = "insert + zeros";
        return node(Op::Add, {e, Expr{Op::Zeros, "", {}, e.rows, e.cols}}, e.rows, e.cols);
      }
      if (scalar(e)) {
        what = "insert + 0";
        return node(Op::Add, {e, Expr{Op::Num, "0", {}, '1', '1'}}, '1', '1');
      }
      return std::nullopt;
    case 8:  // spell an inner product otherwise
      if (e.op == Op::Inner) {
        if (choose_(0, 1)) {
          what = "<A, B> = tr(A'*B)";
          return trace(product(transposed(k[0]), k[1]));
        }
        what = "<A, B> = sum(A .* B)";
        return node(Op::Sum, {node(Op::Hadamard, {k[0], k[1]}, k[0].rows, k[0].cols)}, '1', '1');
      }
      if (e.op == Op::Trace && k[0].op == Op::Mul && k[0].kids[0].op == Op::Transpose) {
        what = "tr(A'*B) = <A, B>";
        return inner(k[0].kids[0].kids[0], k[0].kids[1]);
      }
      return std::nullopt;
    case 9:  // push a transpose inward, or cancel two
      if (e.op == Op::Transpose && k[0].op == Op::Mul) {
        what = "(A*B)' = B'*A'";
        return product(transposed(k[0].kids[1]), transposed(k[0].kids[0]));
      }
      if (e.op == Op::Transpose && (k[0].op == Op::Add || k[0].op == Op::Sub || k[0].op == Op::Hadamard)) {
        what = "transpose of a sum";
        return node(k[0].op, {transposed(k[0].kids[0]), transposed(k[0].kids[1])}, e.rows, e.cols);
      }
      if (e.op == Op::Transpose && k[0].op == Op::Transpose) {
        what = "A'' = A";
        return k[0].kids[0];
      }
      return std::nullopt;
    default:  // pull a scalar out of a product
      if (e.op == Op::Mul && k[0].op == Op::Scale) {
        what = "(s*A)*B = s*(A*B)";
        return node(Op::Scale, {k[0].kids[0], node(Op::Mul, {k[0].kids[1], k[1]}, e.rows, e.cols)}, e.rows, e.cols);
      }
      return std::nullopt;
  }
}

Expr FragmentGen::rewriteAt(const Expr& e, std::size_t& index, std::size_t target, int which, std::string& what, bool& done) {
  if (index++ == target) {
    if (auto r = rewriteHere(e, which, what)) {
      done = true;
      return *r;
    }
    return e;
  }
  Expr out = e;
  for (Expr& k : out.kids) {
    if (done || index > target) break;
    k = rewriteAt(k, index, target, which, what, done);
  }
  return out;
}

Expr FragmentGen::transform(const Expr& e, std::string& what) {
  std::size_t n = countNodes(e);
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::size_t target = static_cast<std::size_t>(choose_(0, static_cast<long>(n) - 1));
    int which = static_cast<int>(choose_(0, 10));
    std::size_t index = 0;
    bool done = false;
    Expr out = rewriteAt(e, index, target, which, what, done);
    if (done) return out;
  }
  what = "none";
  return e;
}

}  // namespace matcalc::testing
