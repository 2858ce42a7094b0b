"""Random well-shaped expressions, differentiated through `matcalc batch` and checked
against NumPy: a search for wrong and refused derivatives that libFuzzer's byte
mutations rarely reach.

Each expression is built from a small grammar over typed shapes (n×n, n×m, m×n,
m×m, vectors and scalars; random_expressions.py), written twice: in matcalc's
syntax and in NumPy. Its
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
import json
import subprocess
import sys

import numpy as np

import random_expressions
from random_expressions import (VARIABLES, call, evaluate, gen, kron, quietly, rng, run_emitted, scipy, values)

try:  # --emit torch is compared with the checked --emit numpy where PyTorch is installed
    import torch
except ImportError:
    torch = None

matcalc = sys.argv[1]
jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
random_expressions.configure(seed, int(sys.argv[4]) if len(sys.argv) > 4 else 4)
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


def at_kink(code, v, got):
    """Whether the emitted answer jumps when the values move by 1e-6 relative: sign or step
    of an argument that is exactly 0 here (abs(norm2(C' - C)^2) at a symmetric C, whose
    argument grows as the square of the move), where the answer is one of the one-sided
    derivatives and finite differences may see another."""
    w = {k: a * (1 + 1e-6 * rng.uniform(-1, 1, np.shape(a))) for k, a in v.items()}
    try:
        near = run_emitted(code, w)
    except Exception:
        return True
    near = np.asarray(near, dtype=float).reshape(got.shape) if np.size(near) == got.size else None
    return near is None or np.abs(near - got).max() > 1e-3 * (1 + np.abs(got).max())


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
                if at_kink(code, v, got):
                    continue
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
            if at_kink(code, v, got):
                continue
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
    print("FAIL: fewer than half of the jobs were checked")
    sys.exit(1)
sys.exit(1 if failures else 0)
