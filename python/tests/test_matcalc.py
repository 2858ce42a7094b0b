"""The Python module: results, their forms and functions (checked against
finite differences), errors as exceptions, the other jobs."""
import numpy as np
import pytest

import matcalc

rng = np.random.default_rng(7)


def finite_difference_gradient(f, values, wrt, h=1e-6):
    x = values[wrt]
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = dict(values), dict(values)
        plus[wrt] = x.copy()
        minus[wrt] = x.copy()
        plus[wrt][i] += h
        minus[wrt][i] -= h
        g[i] = (float(f(**plus)) - float(f(**minus))) / (2 * h)
    return g


def test_grad_text_latex_numpy():
    g = matcalc.grad("x'*A*x", wrt="x")
    assert g.text == "(A + A')*x"
    assert str(g) == g.text
    assert "A^\\top" in g.latex
    assert g._repr_latex_().startswith("$") and g._repr_latex_().endswith("$")
    assert "@" in g.numpy
    assert g.shape.endswith("×1")
    assert any(step["rule"] for step in g.steps)


@pytest.mark.parametrize("f, wrt, shapes, numpy_f", [
    ("x'*A*x", "x", {"x": (4, 1), "A": (4, 4)}, lambda x, A: (x.T @ A @ x).item()),
    ("log(det(X)) + tr(inv(X)*S)", "X", {"X": "spd", "S": (3, 3)},
     lambda X, S: np.log(np.linalg.det(X)) + np.trace(np.linalg.inv(X) @ S)),
    ("norm2(W2*tanh(W1*x) - y)^2", "W1", {"W2": (2, 3), "W1": (3, 4), "x": (4, 1), "y": (2, 1)},
     lambda W2, W1, x, y: float(np.sum((W2 @ np.tanh(W1 @ x) - y) ** 2))),
    ("y'*log(sigmoid(X*w)) + (1 - y)'*log(1 - sigmoid(X*w))", "w", {"X": (5, 3), "y": (5, 1), "w": (3, 1)},
     lambda X, y, w: (y.T @ np.log(1 / (1 + np.exp(-X @ w))) + (1 - y).T @ np.log(1 - 1 / (1 + np.exp(-X @ w)))).item()),
])
def test_function_matches_finite_differences(f, wrt, shapes, numpy_f):
    values = {}
    for name, shape in shapes.items():
        if shape == "spd":
            M = rng.standard_normal((3, 3))
            values[name] = M @ M.T + 3 * np.eye(3)
        else:
            values[name] = rng.uniform(-1, 1, shape)
    got = matcalc.grad(f, wrt=wrt).function()(**values)
    want = finite_difference_gradient(numpy_f, values, wrt)
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6)


def test_torch_code_matches_autograd():
    torch = pytest.importorskip("torch")
    g = matcalc.grad("norm2(W2*tanh(W1*x) - y)^2", wrt="W1")
    assert "torch.tanh" in g.torch and "np." not in g.torch
    shapes = {"W2": (2, 3), "W1": (3, 4), "x": (4, 1), "y": (2, 1)}
    values = {name: torch.rand(*shape, dtype=torch.float64) for name, shape in shapes.items()}
    W1 = values["W1"].clone().requires_grad_(True)
    loss = torch.sum((values["W2"] @ torch.tanh(W1 @ values["x"]) - values["y"]) ** 2)
    (want,) = torch.autograd.grad(loss, W1)
    scope = {"torch": torch, **values}
    lines = g.torch.split("\n")
    for line in lines[:-1]:
        exec(line, scope)
    assert torch.allclose(eval(lines[-1], scope), want)


def test_matrix_functions():
    g = matcalc.grad("tr(C*logm(X))", wrt="X")
    assert g.text == "dlogm(X, C)'"
    assert g.torch is None  # PyTorch has no matrix logarithm
    rng_ = np.random.default_rng(3)
    X = rng_.uniform(-1, 1, (3, 3)) + 6 * np.eye(3)
    C = rng_.uniform(-1, 1, (3, 3))
    import scipy.linalg as sl
    want = finite_difference_gradient(lambda X, C: np.trace(C @ sl.logm(X)).real, {"X": X, "C": C}, "X")
    assert np.allclose(g.function()(X=X, C=C), want, rtol=1e-5, atol=1e-6)


def test_jacobian_and_hessian():
    assert matcalc.jacobian("A*X*B", wrt="X").text == "kron(B', A)"
    J = matcalc.jacobian("relu(x)", wrt="x")
    assert J.text == "diag(step(x))"
    x = np.array([[1.0], [-2.0], [3.0]])
    assert np.allclose(J.function()(x=x), np.diag([1.0, 0.0, 1.0]))
    H = matcalc.hessian("x'*A*x", wrt="x")
    A = rng.standard_normal((3, 3))
    assert np.allclose(H.function()(A=A, x=x), A + A.T)
    # logdet presupposes spd(X); its Hessian is the second derivative along every direction.
    H = matcalc.hessian("logdet(X)", wrt="X")
    assert H.text == "-kron(inv(X), inv(X)')*commutation(X)"


def test_kinds_and_assumptions():
    assert matcalc.grad("a*x'*x", wrt="x", a="scalar").text == "2*a*x"
    assert matcalc.grad("x'*B*x", wrt="x", assume=["symmetric(B)"]).text == "2*B*x"


def test_errors_are_exceptions():
    with pytest.raises(matcalc.ParseError) as e:
        matcalc.grad("tr(A*X", wrt="X")
    assert e.value.position == 6
    with pytest.raises(matcalc.ShapeError):
        matcalc.grad("A*x", wrt="x")
    with pytest.raises(matcalc.Error):
        matcalc.grad("x'*x", wrt="q")
    assert issubclass(matcalc.ParseError, matcalc.Error)


def test_simplify_equiv_lookup():
    assert matcalc.simplify("tr(A*B) - tr(B'*A')").text == "0"
    assert matcalc.equiv("x'*(A + A')*x", "2*x'*A*x") == "equal"
    assert matcalc.equiv("tr(A*B)", "tr(A)*tr(B)") == "different"
    hits = matcalc.lookup("tr(P*Y*Q)")
    assert hits and all("statement" in h for h in hits)
