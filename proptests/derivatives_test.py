"""Jacobians, Hessians and gradients as worked examples: each is run through the CLI with
--emit numpy, the printed lines are executed with NumPy on random values, and
the array must match central finite differences of the function written here
in NumPy (vec stacks columns); the text form is compared too where the issue
states one.  usage: derivatives_test.py MATCALC"""
import subprocess
import sys

import numpy as np
import scipy.linalg

matcalc = sys.argv[1]
rng = np.random.default_rng(20261203)
vec = lambda M: np.asarray(M, dtype=float).reshape(-1, 1, order="F")
sig = lambda z: 1 / (1 + np.exp(-z))
spd = lambda n: (lambda M: M @ M.T + n * np.eye(n))(rng.standard_normal((n, n)))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


# (command, expression, variable, shapes of the variables, F in NumPy, expected text or None)
# Shapes: a tuple, or "spd" n for a symmetric positive definite matrix.
n, m, p = 4, 3, 2
CASES = [
    ("jacobian", "relu(x)", "x", {"x": (n, 1)}, lambda v: np.maximum(v["x"], 0), "diag(step(x))"),
    ("jacobian", "A*x", "x", {"A": (m, n), "x": (n, 1)}, lambda v: v["A"] @ v["x"], "A"),
    ("jacobian", "A*B", "B", {"A": (m, n), "B": (n, p)}, lambda v: v["A"] @ v["B"], "kron(I, A)"),
    ("jacobian", "A*X*B", "X", {"A": (m, n), "X": (n, p), "B": (p, m)}, lambda v: v["A"] @ v["X"] @ v["B"], "kron(B', A)"),
    ("jacobian", "X'", "X", {"X": (n, m)}, lambda v: v["X"].T, "commutation(X)"),
    ("jacobian", "inv(X)", "X", {"X": "spd"}, lambda v: np.linalg.inv(v["X"]), "-kron(inv(X)', inv(X))"),
    ("jacobian", "softmax(x)", "x", {"x": (n, 1)}, lambda v: softmax(v["x"]), "diag(softmax(x)) - softmax(x)*softmax(x)'"),
    ("jacobian", "x*(x'*x)", "x", {"x": (n, 1)}, lambda v: v["x"] * (v["x"].T @ v["x"]), "2*x*x' + (x'*x)*I"),
    ("jacobian", "x'*A*x", "x", {"x": (n, 1), "A": (n, n)}, lambda v: v["x"].T @ v["A"] @ v["x"], "x'*(A + A')"),
    ("jacobian", "sin(X)", "X", {"X": (n, m)}, lambda v: np.sin(v["X"]), "diag(vec(cos(X)))"),
    ("jacobian", "X*X", "X", {"X": (n, n)}, lambda v: v["X"] @ v["X"], "kron(I, X) + kron(X', I)"),
    ("jacobian", "X'*X", "X", {"X": (n, m)}, lambda v: v["X"].T @ v["X"], None),
    ("jacobian", "sigmoid(W*x)", "W", {"W": (m, n), "x": (n, 1)}, lambda v: sig(v["W"] @ v["x"]), None),
    ("jacobian", "tanh(W2*tanh(W1*x))", "W1", {"W2": (p, m), "W1": (m, n), "x": (n, 1)},
     lambda v: np.tanh(v["W2"] @ np.tanh(v["W1"] @ v["x"])), None),
    ("jacobian", "cosh(W*x)", "W", {"W": (m, n), "x": (n, 1)}, lambda v: np.cosh(v["W"] @ v["x"]), "kron(x', diag(sinh(W*x)))"),
    ("grad", "sum(log(cosh(X*w - y)))", "w", {"X": (m, n), "w": (n, 1), "y": (m, 1)},
     lambda v: np.sum(np.log(np.cosh(v["X"] @ v["w"] - v["y"]))), "X'*tanh(X*w - y)"),
    ("grad", "sum(sinh(x) ./ cosh(x))", "x", {"x": (n, 1)}, lambda v: np.sum(np.sinh(v["x"]) / np.cosh(v["x"])),
     "1 - tanh(x).^2"),
    ("jacobian", "exp(A*x)", "x", {"A": (m, n), "x": (n, 1)}, lambda v: np.exp(v["A"] @ v["x"]), "diag(exp(A*x))*A"),
    ("jacobian", "tr(X)*X", "X", {"X": (n, n)}, lambda v: np.trace(v["X"]) * v["X"], None),
    ("jacobian", "X .* Y", "X", {"X": (n, m), "Y": (n, m)}, lambda v: v["X"] * v["Y"], "diag(vec(Y))"),
    ("jacobian", "A*X'*B", "X", {"A": (p, m), "X": (n, m), "B": (n, p)}, lambda v: v["A"] @ v["X"].T @ v["B"], None),
    ("jacobian", "x ./ y", "y", {"x": (n, 1), "y": (n, 1)}, lambda v: v["x"] / v["y"], None),
    ("jacobian", "diag(x)", "x", {"x": (n, 1)}, lambda v: np.diag(v["x"][:, 0]), None),
    ("jacobian", "diag(X)", "X", {"X": (n, n)}, lambda v: np.diag(v["X"]).reshape(-1, 1), None),
    ("jacobian", "diag(x)*A*x", "x", {"x": (n, 1), "A": (n, n)}, lambda v: np.diag(v["x"][:, 0]) @ v["A"] @ v["x"], None),
    # vec and kron of the variable: the commutation matrix K_{q,m} of vec(A ⊗ X), unvec in a gradient.
    ("jacobian", "kron(A, X)", "X", {"A": (m, p), "X": (n, p)}, lambda v: np.kron(v["A"], v["X"]),
     "kron(kron(I, commutation((X'*ones)*(A*ones)')), I)*kron(vec(A), I)"),
    ("jacobian", "kron(X, B)", "X", {"X": (n, m), "B": (p, n)}, lambda v: np.kron(v["X"], v["B"]), None),
    ("jacobian", "kron(X, X)", "X", {"X": (n, m)}, lambda v: np.kron(v["X"], v["X"]), None),
    ("jacobian", "vec(A*X)", "X", {"A": (m, n), "X": (n, p)}, lambda v: vec(v["A"] @ v["X"]), "kron(I, A)"),
    ("grad", "vec(X)'*vec(X)", "X", {"X": (n, m)}, lambda v: vec(v["X"]).T @ vec(v["X"]), "2*X"),
    ("grad", "vec(A*X*B)'*vec(X)", "X", {"A": (n, n), "X": (n, m), "B": (m, m)},
     lambda v: vec(v["A"] @ v["X"] @ v["B"]).T @ vec(v["X"]), "A*X*B + A'*X*B'"),
    ("grad", "a'*vec(X)", "X", {"a": (n * m, 1), "X": (n, m)}, lambda v: v["a"].T @ vec(v["X"]), "kron(vec(I)', I)*kron(I, a)"),
    ("grad", "vec(X')'*vec(X)", "X", {"X": (n, m)}, lambda v: vec(v["X"].T).T @ vec(v["X"]), None),
    # I sized by a factor of x's length (x has n*p entries, I is p×p): emitted as np.eye(len(x) // n).
    ("grad", "x'*kron(A, I)*x", "x", {"A": (n, n), "x": (n * p, 1)}, lambda v: v["x"].T @ np.kron(v["A"], np.eye(p)) @ v["x"],
     "kron(A + A', I)*x"),
    ("jacobian", "kron(I, A)*x", "x", {"A": (m, n), "x": (p * n, 1)}, lambda v: np.kron(np.eye(p), v["A"]) @ v["x"], "kron(I, A)"),
    ("grad", "sum(kron(A, X))", "X", {"A": (m, p), "X": (n, m)}, lambda v: np.kron(v["A"], v["X"]).sum(), None),
    ("grad", "tr(kron(A, X)*B)", "X", {"A": (m, p), "X": (n, m), "B": (p * m, m * n)},
     lambda v: np.trace(np.kron(v["A"], v["X"]) @ v["B"]), None),
    ("grad", "tr(kron(X, A)*B)", "X", {"A": (m, p), "X": (n, m), "B": (m * p, n * m)},
     lambda v: np.trace(np.kron(v["X"], v["A"]) @ v["B"]), None),
    ("grad", "norm2(kron(A, X))^2", "X", {"A": (m, p), "X": (n, m)}, lambda v: np.sum(np.kron(v["A"], v["X"]) ** 2), None),
    ("hessian", "x'*A*x", "x", {"x": (n, 1), "A": (n, n)}, lambda v: v["x"].T @ v["A"] @ v["x"], "A + A'"),
    ("hessian", "log(sum(exp(x)))", "x", {"x": (n, 1)}, lambda v: np.log(np.exp(v["x"]).sum()),
     "diag(softmax(x)) - softmax(x)*softmax(x)'"),
    ("jacobian", "exp(x)/sum(exp(x))", "x", {"x": (n, 1)}, lambda v: np.exp(v["x"]) / np.exp(v["x"]).sum(),
     "diag(softmax(x)) - softmax(x)*softmax(x)'"),
    ("hessian", "log(sum(exp(A*x)))", "x", {"A": (m, n), "x": (n, 1)}, lambda v: np.log(np.exp(v["A"] @ v["x"]).sum()),
     "A'*(diag(t1) - t1*t1')*A\n  where t1 = softmax(A*x)"),
    ("hessian", "norm2(A*x - y)^2", "x", {"A": (m, n), "x": (n, 1), "y": (m, 1)},
     lambda v: np.sum((v["A"] @ v["x"] - v["y"]) ** 2), "2*A'*A"),
    ("hessian", "tr(X'*A*X)", "X", {"X": (n, m), "A": (n, n)}, lambda v: np.trace(v["X"].T @ v["A"] @ v["X"]), "kron(I, A + A')"),
    ("hessian", "log(det(X))", "X", {"X": "spd"}, lambda v: np.log(np.linalg.det(v["X"])), None),
    ("hessian", "sum(log(1 + exp(-y .* (X*w))))", "w", {"X": (n, m), "y": (n, 1), "w": (m, 1)},
     lambda v: np.sum(np.log(1 + np.exp(-v["y"] * (v["X"] @ v["w"])))), None),
    ("hessian", "y'*log(sigmoid(X*w)) + (1 - y)'*log(1 - sigmoid(X*w))", "w", {"X": (n, m), "y": (n, 1), "w": (m, 1)},
     lambda v: (v["y"].T @ np.log(sig(v["X"] @ v["w"])) + (1 - v["y"]).T @ np.log(1 - sig(v["X"] @ v["w"]))),
     "-X'*diag(sigmoid(X*w) .* sigmoid(-X*w))*X"),
    ("hessian", "x'*x", "x", {"x": (n, 1)}, lambda v: v["x"].T @ v["x"], "2*I"),
    ("hessian", "sum(exp(x))", "x", {"x": (n, 1)}, lambda v: np.exp(v["x"]).sum(), "diag(exp(x))"),
    ("hessian", "tr(inv(X))", "X", {"X": "spd"}, lambda v: np.trace(np.linalg.inv(v["X"])), None),
    # logdet presupposes spd(X) and its gradient reads inv(X), right at every spd X; differentiated
    # again it must stay the unconstrained inv(X)': the Hessian holds along unsymmetric directions too.
    # An exponent that varies: x^y = exp(y*log(x)).
    ("grad", "tr(X^3)^alpha", "alpha", {"X": "spd", "alpha": (1, 1)},
     lambda v: np.trace(np.linalg.matrix_power(v["X"], 3)) ** v["alpha"], "t1^alpha*log(t1)\n  where t1 = tr(X^3)"),
    ("grad", "sum(exp(x) .^ alpha)", "alpha", {"x": (n, 1), "alpha": (1, 1)}, lambda v: np.sum(np.exp(v["x"]) ** v["alpha"]),
     "x'*exp(x).^alpha"),
    # relu, abs: their derivatives step and sign are constant away from 0 (a Hessian of a ReLU network).
    ("hessian", "sum(relu(W*x))", "x", {"W": (m, n), "x": (n, 1)}, lambda v: np.maximum(v["W"] @ v["x"], 0).sum(), "zeros"),
    ("hessian", "norm2(relu(W*x) - y)^2", "x", {"W": (m, n), "x": (n, 1), "y": (m, 1)},
     lambda v: np.sum((np.maximum(v["W"] @ v["x"], 0) - v["y"]) ** 2), None),
    ("hessian", "logdet(X)", "X", {"X": "spd"}, lambda v: np.log(np.linalg.det(v["X"])), "-kron(inv(X), inv(X)')*commutation(X)"),
    ("hessian", "log(1 + logdet(X)^2)", "X", {"X": "spd"}, lambda v: np.log(1 + np.log(np.linalg.det(v["X"])) ** 2), None),
    ("hessian", "logdet(X + A)", "X", {"X": "spd", "A": "spd"}, lambda v: np.log(np.linalg.det(v["X"] + v["A"])), None),
    ("hessian", "tr(A*X*B*X')", "X", {"A": (n, n), "X": (n, m), "B": (m, m)},
     lambda v: np.trace(v["A"] @ v["X"] @ v["B"] @ v["X"].T), None),
    ("hessian", "a'*X*b", "X", {"a": (n, 1), "X": (n, m), "b": (m, 1)}, lambda v: v["a"].T @ v["X"] @ v["b"], None),
    ("hessian", "norm2(x)^4", "x", {"x": (n, 1)}, lambda v: np.sum(v["x"] ** 2) ** 2, None),
    ("hessian", "sum(tanh(W*x))", "W", {"W": (m, n), "x": (n, 1)}, lambda v: np.sum(np.tanh(v["W"] @ v["x"])), None),
    # Kronecker products under a sum or a norm, a vector among the factors (the matcher
    # once declined a shape m·1 = m): isolated through sum(A ⊗ B) and <A ⊗ B, C ⊗ D>.
    ("grad", "sum(kron(x, X))", "X", {"x": (n, 1), "X": (m, p)}, lambda v: np.sum(np.kron(v["x"], v["X"])), "sum(x)*ones"),
    ("grad", "sum(kron(x, x))", "x", {"x": (n, 1)}, lambda v: np.sum(np.kron(v["x"], v["x"])), "2*sum(x)*ones"),
    ("grad", "norm2(kron(x, A))^2", "x", {"x": (n, 1), "A": (m, p)}, lambda v: np.linalg.norm(np.kron(v["x"], v["A"]))**2,
     "2*tr(A*A')*x"),
    # vec(kron(A, x'*d(X))) = J*d(X)'*x is no lower than what it came from, but smaller:
    # taken when no rule gives a lower one.
    ("jacobian", "kron(A, x'*X)", "X", {"A": (m, p), "x": (n, 1), "X": (n, p)}, lambda v: np.kron(v["A"], v["x"].T @ v["X"]),
     None),
    ("jacobian", "kron(x'*X, A)", "X", {"A": (m, p), "x": (n, 1), "X": (n, p)}, lambda v: np.kron(v["x"].T @ v["X"], v["A"]),
     "kron(x', kron(I, vec(A)))*commutation(X)"),
    # logdet(C) presupposes C spd, so C' - C is 0 and abs has a kink there along unsymmetric
    # directions: the self-check skips such points (it refused this as failing).
    ("jacobian", "sin(abs(C' - C) ./ (1 + C.^2)) + logdet(C)*C", "C", {"C": "spd"},
     lambda v: np.sin(np.abs(v["C"].T - v["C"]) / (1 + v["C"] ** 2)) + np.log(np.linalg.det(v["C"])) * v["C"],
     "vec(C)*vec(inv(C))' + logdet(C)*I"),
    # A scalar factor of G (step(s)*I) does not hide the rule about <I, A ⊗ E>.
    ("hessian", "relu(tr(kron(X, X)))", "X", {"X": (m, m)}, lambda v: max(np.trace(np.kron(v["X"], v["X"])), 0),
     "2*step(tr(X)^2)*vec(I)*vec(I)'"),
    # d(abs(expm(X))) holds dexpm(X, 0*d(X)) once differentiated again: 0.
    ("hessian", "sum(abs(expm(X)))", "X", {"X": (n, n)}, lambda v: np.sum(np.abs(scipy.linalg.expm(v["X"]))), None),
]


