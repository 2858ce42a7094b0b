"""Random well-shaped expressions, differentiated through `matcalc batch` and checked
against NumPy: a search for wrong and refused derivatives that libFuzzer's byte
mutations rarely reach.

Each expression is built from a small grammar over typed shapes (n×n, n×m, m×n,
m×m, vectors and scalars), written twice: in matcalc's syntax and in NumPy. Its
gradient, Hessian or Jacobian (as the shape allows), or its simplified form, is
asked for with --emit numpy; the emitted lines are run on random values and
compared with central finite differences of the generator's own NumPy form
(with its value, for a simplification), an oracle that shares nothing with
matcalc. A job fails the test when matcalc answers and the
answer disagrees (a wrong derivative), when it refuses the input as failing its
own numeric check or with an internal error (a refused right answer), or when
the batch process dies. Points where the NumPy form is undefined or the finite
differences are unstable are skipped and counted; too few checked points fail
the test too.

usage: random_derivatives.py MATCALC [JOBS [SEED [DEPTH]]]   (default 2000 jobs, seed 1, depth 4;
long runs: docs/fuzzing.md)"""
import contextlib
import io
import json
import re
import subprocess
import sys
import warnings

import numpy as np
import scipy.linalg
import scipy.special

try:  # --emit torch is compared with the checked --emit numpy where PyTorch is installed
    import torch
except ImportError:
    torch = None

matcalc = sys.argv[1]
jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
max_depth = int(sys.argv[4]) if len(sys.argv) > 4 else 4  # of the grammar's nesting
rng = np.random.default_rng(seed)
N, M = 3, 2  # the sizes NumPy gives the dimensions n and m

# Each variable's shape, as dimensions; matcalc infers the same from its use.
VARIABLES = {
    "X": ("n", "n"), "A": ("n", "n"), "B": ("n", "n"), "P": ("n", "m"), "Q": ("m", "n"), "C": ("m", "m"),
    "x": ("n", "1"), "y": ("n", "1"), "z": ("m", "1"), "alpha": ("1", "1"), "beta": ("1", "1"),
}
DIMS = ("n", "m")


class Expr:
    """An expression as matcalc text and NumPy text (every value a 2-D array)."""

    def __init__(self, text, numpy, shape, names):
        self.text, self.numpy, self.shape, self.names = text, numpy, shape, names


def pick(options):
    """One of (weight, thunk) by weight; a thunk returns None when it does not apply."""
    while True:
        weights = np.array([w for w, _ in options], dtype=float)
        choice = options[rng.choice(len(options), p=weights / weights.sum())][1]()
        if choice is not None:
            return choice


def leaf(shape):
    names = [v for v, s in VARIABLES.items() if s == shape]
    r, c = shape
    options = []
    if names:
        options.append((4, lambda: var(names[rng.integers(len(names))])))
    if shape == ("1", "1"):
        options.append((1, lambda: Expr(str(k := int(rng.integers(1, 4))), f"np.array([[{k}.0]])", shape, set())))
    if r == c and r != "1":
        options.append((0.5, lambda: Expr("I", f"np.eye({size(r)})", shape, set())))
    transposed = [v for v, s in VARIABLES.items() if s == (c, r) and c != r]
    if transposed:
        options.append((2, lambda: transpose(var(transposed[rng.integers(len(transposed))]))))
    if not options:  # a shape no variable has (m×1 has z, so only products reach here)
        return product(shape, 0)
    return pick(options)


def size(d):
    return {"n": N, "m": M, "1": 1}[d]


def var(name):
    return Expr(name, f"v[{name!r}]", VARIABLES[name], {name})


def wrap(e):
    """e, parenthesised where it is not an atom (the grammar never relies on precedence)."""
    t = e.text
    if t.isalnum():
        return t
    if re.match(r"[A-Za-z][A-Za-z0-9]*\(", t):  # a call f(...), if its parenthesis closes at the end
        depth = 0
        for i, ch in enumerate(t):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and ch == ")":
                return t if i == len(t) - 1 else f"({t})"
    return f"({t})"


