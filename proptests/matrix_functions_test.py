"""Matrix functions and powers as worked examples (issue: expm, logm, sqrtm,
X^k): each gradient is printed by the CLI with --check (the engine's own
dual-number check), in text (compared where stated), LaTeX, and NumPy; the
NumPy lines run with NumPy and SciPy and must match central finite
differences of the function written here with SciPy.
usage: matrix_functions_test.py MATCALC"""
import subprocess
import sys

import numpy as np

try:
    import scipy.linalg as sl
except ImportError:
    print("the matrix-function examples need SciPy (Debian: python3-scipy); run scripts/setup")
    sys.exit(1)
import scipy

matcalc = sys.argv[1]
rng = np.random.default_rng(20261203)
n = 4


def stable(k):
    """Eigenvalues in the right half-plane: in the domain of logm and sqrtm, unsymmetric."""
    return rng.uniform(-1, 1, (k, k)) + 2 * k * np.eye(k)


def any_matrix(k):
    return rng.uniform(-1, 1, (k, k)) / 2


# (expression, shapes: name -> sampler, f in NumPy/SciPy, expected text or None)
CASES = [
    ("tr(expm(X))", {"X": any_matrix}, lambda v: np.trace(sl.expm(v["X"])), "expm(X)'"),
    ("<C, expm(A*X)>", {"C": any_matrix, "A": any_matrix, "X": any_matrix},
     lambda v: np.sum(v["C"] * sl.expm(v["A"] @ v["X"])), "A'*dexpm(X'*A', C)"),
    ("tr(C*sqrtm(X))", {"C": any_matrix, "X": stable}, lambda v: np.trace(v["C"] @ sl.sqrtm(v["X"])), "dsqrtm(X, C)'"),
    ("tr(C*logm(X))", {"C": any_matrix, "X": stable}, lambda v: np.trace(v["C"] @ sl.logm(v["X"])), "dlogm(X, C)'"),
    ("tr(logm(X))", {"X": stable}, lambda v: np.trace(sl.logm(v["X"])), "inv(X)'"),
    ("tr(sqrtm(X))", {"X": stable}, lambda v: np.trace(sl.sqrtm(v["X"])), "1/2*inv(sqrtm(X))'"),
    ("logdet(expm(X))", {"X": any_matrix}, lambda v: np.log(np.linalg.det(sl.expm(v["X"]))), "I"),
    ("<C, expm(X)*expm(X)>", {"C": any_matrix, "X": any_matrix}, lambda v: np.sum(v["C"] * (sl.expm(v["X"]) @ sl.expm(v["X"]))), None),
    ("norm2(sqrtm(X) - B)^2", {"X": stable, "B": any_matrix}, lambda v: np.sum((sl.sqrtm(v["X"]) - v["B"]) ** 2), None),
    ("a'*X^7*b", {"a": lambda k: rng.uniform(-1, 1, (k, 1)), "X": any_matrix, "b": lambda k: rng.uniform(-1, 1, (k, 1))},
     lambda v: (v["a"].T @ np.linalg.matrix_power(v["X"], 7) @ v["b"]).item(), None),
    ("tr(X^-2)", {"X": stable}, lambda v: np.trace(np.linalg.matrix_power(np.linalg.inv(v["X"]), 2)), "-2*(inv(X)^3)'"),
    ("tr(X^50)", {"X": lambda k: any_matrix(k) / 2}, lambda v: np.trace(np.linalg.matrix_power(v["X"], 50)), "50*(X^49)'"),
]


def gradient_fd(F, values, wrt, h=1e-6):
    x = values[wrt]
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = dict(values), dict(values)
        plus[wrt], minus[wrt] = x.copy(), x.copy()
        plus[wrt][i] += h
        minus[wrt][i] -= h
        g[i] = (F(plus) - F(minus)) / (2 * h)
    return g


def run_numpy(lines, values):
    """The printed NumPy lines executed with the values bound: the last line's value."""
    scope = {"np": np, "scipy": scipy, **values}
    for line in lines[:-1]:
        exec(line, scope)
    return np.real_if_close(np.asarray(eval(lines[-1], scope)))


failures, checked = [], 0


def numpy_lines(command, expr, expected, label):
    """Runs COMMAND on EXPR with --check in text, LaTeX and NumPy: records a
    failure if one fails, the self-check is missing or the text is not
    EXPECTED (when given); returns the NumPy lines, None when one failed."""
    runs = {emit: subprocess.run([matcalc, command, "--wrt", "X", "--check", "--emit", emit, expr], capture_output=True, text=True)
            for emit in ("text", "latex", "numpy")}
    bad = [f"{emit}: exit {r.returncode}: {r.stderr.strip()}" for emit, r in runs.items() if r.returncode != 0]
    if bad:
        failures.append(f"{label}: " + "; ".join(bad))
        return None
    if "check: agrees" not in runs["text"].stderr:
        failures.append(f"{label}: no self-check: {runs['text'].stderr.strip()}")
    if expected is not None and runs["text"].stdout.strip() != expected:
        failures.append(f"{label}: prints {runs['text'].stdout.strip()!r}, expected {expected!r}")
    return runs["numpy"].stdout.strip().split("\n")

for expr, shapes, F, expected in CASES:
    label = f"grad {expr!r} --wrt X"
    lines = numpy_lines("grad", expr, expected, label)
    if lines is None:
        continue
    for trial in range(3):
        values = {name: sample(n) for name, sample in shapes.items()}
        got = run_numpy(lines, values)
        want = gradient_fd(lambda v: float(np.real(F(v))), values, "X")
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            failures.append(f"{label}: NumPy result differs from finite differences by "
                            f"{np.abs(got - want).max() if got.shape == want.shape else got.shape}")
            break
        checked += 1