def value(shape):
    if shape == "spd":
        return spd(n)
    return rng.uniform(-1, 1, shape) + (0.0 if shape[1] != 1 else 0.0)


def jacobian_fd(F, values, wrt, h=1e-6):
    x0 = values[wrt]
    cols = []
    for k in range(x0.size):
        e = np.zeros(x0.size)
        e[k] = h
        E = e.reshape(x0.shape, order="F")
        plus, minus = dict(values), dict(values)
        plus[wrt], minus[wrt] = x0 + E, x0 - E
        cols.append((vec(F(plus)) - vec(F(minus))) / (2 * h))
    return np.hstack(cols)


def gradient_fd(F, values, wrt):
    return lambda v: jacobian_fd(F, v, wrt).reshape(v[wrt].shape, order="F")


def run_emitted(code, scope):
    """The value of --emit numpy output: its assignments run in order, then its last line."""
    lines = code.strip().split("\n")
    for line in lines[:-1]:
        exec(line, scope)
    return np.asarray(eval(lines[-1], scope), dtype=float)


failures, checked = [], 0
for command, expr, wrt, shapes, F, expected in CASES:
    label = f"{command} {expr!r} --wrt {wrt}"
    text = subprocess.run([matcalc, command, "--wrt", wrt, "--", expr], capture_output=True, text=True)
    numpy = subprocess.run([matcalc, command, "--wrt", wrt, "--emit", "numpy", "--", expr], capture_output=True, text=True)
    if text.returncode != 0 or numpy.returncode != 0:
        failures.append(f"{label}: exit {text.returncode}/{numpy.returncode}: {text.stderr.strip()} {numpy.stderr.strip()}")
        continue
    if expected is not None and text.stdout.strip() != expected:
        failures.append(f"{label}: prints {text.stdout.strip()!r}, expected {expected!r}")
    for trial in range(3):
        values = {name: value(shape) for name, shape in shapes.items()}
        if wrt in ("y",) and command == "jacobian":
            values[wrt] = values[wrt] + np.sign(values[wrt]) * 0.5  # away from 0: x ./ y
        got = run_emitted(numpy.stdout, {"np": np, "scipy": scipy, **values})
        size_x = values[wrt].size
        if command == "jacobian":
            want = jacobian_fd(F, values, wrt)
        elif command == "grad":
            want = gradient_fd(F, values, wrt)(values)
        else:
            want = jacobian_fd(gradient_fd(F, values, wrt), values, wrt, h=1e-4)
            if want.shape == (size_x, size_x) and not np.allclose(got, got.T, atol=1e-8):
                failures.append(f"{label}: the Hessian is not symmetric")
        if got.ndim != 2 or got.shape != want.shape:
            failures.append(f"{label}: NumPy array of shape {got.shape}, expected {want.shape}")
            break
        tolerance = 1e-4 if command == "hessian" else 1e-5
        if not np.allclose(got, want, rtol=tolerance, atol=tolerance):
            failures.append(f"{label}: differs from finite differences by {np.abs(got - want).max():.3g}")
            break
        checked += 1