def transpose(e):
    return Expr(f"{wrap(e)}'", f"({e.numpy}).T", (e.shape[1], e.shape[0]), e.names)


def binary(a, b, op, np_op, shape):
    return Expr(f"{wrap(a)} {op} {wrap(b)}", f"({a.numpy}) {np_op} ({b.numpy})", shape, a.names | b.names)


def call(f, e, np_f, shape=None):
    """f(e), of e's shape unless `shape` says otherwise."""
    return Expr(f"{f}({e.text})", np_f.format(e.numpy), shape or e.shape, e.names)


def product(shape, depth):
    r, c = shape
    k = ("1",) + DIMS
    inner = k[rng.integers(len(k))]
    if r == "1" and c == "1" and inner == "1":
        inner = DIMS[rng.integers(2)]
    return binary(gen((r, inner), depth + 1), gen((inner, c), depth + 1), "*", "@", shape)


ELEMENTWISE = [  # name, NumPy form; defined everywhere
    ("tanh", "np.tanh({})"), ("sigmoid", "scipy.special.expit({})"), ("sin", "np.sin({})"), ("cos", "np.cos({})"),
    ("exp", "guard(np.exp({}))"), ("sinh", "guard(np.sinh({}))"), ("cosh", "guard(np.cosh({}))"),
]


