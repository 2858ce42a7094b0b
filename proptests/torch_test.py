"""--emit torch against torch.autograd: each worked example's printed PyTorch
lines are executed on random float64 tensors, and the result must equal what
torch.autograd computes from the function written here in PyTorch (vec stacks
columns). Skipped (exit 77) where PyTorch is not installed (Debian:
python3-torch).  usage: torch_test.py MATCALC"""
import subprocess
import sys

try:
    import torch
except ImportError:
    print("skipped: PyTorch is not installed (Debian: python3-torch)")
    sys.exit(77)

matcalc = sys.argv[1]
torch.manual_seed(20261203)
n, m, p = 4, 3, 2


def spd(k):
    M = torch.randn(k, k, dtype=torch.float64)
    return M @ M.T + k * torch.eye(k, dtype=torch.float64)


def vec(M):
    return M.T.reshape(-1, 1)


# (command, expression, variable, shapes, F in PyTorch). Shapes: a tuple, or
# "spd" for a symmetric positive definite n×n matrix.
CASES = [
    # The slides' worked examples and the commonest losses.
    ("grad", "x'*A*x", "x", {"x": (n, 1), "A": (n, n)}, lambda v: v["x"].T @ v["A"] @ v["x"]),
    ("grad", "log(det(X)) + tr(inv(X)*S)", "X", {"X": "spd", "S": "spd"},
     lambda v: torch.logdet(v["X"]) + torch.trace(torch.linalg.inv(v["X"]) @ v["S"])),
    ("grad", "norm2(A*x - b)^2", "x", {"A": (m, n), "x": (n, 1), "b": (m, 1)},
     lambda v: torch.sum((v["A"] @ v["x"] - v["b"]) ** 2)),
    ("grad", "tr(A*X*B)", "X", {"A": (p, n), "X": (n, m), "B": (m, p)}, lambda v: torch.trace(v["A"] @ v["X"] @ v["B"])),
    ("grad", "-y'*log(softmax(W*x))", "W", {"y": (m, 1), "W": (m, n), "x": (n, 1)},
     lambda v: -v["y"].T @ torch.log_softmax(v["W"] @ v["x"], dim=0)),
    ("grad", "y'*log(sigmoid(X*w)) + (1 - y)'*log(1 - sigmoid(X*w))", "w", {"X": (n, m), "y": (n, 1), "w": (m, 1)},
     lambda v: v["y"].T @ torch.log(torch.sigmoid(v["X"] @ v["w"]))
     + (1 - v["y"]).T @ torch.log(1 - torch.sigmoid(v["X"] @ v["w"]))),
    ("grad", "norm2(W3*tanh(W2*tanh(W1*x)) - y)^2", "W1",
     {"W3": (p, m), "W2": (m, m), "W1": (m, n), "x": (n, 1), "y": (p, 1)},
     lambda v: torch.sum((v["W3"] @ torch.tanh(v["W2"] @ torch.tanh(v["W1"] @ v["x"])) - v["y"]) ** 2)),
    ("grad", "sum(relu(W*x))", "W", {"W": (m, n), "x": (n, 1)}, lambda v: torch.sum(torch.relu(v["W"] @ v["x"]))),
    ("grad", "log(sum(exp(x)))", "x", {"x": (n, 1)}, lambda v: torch.logsumexp(v["x"], dim=(0, 1))),
    ("grad", "tr(X^3)", "X", {"X": (n, n)}, lambda v: torch.trace(torch.linalg.matrix_power(v["X"], 3))),
    ("grad", "a'*inv(X)*b", "X", {"a": (n, 1), "X": "spd", "b": (n, 1)}, lambda v: v["a"].T @ torch.linalg.inv(v["X"]) @ v["b"]),
    ("grad", "det(X)", "X", {"X": "spd"}, lambda v: torch.linalg.det(v["X"])),
    ("grad", "sum(abs(x)) + norm2(x)", "x", {"x": (n, 1)}, lambda v: torch.sum(torch.abs(v["x"])) + torch.linalg.norm(v["x"])),
    ("grad", "<X, Y .* Z>", "Y", {"X": (n, m), "Y": (n, m), "Z": (n, m)}, lambda v: torch.sum(v["X"] * v["Y"] * v["Z"])),
    ("grad", "tr(expm(X))", "X", {"X": (n, n)}, lambda v: torch.trace(torch.linalg.matrix_exp(v["X"]))),
    ("grad", "<C, expm(A*X)>", "X", {"C": (n, n), "A": (n, n), "X": (n, n)},
     lambda v: torch.sum(v["C"] * torch.linalg.matrix_exp(v["A"] @ v["X"]))),
    # Numbers under a function stay (exp(1), log(5)): torch.exp(1) raises, so they are tensors.
    ("grad", "tanh(2)*sum(x) + cosh(log(5))*x'*x", "x", {"x": (n, 1)},
     lambda v: torch.tanh(torch.tensor(2.0, dtype=torch.float64)) * torch.sum(v["x"])
     + torch.cosh(torch.log(torch.tensor(5.0, dtype=torch.float64))) * v["x"].T @ v["x"]),
    # Jacobians and Hessians: identity, commutation, Kronecker and diag in PyTorch.
    ("jacobian", "A*X*B", "X", {"A": (m, n), "X": (n, p), "B": (p, m)}, lambda v: v["A"] @ v["X"] @ v["B"]),
    ("jacobian", "X'", "X", {"X": (n, m)}, lambda v: v["X"].T),
    ("jacobian", "softmax(x)", "x", {"x": (n, 1)}, lambda v: torch.softmax(v["x"], dim=0)),
    ("jacobian", "relu(x)", "x", {"x": (n, 1)}, lambda v: torch.relu(v["x"])),
    ("jacobian", "X*X", "X", {"X": (n, n)}, lambda v: v["X"] @ v["X"]),
    ("jacobian", "expm(X)", "X", {"X": (n, n)}, lambda v: torch.linalg.matrix_exp(v["X"])),
    ("hessian", "log(det(X))", "X", {"X": "spd"}, lambda v: torch.logdet(v["X"])),
    # Through the second Fréchet derivative of expm (k2expm).
    ("hessian", "<C, expm(X)>", "X", {"C": (n, n), "X": (n, n)}, lambda v: torch.sum(v["C"] * torch.linalg.matrix_exp(v["X"]))),
    ("hessian", "<C, expm(A*X)>", "X", {"C": (n, n), "A": (n, n), "X": (n, n)},
     lambda v: torch.sum(v["C"] * torch.linalg.matrix_exp(v["A"] @ v["X"]))),
]


