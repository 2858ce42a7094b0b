"""Random pairs of expressions through `matcalc equiv`, checked against NumPy: a
search for a wrong verdict ("equal" for different values, "different" for
equal ones), the worst answer equiv can give.

Each pair puts random sub-expressions a, b, c of the grammar
(random_expressions.py) into the two sides of an identity (a + b and b + a,
(a*b)' and b'*a', tr(a*b) and tr(b*a), inv(a*b) and inv(b)*inv(a),
kron(a, b)' and kron(a', b'), …) or of a near miss that is false in general
((a*b)' and a'*b', tr(a*b*c) and tr(a*c*b), …), or is a and an unrelated b
of a's shape; the sub-expressions are deep and random, so both sides must
reach one normal form through different contexts. The truth is decided by
NumPy at ten random points: values agreeing to 1e-9 at every point (at least
six) where both are defined are equal, differing by more than 1e-4 somewhere are different;
anything between is skipped (A and C are drawn spd, and assumed so). matcalc's "not proven" (exit 3) and a refusal
with exit 2 (a shape error) are never failures; "equal" where NumPy finds
a difference, "different" where NumPy finds none, an internal error or a
dead batch process are.

usage: random_equivalences.py MATCALC [PAIRS [SEED [DEPTH]]]   (default 1000 pairs, seed 1, depth 4)
MATCALC_SHOW_UNPROVEN=1 also lists the pairs NumPy finds equal that matcalc left "not proven"."""
import json
import os
import subprocess
import sys

import numpy as np

import random_expressions
from random_expressions import DIMS, Expr, VARIABLES, evaluate, gen, rng, values

# MATCALC_SHOW_UNPROVEN=1 lists the pairs NumPy finds equal that matcalc left
# "not proven": where the normal form is not yet canonical.
show_unproven = os.environ.get("MATCALC_SHOW_UNPROVEN") == "1"
matcalc = sys.argv[1]
pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
random_expressions.configure(seed, int(sys.argv[4]) if len(sys.argv) > 4 else 4)
# Larger than the derivative search's 3 and 2: a 2×2 matrix with a zero diagonal squares to a
# multiple of I and commutes with everything, and NumPy would call such a near miss equal.
random_expressions.N, random_expressions.M = 4, 3

SHAPES = sorted(set(VARIABLES.values()))


def any_shape():
    return SHAPES[rng.integers(len(SHAPES))]


def square():
    d = DIMS[rng.integers(2)]
    return (d, d)


def e(text, numpy, *parts):
    names = set().union(*(p.names for p in parts))
    return Expr(text, numpy, None, names)