def gen(shape, depth=0):
    r, c = shape
    if depth >= max_depth or rng.random() < 0.6 * depth / max_depth:
        return leaf(shape)
    d = depth + 1
    square = r == c and r != "1"
    scalar = shape == ("1", "1")
    g = lambda s=shape: gen(s, d)
    options = [
        (3, lambda: binary(g(), g(), "+", "+", shape)),
        (2, lambda: binary(g(), g(), "-", "-", shape)),
        (4, lambda: product(shape, depth)),
        (2, lambda: binary(g(("1", "1")), g(), "*", "*", shape) if not scalar else None),
        (1, lambda: transpose(gen((c, r), d))),
        (2, lambda: binary(g(), g(), ".*", "*", shape) if not scalar else None),
        (3, lambda: elementwise(g())),
        (1, lambda: Expr(f"log(1 + {wrap(e := g())}.^2)", f"np.log(1 + ({e.numpy})**2)", shape, e.names)),
        (1, lambda: Expr(f"sqrt(1 + {wrap(e := g())}.^2)", f"np.sqrt(1 + ({e.numpy})**2)", shape, e.names)),
        (1, lambda: Expr(f"{wrap(a := g())} ./ (1 + {wrap(b := g())}.^2)", f"({a.numpy}) / (1 + ({b.numpy})**2)", shape,
                         a.names | b.names)),
        (0.5, lambda: call("relu", g(), "np.maximum({}, 0)")),
        (0.5, lambda: call("abs", g(), "np.abs({})")),
        (0.5, lambda: call("log", call("sigmoid", g(), "scipy.special.expit({})"), "np.log({})")),
        (1, lambda: Expr(f"(1 + {wrap(e := g())}.^2).^{(k := rng.choice(['3', '(-1)', '0.5', '(-1.5)']))}",
                         f"(1 + ({e.numpy})**2)**{k}", shape, e.names)),
    ]
    if square:
        options += [
            (2, lambda: call("inv", g(), "guard(np.linalg.inv({}))")),
            (1, lambda: Expr(f"{wrap(e := g())}^{(k := int(rng.choice([2, 3, -1, -2])))}",
                             f"guard(np.linalg.matrix_power({e.numpy}, {k}))", shape, e.names)),
            (1, lambda: call("expm", binary(Expr("0.5", "0.5", ("1", "1"), set()), g(), "*", "*", shape),
                             "guard(scipy.linalg.expm({}))")),
            (1, lambda: call("diag", gen((r, "1"), d), "np.diagflat({})", shape)),
            (0.5, lambda: call("sqrtm", var(spd_name(r)), "np.real(scipy.linalg.sqrtm({}))") if spd_name(r) else None),
            (0.5, lambda: call("logm", var(spd_name(r)), "np.real(scipy.linalg.logm({}))") if spd_name(r) else None),
            (0.5, lambda: spd_function(r, d) if spd_name(r) else None),
        ]
    if c == "1" and r != "1":
        options += [
            (1, lambda: call("softmax", g(), "softmax({})")),
            (1, lambda: call("diag", gen((r, r), d), "np.diag({}).reshape(-1, 1)", shape)),
        ]
    if scalar:
        sq = lambda: gen((DIMS[rng.integers(2)],) * 2, d)
        anyshape = lambda: gen((DIMS[rng.integers(2)], (DIMS + ("1",))[rng.integers(3)]), d)
        options += [
            (3, lambda: call("tr", sq(), "np.trace({}).reshape(1, 1)", shape)),
            (1, lambda: call("det", sq(), "np.linalg.det({}).reshape(1, 1)", shape)),
            (1, lambda: call("logdet", sq(), "logdet({}).reshape(1, 1)", shape)),
            (2, lambda: call("sum", anyshape(), "np.sum({}).reshape(1, 1)", shape)),
            (2, lambda: Expr(f"norm2({(e := anyshape()).text})^2", f"(np.linalg.norm({e.numpy})**2).reshape(1, 1)",
                             shape, e.names)),
            (1, lambda: call("logsumexp", anyshape(), "scipy.special.logsumexp({}).reshape(1, 1)", shape)),
            (1, lambda: inner_product(anyshape())),
            (0.5, lambda: Expr(f"vec({(a := anyshape()).text})'*vec({(b := gen(a.shape, 3)).text})",
                               f"(({a.numpy}).reshape(-1, 1, order='F').T @ ({b.numpy}).reshape(-1, 1, order='F'))", shape,
                               a.names | b.names)),
            (0.5, lambda: call("norm2", anyshape(), "np.linalg.norm({}).reshape(1, 1)", shape)),
            (0.3, lambda: call("norm1", anyshape(), "np.sum(np.abs({})).reshape(1, 1)", shape)),
            (0.5, lambda: call("tr", kron(sq(), sq()), "np.trace({}).reshape(1, 1)", shape)),
            (0.5, lambda: call("sum", kron(anyshape(), anyshape()), "np.sum({}).reshape(1, 1)", shape)),
            (0.5, lambda: Expr(f"norm2({(e := kron(anyshape(), anyshape())).text})^2",
                               f"(np.linalg.norm({e.numpy})**2).reshape(1, 1)", shape, e.names)),
            (0.5, lambda: Expr(f"(1 + {wrap(a := g())}^2)^{(k := rng.choice(['0.5', '(-1)', '(-1.5)']))}",
                               f"(1 + ({a.numpy})**2)**{k}", shape, a.names)),
            (1, lambda: Expr(f"{wrap(a := g())}^{(k := int(rng.choice([2, 3])))}", f"({a.numpy})**{k}", shape, a.names)),
            (1, lambda: Expr(f"{wrap(a := g())} / (1 + {wrap(b := g())}^2)", f"({a.numpy}) / (1 + ({b.numpy})**2)", shape,
                             a.names | b.names)),
        ]
    return pick(options)


def spd_name(d):
    return {"n": "A", "m": "C"}.get(d)  # drawn symmetric positive definite below


def spd_function(r, d):
    """sqrtm or logm of A + a*a' (symmetric positive definite: A is, a*a' is semidefinite)."""
    a = gen((r, (DIMS + ("1",))[rng.integers(3)]), d)
    f = ("sqrtm", "logm")[rng.integers(2)]
    text, numpy = f"{spd_name(r)} + {wrap(a)}*{wrap(a)}'", f"v[{spd_name(r)!r}] + ({a.numpy}) @ ({a.numpy}).T"
    return Expr(f"{f}({text})", f"np.real(scipy.linalg.{f}({numpy}))", (r, r), a.names | {spd_name(r)})


def elementwise(e):
    name, form = ELEMENTWISE[rng.integers(len(ELEMENTWISE))]
    return call(name, e, form)


