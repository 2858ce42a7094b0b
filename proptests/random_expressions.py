"""The grammar of random well-shaped expressions that random_derivatives.py and
random_equivalences.py draw from, and the NumPy oracle's helpers: each
expression is written twice, in matcalc's syntax and in NumPy, over typed
shapes (n×n, n×m, m×n, m×m, vectors and scalars). configure(seed, depth)
seeds the one generator every function draws from."""
import contextlib
import io
import re
import warnings

import numpy as np
import scipy.linalg
import scipy.special

rng = np.random.default_rng(1)
max_depth = 4  # of the grammar's nesting
N, M = 3, 2  # the sizes NumPy gives the dimensions n and m


def configure(seed, depth):
    """Seeds the generator (the same object: importers keep it) and sets the nesting depth."""
    global max_depth
    rng.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    max_depth = depth


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


def values(spd_all, general=False):
    """Random values; A and C symmetric positive definite, every square one where logdet presupposes it.
    The other square ones are near 1.5*I (well conditioned), or with `general` at half the points any
    matrix: a value that only agrees near 1.5*I (relu of -B's diagonal is 0 there) is not an identity."""
    v = {}
    anywhere = general and rng.random() < 0.5
    for name, (r, c) in VARIABLES.items():
        shape = (size(r), size(c))
        if name in ("A", "C") or spd_all and r == c != "1":
            G = rng.standard_normal(shape)
            v[name] = G @ G.T / shape[0] + np.eye(shape[0])  # sqrtm and logm of A and C need no eigenvalue <= 0
        elif r == c and r != "1":
            v[name] = rng.standard_normal(shape) if anywhere else np.eye(shape[0]) * 1.5 + 0.4 * rng.standard_normal(shape)
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