def identity():
    """(left, right, whether they are equal in general)."""
    s = any_shape()
    a, b = gen(s, 1), gen(s, 1)
    r, c = s
    k = (r, c)
    sq = square()
    p, q = gen(sq, 1), gen(sq, 1)
    t = gen((c, DIMS[rng.integers(2)]), 1)  # a*t is defined
    templates = [
        (True, f"({a.text}) + ({b.text})", f"({b.text}) + ({a.text})", f"({a.numpy}) + ({b.numpy})", f"({b.numpy}) + ({a.numpy})", (a, b)),
        (True, f"(({a.text})*({t.text}))'", f"({t.text})'*({a.text})'", f"(({a.numpy}) @ ({t.numpy})).T",
         f"({t.numpy}).T @ ({a.numpy}).T", (a, t)),
        (False, f"(({p.text})*({q.text}))'", f"({p.text})'*({q.text})'", f"(({p.numpy}) @ ({q.numpy})).T",
         f"({p.numpy}).T @ ({q.numpy}).T", (p, q)),
        (True, f"tr(({a.text})*({a.text})'*({b.text}))" if k[0] == k[1] else f"tr(({a.text})'*({b.text}))",
         f"tr(({b.text})*({a.text})*({a.text})')" if k[0] == k[1] else f"tr(({b.text})*({a.text})')",
         f"np.trace(({a.numpy}) @ ({a.numpy}).T @ ({b.numpy})).reshape(1, 1)" if k[0] == k[1] else
         f"np.trace(({a.numpy}).T @ ({b.numpy})).reshape(1, 1)",
         f"np.trace(({b.numpy}) @ ({a.numpy}) @ ({a.numpy}).T).reshape(1, 1)" if k[0] == k[1] else
         f"np.trace(({b.numpy}) @ ({a.numpy}).T).reshape(1, 1)", (a, b)),
        (False, f"tr(({p.text})*({q.text})*({p.text})*({p.text}))", f"tr(({p.text})*({p.text})*({q.text})*({q.text}))",
         f"np.trace(({p.numpy}) @ ({q.numpy}) @ ({p.numpy}) @ ({p.numpy})).reshape(1, 1)",
         f"np.trace(({p.numpy}) @ ({p.numpy}) @ ({q.numpy}) @ ({q.numpy})).reshape(1, 1)", (p, q)),
        (True, f"inv(({p.text})*({q.text}))", f"inv({q.text})*inv({p.text})", f"np.linalg.inv(({p.numpy}) @ ({q.numpy}))",
         f"np.linalg.inv({q.numpy}) @ np.linalg.inv({p.numpy})", (p, q)),
        (True, f"({a.text}) .* ({b.text})", f"({b.text}) .* ({a.text})", f"({a.numpy}) * ({b.numpy})", f"({b.numpy}) * ({a.numpy})",
         (a, b)),
        (True, f"2*(({a.text}) - ({b.text}))", f"({a.text}) + ({a.text}) - 2*({b.text})", f"2 * (({a.numpy}) - ({b.numpy}))",
         f"({a.numpy}) + ({a.numpy}) - 2 * ({b.numpy})", (a, b)),
        (True, f"kron({a.text}, {p.text})'", f"kron(({a.text})', ({p.text})')", f"np.kron({a.numpy}, {p.numpy}).T",
         f"np.kron(({a.numpy}).T, ({p.numpy}).T)", (a, p)),
        (True, f"sum(kron({a.text}, {b.text}))", f"sum({a.text})*sum({b.text})", f"np.sum(np.kron({a.numpy}, {b.numpy})).reshape(1, 1)",
         f"(np.sum({a.numpy}) * np.sum({b.numpy})).reshape(1, 1)", (a, b)),
        (True, f"<{a.text}, {b.text}>", f"tr(({b.text})'*({a.text}))", f"np.sum(({a.numpy}) * ({b.numpy})).reshape(1, 1)",
         f"np.trace(({b.numpy}).T @ ({a.numpy})).reshape(1, 1)", (a, b)),
        (False, f"<{a.text}, {b.text}>", f"<{a.text}, {a.text}>", f"np.sum(({a.numpy}) * ({b.numpy})).reshape(1, 1)",
         f"np.sum(({a.numpy}) * ({a.numpy})).reshape(1, 1)", (a, b)),
        (True, f"det(({p.text})*({q.text}))", f"det({q.text})*det({p.text})",
         f"np.linalg.det(({p.numpy}) @ ({q.numpy})).reshape(1, 1)", f"(np.linalg.det({q.numpy}) * np.linalg.det({p.numpy})).reshape(1, 1)",
         (p, q)),
        (True, f"({p.text})^3", f"({p.text})*({p.text})*({p.text})", f"np.linalg.matrix_power({p.numpy}, 3)",
         f"({p.numpy}) @ ({p.numpy}) @ ({p.numpy})", (p,)),
        (False, f"({p.text})*({q.text})", f"({q.text})*({p.text})", f"({p.numpy}) @ ({q.numpy})", f"({q.numpy}) @ ({p.numpy})", (p, q)),
        (False, f"{a.text}", f"{b.text}", a.numpy, b.numpy, (a, b)),
    ]
    equal, lt, rt, ln, rn, parts = templates[rng.integers(len(templates))]
    return e(lt, ln, *parts), e(rt, rn, *parts)


def structured_pair():
    """A pair about X assumed symmetric or diagonal: (left, right, structure), equal under it or a near miss."""
    structure = "symmetric" if rng.random() < 0.7 else "diagonal"
    X = Expr("X", "v['X']", ("n", "n"), {"X"})
    n = random_expressions.N
    p = gen(("n", "n"), 1)
    templates = [  # (text, text, numpy, numpy)
        (f"(({p.text})*X)'", f"X*({p.text})'", f"(({p.numpy}) @ v['X']).T", f"v['X'] @ ({p.numpy}).T"),
        ("X .* I", "X", f"v['X'] * np.eye({n})", "v['X']"),
        (f"X*({p.text})", f"({p.text})*X", f"v['X'] @ ({p.numpy})", f"({p.numpy}) @ v['X']"),
        (f"tr(X*({p.text}))", f"tr(X*({p.text})')", f"np.trace(v['X'] @ ({p.numpy})).reshape(1, 1)",
         f"np.trace(v['X'] @ ({p.numpy}).T).reshape(1, 1)"),
        (f"inv(X + ({p.text})*({p.text})' + 4*I)'", f"inv(X + ({p.text})*({p.text})' + 4*I)",
         f"np.linalg.inv(v['X'] + ({p.numpy}) @ ({p.numpy}).T + 4 * np.eye({n})).T",
         f"np.linalg.inv(v['X'] + ({p.numpy}) @ ({p.numpy}).T + 4 * np.eye({n}))"),
    ]
    lt, rt, ln, rn = templates[rng.integers(len(templates))]
    return e(lt, ln, X, p), e(rt, rn, X, p), structure