def kron(a, b):
    """kron(a, b): its shape is outside the grammar's, so it only appears under a scalar function."""
    return Expr(f"kron({a.text}, {b.text})", f"np.kron({a.numpy}, {b.numpy})", None, a.names | b.names)


def inner_product(a):
    b = gen(a.shape, 3)
    return Expr(f"<{a.text}, {b.text}>", f"np.sum(({a.numpy}) * ({b.numpy})).reshape(1, 1)", ("1", "1"), a.names | b.names)


def nonsingular(a):
    """a, refused when nearly singular: an inverse there is rounding, and so is log det (log of ~1e-17)."""
    if np.linalg.cond(a) > 1e10:
        raise np.linalg.LinAlgError("nearly singular")
    return a


def conditioned_inv(a, _inv=np.linalg.inv):
    """np.linalg.inv of a nonsingular matrix only: an answer that assumes invertible
    (as d det(X) = det(X)*tr(inv(X)*d(X)) does) says nothing elsewhere."""
    return _inv(nonsingular(a))


np.linalg.inv = conditioned_inv


def logdet(a):
    return np.log(np.linalg.det(nonsingular(a)))


def guard(value):
    """A value that grows fast (exp, sinh, inv …), refused when large: sin(sinh(40)) keeps
    no digit of a step of 1e-3, and its finite differences would read 0."""
    if np.any(np.abs(value) > 1e6):
        raise OverflowError("a large intermediate value")
    return value


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def values(spd_all):
    """Random values; A and C symmetric positive definite, every square one where logdet presupposes it."""
    v = {}
    for name, (r, c) in VARIABLES.items():
        shape = (size(r), size(c))
        if name in ("A", "C") or spd_all and r == c != "1":
            G = rng.standard_normal(shape)
            v[name] = G @ G.T / shape[0] + np.eye(shape[0])  # sqrtm and logm of A and C need no eigenvalue <= 0
        elif r == c and r != "1":
            v[name] = np.eye(shape[0]) * 1.5 + 0.4 * rng.standard_normal(shape)
        else:
            v[name] = rng.uniform(-1, 1, shape)
    return v


def quietly():
    """NumPy's and SciPy's warnings and prints (logm's accuracy notes) silenced."""
    stack = contextlib.ExitStack()
    stack.enter_context(warnings.catch_warnings())
    stack.enter_context(np.errstate(all="ignore"))
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    warnings.simplefilter("ignore")
    return stack


def evaluate(numpy_text, v):
    with quietly():
        try:
            value = eval(numpy_text, {"np": np, "scipy": scipy, "softmax": softmax, "logdet": logdet, "guard": guard, "v": v})
        except (np.linalg.LinAlgError, ValueError, OverflowError):
            return None
    value = np.asarray(value, dtype=float)
    return value if np.all(np.isfinite(value)) else None


def run_emitted(code, v):
    scope = {"np": np, "scipy": scipy, **v}
    lines = code.strip().split("\n")
    with quietly():
        for line in lines[:-1]:
            exec(line, scope)
        return np.asarray(eval(lines[-1], scope), dtype=float)


vec = lambda a: a.reshape(-1, 1, order="F")


def directional(expr, v, wrt, E, h):
    plus, minus = dict(v), dict(v)
    plus[wrt], minus[wrt] = v[wrt] + h * E, v[wrt] - h * E
    fp, fm = evaluate(expr.numpy, plus), evaluate(expr.numpy, minus)
    if fp is None or fm is None:
        return None
    return (fp - fm) / (2 * h), fp, fm


def structured(a, structure):
    """a made symmetric or diagonal, as --assume states of the variable."""
    if structure == "symmetric":
        return (a + a.T) / 2
    return np.diag(np.diag(a)) if structure == "diagonal" else a