# Logits of 1000 overflow a plain exp: the emitted softmax and logsumexp
# shift by the largest entry and sigmoid uses logaddexp, and stay finite and
# right; so does logsumexp of a matrix, whose gradient is softmax over all entries.
large = np.array([[1000.0], [999.0], [0.0]])
stable = np.exp(large - large.max()) / np.exp(large - large.max()).sum()
large_matrix = np.array([[1000.0, -3.0], [999.0, 998.5], [0.0, 2.0]])
stable_matrix = np.exp(large_matrix - large_matrix.max()) / np.exp(large_matrix - large_matrix.max()).sum()
for command, expr, var, value, want in (
        ("grad", "logsumexp(x)", "x", large, stable),
        ("grad", "sum(log(sigmoid(x)))", "x", large, np.exp(-np.logaddexp(0, large))),
        ("jacobian", "softmax(x)", "x", large, np.diagflat(stable) - stable @ stable.T),
        ("grad", "logsumexp(X)", "X", large_matrix, stable_matrix),
        ("grad", "3*logsumexp(X)", "X", large_matrix, 3 * stable_matrix)):
    numpy = subprocess.run([matcalc, command, "--wrt", var, "--emit", "numpy", "--", expr], capture_output=True, text=True)
    try:
        with np.errstate(over="raise", invalid="raise"):
            got = run_emitted(numpy.stdout, {"np": np, var: value})
    except FloatingPointError as e:
        failures.append(f"{command} {expr!r} at logits of 1000: NumPy raises {e}")
        continue
    if not np.allclose(got, want, rtol=1e-12, atol=1e-300):
        failures.append(f"{command} {expr!r} at logits of 1000: NumPy gives {got.ravel()}, expected {want.ravel()}")