def numerically(left, right, structure=None):
    """'equal', 'different' or None (undecided) from the NumPy forms at random points; X as `structure` says."""
    defined, worst = 0, 0.0
    for _ in range(10):  # a 2×2 spd C has a negative off-diagonal entry at one point in two: C*abs(C) = abs(C)*C only there
        v = values(False, general=True)
        if structure == "symmetric":
            v["X"] = (v["X"] + v["X"].T) / 2
        elif structure == "diagonal":
            v["X"] = np.diag(np.diag(v["X"]))
        x, y = evaluate(left.numpy, v), evaluate(right.numpy, v)
        if x is None or y is None or np.abs(x).max() > 1e8 or np.abs(y).max() > 1e8:
            continue
        if x.shape != y.shape:
            return None
        if max(np.abs(x).max(), np.abs(y).max()) < 1e-6:
            continue  # both zero (relu of a negative) or rounding noise (det of a rank-deficient p*q): says nothing
        error = np.abs(x - y) / (1 + np.maximum(np.abs(x), np.abs(y)))
        if error.max() > 1e-9:
            # Rounding noise, as matcalc's own checks tell it: the values moved by
            # 1e-13 relative move the sides by more than a tenth of their difference.
            near = {k: w * (1 + 1e-13 * rng.uniform(-1, 1, np.shape(w))) for k, w in v.items()}
            nx, ny = evaluate(left.numpy, near), evaluate(right.numpy, near)
            if nx is None or ny is None or np.all(np.abs(nx - x) + np.abs(ny - y) > 0.1 * np.abs(x - y), where=error > 1e-9):
                continue
        defined += 1
        worst = max(worst, error.max())
    if defined == 0:
        return None
    if worst > 1e-4:
        return "different"
    return "equal" if worst < 1e-9 and defined >= 6 else None


cases = [structured_pair() if rng.random() < 0.15 else (*identity(), None) for _ in range(pairs)]
# A and C are drawn symmetric positive definite (sqrtm and logm of them are defined): said so.
lines = "".join(json.dumps({"command": "equiv", "expressions": [l.text, r.text],
                            "assume": [f"spd({v})" for v in ("A", "C") if v in l.names | r.names]
                            + ([f"{structure}(X)"] if structure else [])}) + "\n" for l, r, structure in cases)
batch = subprocess.run([matcalc, "batch"], input=lines, capture_output=True, text=True, timeout=3000)
answers = [json.loads(line) for line in batch.stdout.splitlines()]
failures = []
if batch.returncode not in (0, 1) or len(answers) != len(cases):
    failures.append(f"matcalc batch exited {batch.returncode} after {len(answers)} of {len(cases)} pairs: {batch.stderr.strip()[-300:]}")

counts = {"equal": 0, "different": 0, "not proven": 0, "declined": 0, "undecided": 0}
for (left, right, structure), answer in zip(cases, answers):
    label = f"matcalc equiv {left.text!r} {right.text!r}" + (f" --assume '{structure}(X)'" if structure else "")
    error = answer.get("error", "").strip()
    if answer["exit"] == 2 or (not answer["ok"] and answer["exit"] not in (1, 3)):
        if answer["exit"] != 2 or "bug" in error or "internal error" in error:
            failures.append(f"{label}: exit {answer['exit']}: {error}")
        counts["declined"] += 1
        continue
    verdict = "equal" if answer["exit"] == 0 else "different" if answer["exit"] == 1 else "not proven"
    truth = numerically(left, right, structure)
    if truth is None:
        counts["undecided"] += 1
        continue
    counts[verdict] += 1
    if verdict == "not proven" and truth == "equal" and show_unproven:
        print(f"not proven, NumPy equal: {label}")
    if verdict != "not proven" and verdict != truth:
        failures.append(f"{label}: matcalc says {verdict}, NumPy {truth}: {answer['output'].strip()[:300]}\n"
                        f"  NumPy: {left.numpy}  vs  {right.numpy}")

for f in failures:
    print("FAIL:", f)
print(f"{len(cases)} random pairs (seed {seed}): {counts['equal']} equal and {counts['different']} different as NumPy finds, "
      f"{counts['not proven']} not proven, {counts['undecided']} undecided by NumPy, {counts['declined']} declined with exit 2, "
      f"{len(failures)} failures")
if counts["equal"] + counts["different"] < len(cases) // 2:
    print("FAIL: fewer than half of the pairs were decided")
    sys.exit(1)
sys.exit(1 if failures else 0)