# Jacobians (vec stacks columns) through the Kronecker forms kexpm, klogm,
# ksqrtm, and a Hessian: the NumPy array against finite differences.
JACOBIANS = [
    ("jacobian", "expm(X)", {"X": any_matrix}, lambda v: sl.expm(v["X"]), "kexpm(X)"),
    ("jacobian", "logm(X)", {"X": stable}, lambda v: sl.logm(v["X"]), "klogm(X)"),
    ("jacobian", "sqrtm(X)", {"X": stable}, lambda v: sl.sqrtm(v["X"]), "ksqrtm(X)"),
    ("jacobian", "expm(A*X)", {"A": any_matrix, "X": any_matrix}, lambda v: sl.expm(v["A"] @ v["X"]), "kexpm(A*X)*kron(I, A)"),
    ("hessian", "tr(expm(X))", {"X": any_matrix}, lambda v: sl.expm(v["X"]).T, "commutation(X)*kexpm(X)"),  # F: the gradient
]
vec = lambda M: np.asarray(M, dtype=float).reshape(-1, 1, order="F")


def jacobian_fd(F, values, h=1e-6):
    x = values["X"]
    columns = []
    for j in range(x.size):
        step = np.zeros(x.size)
        step[j] = h
        plus, minus = dict(values), dict(values)
        plus["X"] = x + step.reshape(x.shape, order="F")
        minus["X"] = x - step.reshape(x.shape, order="F")
        columns.append((vec(np.real(F(plus))) - vec(np.real(F(minus)))) / (2 * h))
    return np.hstack(columns)


for command, expr, shapes, F, expected in JACOBIANS:
    label = f"{command} {expr!r} --wrt X"
    text = subprocess.run([matcalc, command, "--wrt", "X", "--check", expr], capture_output=True, text=True)
    code = subprocess.run([matcalc, command, "--wrt", "X", "--emit", "numpy", expr], capture_output=True, text=True)
    if text.returncode or code.returncode:
        failures.append(f"{label}: exit {text.returncode}/{code.returncode}: {text.stderr.strip()} {code.stderr.strip()}")
        continue
    if text.stdout.strip() != expected:
        failures.append(f"{label}: prints {text.stdout.strip()!r}, expected {expected!r}")
    lines = code.stdout.strip().split("\n")
    for trial in range(2):
        values = {name: sample(n) for name, sample in shapes.items()}
        got = run_numpy(lines, values)
        want = jacobian_fd(F, values)
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            failures.append(f"{label}: NumPy result differs from finite differences")
            break
        checked += 1
CASES += JACOBIANS

# Hessians whose gradient keeps a Fréchet derivative in X: through the second
# Fréchet derivatives d2expm, d2logm, d2sqrtm and their Kronecker forms, against
# central second differences of f itself (vec stacks columns).
HESSIANS = [
    ("tr(C*logm(X))", {"C": any_matrix, "X": stable}, lambda v: np.trace(v["C"] @ sl.logm(v["X"])), "commutation(X)*k2logm(X, C)"),
    ("<C, expm(X)>", {"C": any_matrix, "X": any_matrix}, lambda v: np.sum(v["C"] * sl.expm(v["X"])), "k2expm(X', C)*commutation(X)"),
    ("tr(C*sqrtm(X))", {"C": any_matrix, "X": stable}, lambda v: np.trace(v["C"] @ sl.sqrtm(v["X"])), "commutation(X)*k2sqrtm(X, C)"),
    ("<C, expm(A*X)>", {"C": any_matrix, "A": any_matrix, "X": any_matrix},
     lambda v: np.sum(v["C"] * sl.expm(v["A"] @ v["X"])), "kron(I, A')*k2expm(X'*A', C)*kron(A, I)*commutation(X)"),
    ("norm2(sqrtm(X) - B)^2", {"X": stable, "B": any_matrix}, lambda v: np.sum((sl.sqrtm(v["X"]) - v["B"]) ** 2), None),
]


def hessian_fd(F, values, h=1e-4):
    x = values["X"]
    m = x.size
    at = lambda step: float(np.real(F({**values, "X": x + step.reshape(x.shape, order="F")})))
    unit = np.eye(m) * h
    H = np.zeros((m, m))
    for i in range(m):
        for j in range(i, m):
            H[i, j] = H[j, i] = (at(unit[i] + unit[j]) - at(unit[i] - unit[j]) - at(unit[j] - unit[i]) + at(-unit[i] - unit[j])) / (4 * h * h)
    return H


for expr, shapes, F, expected in HESSIANS:
    label = f"hessian {expr!r} --wrt X"
    lines = numpy_lines("hessian", expr, expected, label)
    if lines is None:
        continue
    for trial in range(2):
        values = {name: sample(3) for name, sample in shapes.items()}
        got = run_numpy(lines, values)
        want = hessian_fd(F, values)
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-5):
            failures.append(f"{label}: NumPy result differs from second differences by "
                            f"{np.abs(got - want).max() if got.shape == want.shape else got.shape}")
            break
        checked += 1
CASES += HESSIANS

for f in failures:
    print("FAIL:", f)
print(f"{len(CASES) - len({f.split(':')[0] for f in failures})} of {len(CASES)} matrix-function and power examples "
      f"(gradients, Jacobians, Hessians): text, LaTeX and NumPy (SciPy) agree with finite differences ({checked} evaluations)")
sys.exit(1 if failures else 0)