def mixed_block(expr, v, x, y, code):
    """A Hessian's block d vec(grad_x f) / d vec(y)': vec(E)'*H*vec(F) against the mixed
    second difference of f along E (for x) and F (for y). None, 'skipped' or a message."""
    f0 = evaluate(expr.numpy, v)
    if f0 is None or np.abs(f0).max() > 1e6:
        return "skipped"
    E, F = rng.standard_normal(v[x].shape), rng.standard_normal(v[y].shape)
    scope = {"np": np, "scipy": scipy, **v}
    with quietly():
        try:
            for line in code.strip().split("\n"):
                exec(line, scope)
        except (np.linalg.LinAlgError, ValueError):
            return "skipped"
    got = np.asarray(scope[f"d_{x}_{y}"], dtype=float).reshape(E.size, F.size) if np.size(scope[f"d_{x}_{y}"]) > 1 \
        else np.asarray(scope[f"d_{x}_{y}"], dtype=float).reshape(1, 1) * np.ones((E.size, F.size))
    if not np.all(np.isfinite(got)):
        return "skipped"
    estimates = []
    for h in (1e-3, 5e-4):
        corners = []
        for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            w = dict(v)
            w[x] = v[x] + a * h * E
            w[y] = w[y] + b * h * F  # the same variable (a diagonal block) moves along both
            corners.append(evaluate(expr.numpy, w))
        if any(c is None for c in corners):
            return "skipped"
        estimates.append(((corners[0] - corners[1] - corners[2] + corners[3]) / (4 * h * h)).item())
    scale = 1 + abs(estimates[1])
    if abs(estimates[0] - estimates[1]) > 1e-4 * scale:
        return "skipped"
    value = (vec(E).T @ got @ vec(F)).item()
    if abs(value - estimates[1]) > 1e-3 * scale:
        return f"block ({x}, {y}): vec(E)'*H*vec(F) = {value:.10g}, finite differences {estimates[1]:.10g}"
    return None


def same_in_torch(torch_code, v, got):
    """None when the --emit torch lines give the (checked) NumPy lines' array at v, else a message."""
    if torch_code is None:
        return None
    scope = {"torch": torch, **{k: torch.tensor(a, dtype=torch.float64) for k, a in v.items()}}
    lines = torch_code.strip().split("\n")
    try:
        with quietly():
            for line in lines[:-1]:
                exec(line, scope)
            value = np.asarray(eval(lines[-1], scope), dtype=float)
    except Exception as e:  # the emitted code itself must run
        return f"the emitted PyTorch code raises {type(e).__name__}: {str(e)[:200]}"
    value = value.reshape(got.shape) if value.size == got.size else value
    if value.shape != got.shape:
        return f"PyTorch gives shape {value.shape}, NumPy {got.shape}"
    if not np.allclose(value, got, rtol=1e-7, atol=1e-9 * (1 + np.abs(got).max())):
        return f"PyTorch gives {np.ravel(value)[:4]}, NumPy {np.ravel(got)[:4]}"
    return None