# The value in --emit numpy-def is the expression as written: log(sum(exp(x))) too.
define = subprocess.run([matcalc, "grad", "--wrt", "x", "--emit", "numpy-def", "--", "log(sum(exp(x)))"], capture_output=True,
                        text=True)
scope = {}
exec(define.stdout, scope)
try:
    with np.errstate(over="raise", invalid="raise"):
        value, gradient = scope["f"](x=large)
    if not (np.isclose(value, 1000 + np.log1p(np.exp(-1.0) + np.exp(-1000.0))) and np.allclose(gradient, stable)):
        failures.append(f"numpy-def of log(sum(exp(x))) at logits of 1000: {value}, {gradient.ravel()}")
except FloatingPointError as e:
    failures.append(f"numpy-def of log(sum(exp(x))) at logits of 1000: NumPy raises {e}")

for f in failures:
    print("FAIL:", f)
count = {c: sum(1 for case in CASES if case[0] == c) for c in ("jacobian", "hessian", "grad")}
print(f"{len(CASES) - len({f.split(':')[0] for f in failures})} of {len(CASES)} worked examples ({count['jacobian']} Jacobians, "
      f"{count['hessian']} Hessians, {count['grad']} gradients) match finite differences ({checked} evaluations)")
sys.exit(1 if failures else 0)