def autograd(command, F, values, wrt):
    x = values[wrt].clone().requires_grad_(True)
    call = lambda arg: F({**values, wrt: arg})
    if command == "grad":
        (g,) = torch.autograd.grad(call(x).sum(), x)
        return g
    if command == "jacobian":
        inner = lambda arg: vec(call(arg))
    else:  # the Jacobian of the gradient
        inner = lambda arg: vec(torch.autograd.grad(call(arg).sum(), arg, create_graph=True)[0])
    J = torch.autograd.functional.jacobian(inner, x)  # (size(F), 1) + X.shape
    rows = J.shape[0]
    return J.reshape(rows, *x.shape).permute(0, 2, 1).reshape(rows, -1)  # columns in vec order


def run(lines, values):
    scope = {"torch": torch, **values}
    for line in lines[:-1]:
        exec(line, scope)
    return eval(lines[-1], scope)


failures, checked = [], 0
for command, expr, wrt, shapes, F in CASES:
    label = f"{command} {expr!r} --wrt {wrt}"
    out = subprocess.run([matcalc, command, "--wrt", wrt, "--emit", "torch", expr], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"{label}: exit {out.returncode}: {out.stderr.strip()}")
        continue
    lines = out.stdout.strip().split("\n")
    for trial in range(3):
        values = {name: spd(n) if shape == "spd" else torch.rand(*shape, dtype=torch.float64) * 2 - 1
                  for name, shape in shapes.items()}
        try:
            got = run(lines, values)
        except Exception as e:  # the printed code must run
            failures.append(f"{label}: the printed code raises {type(e).__name__}: {e}")
            break
        want = autograd(command, F, values, wrt)
        if not isinstance(got, torch.Tensor) or got.dtype != torch.float64 or tuple(got.shape) != tuple(want.shape):
            failures.append(f"{label}: printed code gives {type(got).__name__} {getattr(got, 'shape', '')}, "
                            f"expected float64 {tuple(want.shape)}")
            break
        if not torch.allclose(got, want, rtol=1e-9, atol=1e-10):
            failures.append(f"{label}: differs from torch.autograd by {(got - want).abs().max().item():.3g}")
            break
        checked += 1
    # float32 inputs stay float32: constants take the variables' dtype.
    values32 = {name: (spd(n) if shape == "spd" else torch.rand(*shape, dtype=torch.float64)).float()
                for name, shape in shapes.items()}
    if failures and failures[-1].startswith(label):
        continue
    if run(lines, values32).dtype != torch.float32:
        failures.append(f"{label}: float32 inputs give another dtype")

for f in failures:
    print("FAIL:", f)
print(f"{len(CASES) - len({f.split(':')[0] for f in failures})} of {len(CASES)} worked examples: "
      f"--emit torch equals torch.autograd ({checked} evaluations)")
sys.exit(1 if failures else 0)