def check(command, expr, wrt, structure, code, torch_code=None):
    """None when the answer agrees at a point, 'skipped' when no point could be checked, else a message.
    With `structure` ('symmetric' or 'diagonal'), wrt is assumed so: its value and the direction are
    (docs/symmetric-gradients.md). A Hessian by two variables (wrt a pair) is checked block by block."""
    if isinstance(wrt, tuple):
        for attempt in range(4):
            v = values("logdet" in expr.text)
            verdicts = [mixed_block(expr, v, x, y, code) for x in wrt for y in wrt]
            if "skipped" in verdicts:
                continue
            return next((m for m in verdicts if m), None)
        return "skipped"
    for attempt in range(4):
        v = values("logdet" in expr.text)
        if structure:
            v[wrt] = structured(v[wrt], structure)
        f0 = evaluate(expr.numpy, v)
        if f0 is None or np.abs(f0).max() > 1e6:
            continue  # undefined, or so large that differences lose the digits
        E = rng.standard_normal(v[wrt].shape if wrt else (1, 1))
        if structure:
            E = structured(E, structure)
        try:
            got = run_emitted(code, v)
        except np.linalg.LinAlgError:
            continue  # the answer assumed invertible (as the Cookbook's d det(X) does) what is singular here
        except ValueError as e:
            if "infs or NaNs" not in str(e):
                return f"the emitted NumPy code raises ValueError: {e}"
            continue  # SciPy given an overflowed intermediate (exp of a large expm): no digits to compare
        except Exception as e:  # the emitted code itself must run
            return f"the emitted NumPy code raises {type(e).__name__}: {e}"
        if not np.all(np.isfinite(got)):
            continue
        if got.size == 1:
            got = got.reshape(1, 1)
        if command == "simplify":  # the normal form keeps the value
            if got.shape != f0.shape:
                return f"a value of shape {got.shape}, expected {f0.shape}"
            if np.abs(got - f0).max() > 1e-8 * (1 + np.abs(f0).max()):
                return f"the simplified form's value {np.ravel(got)[:4]} differs from {np.ravel(f0)[:4]}"
            return same_in_torch(torch_code, v, got)
        if command == "hessian":
            steps = [directional(expr, v, wrt, E, h) for h in (1e-3, 5e-4)]
            if None in steps:
                continue
            second = [((fp - 2 * f0 + fm) / h**2).item() for (_, fp, fm), h in zip(steps, (1e-3, 5e-4))]
            want = second[1]
            scale = 1 + abs(want)
            if abs(second[0] - second[1]) > 1e-4 * scale:
                continue
            if got.shape != (E.size, E.size):
                return f"a Hessian of shape {got.shape}, expected {(E.size, E.size)}"
            value = (vec(E).T @ got @ vec(E)).item()
            if abs(value - want) > 1e-3 * scale:
                return f"vec(E)'*H*vec(E) = {value:.10g}, finite differences {want:.10g}"
            return same_in_torch(torch_code, v, got)
        steps = [directional(expr, v, wrt, E, h) for h in (1e-5, 1e-6)]
        if None in steps:
            continue
        (fd1, _, _), (fd2, _, _) = steps
        scale = 1 + np.abs(fd2).max()
        if np.abs(fd1 - fd2).max() > 1e-6 * scale:
            continue  # the differences are unstable here: a kink or large values
        if command == "grad":
            if got.shape != v[wrt].shape and not (got.size == 1 and v[wrt].size == 1):
                return f"a gradient of shape {got.shape}, expected {v[wrt].shape}"
            if structure and not np.allclose(got, structured(got, structure), rtol=1e-9, atol=1e-12):
                return f"the gradient within {structure} matrices is not {structure}"
            value, want = np.sum(got * E), fd2.item()
        else:
            if got.shape != (fd2.size, E.size):
                return f"a Jacobian of shape {got.shape}, expected {(fd2.size, E.size)}"
            value, want = got @ vec(E), vec(fd2)
        if np.abs(value - want).max() > 1e-5 * scale:
            return f"the derivative along a random direction is {np.ravel(value)[:4]}, finite differences {np.ravel(want)[:4]}"
        return same_in_torch(torch_code, v, got)
    return "skipped"


def make_job():
    kind = rng.random()
    if kind < 0.45:
        expr, command = gen(("1", "1")), "grad"
    elif kind < 0.65:
        expr, command = gen(("1", "1")), "hessian"
    elif kind < 0.80:
        shapes = sorted({s for s in VARIABLES.values() if s != ("1", "1")})
        expr, command = gen(shapes[rng.integers(len(shapes))]), "jacobian"
    elif kind < 0.85:  # of a matrix-valued function whose shape the grammar has not: kron, vec
        shapes = sorted(set(VARIABLES.values()))
        a, b = (gen(shapes[rng.integers(len(shapes))], 2) for _ in range(2))
        expr = kron(a, b) if rng.random() < 0.7 else call("vec", a, "({}).reshape(-1, 1, order='F')")
        command = "jacobian"
    else:
        shapes = sorted(set(VARIABLES.values()))
        expr, command = gen(shapes[rng.integers(len(shapes))]), "simplify"
    names = sorted(expr.names)
    if not names:
        return None
    if command == "hessian" and len(names) > 1 and rng.random() < 0.25:  # the blocks of two variables
        pair = rng.choice(len(names), 2, replace=False)
        return command, expr, (names[pair[0]], names[pair[1]]), None
    wrt = None if command == "simplify" else names[rng.integers(len(names))]
    square = wrt is not None and VARIABLES[wrt][0] == VARIABLES[wrt][1] != "1"
    structure = None
    if square and command in ("grad", "hessian") and rng.random() < 0.25:
        structure = "symmetric" if rng.random() < 0.8 else "diagonal"
    return command, expr, wrt, structure


cases = []
while len(cases) < jobs:
    job = make_job()
    if job is not None:
        cases.append(job)

twins = [torch is not None and not isinstance(w, tuple) and rng.random() < 0.3 for _, _, w, _ in cases]
lines = "".join(json.dumps({"command": c, "expression": e.text, "emit": emit,
                            **({"wrt": list(w) if isinstance(w, tuple) else w} if w else {}),
                            **({"assume": [f"{structure}({w})"]} if structure else {})}) + "\n"
                for (c, e, w, structure), twin in zip(cases, twins) for emit in (("numpy", "torch") if twin else ("numpy",)))
batch = subprocess.run([matcalc, "batch"], input=lines, capture_output=True, text=True, timeout=3000)
replies = iter([json.loads(line) for line in batch.stdout.splitlines()])
answers, torch_answers = [], []
for twin in twins:  # each job's NumPy answer, and its PyTorch one where asked
    answers.append(next(replies, None))
    torch_answers.append(next(replies, None) if twin else None)
failures = []
if batch.returncode not in (0, 1) or None in answers or next(replies, None) is not None:
    failures.append(f"matcalc batch exited {batch.returncode} without every answer: {batch.stderr.strip()[-300:]}")
    answers = [a for a in answers if a is not None]

counts = {"checked": 0, "skipped": 0, "declined": 0, "torch": 0}
declined, refused = {}, []
for (command, expr, wrt, structure), answer, torch_answer in zip(cases, answers, torch_answers):
    label = (f"matcalc {command} {expr.text!r}" + "".join(f" --wrt {w}" for w in (wrt if isinstance(wrt, tuple) else (wrt,)) if w)
             + (f" --assume '{structure}({wrt})'" if structure else ""))
    error = answer.get("error", "").strip()
    if not answer["ok"]:
        if answer["exit"] != 2 or "bug" in error or "internal error" in error or "numeric check" in error:
            failures.append(f"{label}: exit {answer['exit']}: {error}")
        else:
            counts["declined"] += 1
            reason = error.split(":")[1].strip() if ":" in error else error
            if "could not bring" in error or "no rule" in error:
                refused.append((label, reason))
            declined[reason] = declined.get(reason, 0) + 1
        continue
    torch_code = torch_answer["output"] if torch_answer and torch_answer["ok"] else None
    if torch_answer and not torch_answer["ok"] and "PyTorch has no" not in torch_answer.get("error", ""):
        failures.append(f"{label} --emit torch: exit {torch_answer['exit']}: {torch_answer.get('error', '').strip()}")
    verdict = check(command, expr, wrt, structure, answer["output"], torch_code)
    if verdict == "skipped":
        counts["skipped"] += 1
    elif verdict is not None:
        failures.append(f"{label}: {verdict}\n  NumPy: {expr.numpy}\n  answer: {answer['output'].strip()}")
    else:
        counts["checked"] += 1
        counts["torch"] += torch_code is not None

for f in failures:
    print("FAIL:", f)
for reason, k in sorted(declined.items(), key=lambda item: -item[1])[:8]:
    print(f"declined {k}: {reason}")
for label, reason in refused:  # right answers the rules cannot reach: not failures, but worth a rule
    print(f"no answer: {label}: {reason}")
print(f"{len(cases)} random jobs (seed {seed}): {counts['checked']} answers match NumPy "
      f"({counts['torch']} of them also in PyTorch), "
      f"{counts['skipped']} had no point where the check was defined and stable, {counts['declined']} were declined "
      f"with exit 2, {len(failures)} failures")
if counts["checked"] < len(cases) // 2:
    print(f"FAIL: fewer than half of the jobs were checked")
    sys.exit(1)
sys.exit(1 if failures else 0)
