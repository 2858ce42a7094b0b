"""matcalc: matrix calculus by term rewriting, every rule verified.

    >>> import matcalc
    >>> g = matcalc.grad("x'*A*x", wrt="x")
    >>> g.text
    "(A + A')*x"

Uppercase names are matrices, lowercase vectors, Greek names scalars;
override with keyword arguments (``matcalc.grad("a*x", wrt="x", a="scalar")``).
Every gradient, Jacobian and Hessian is checked against exact directional
derivatives before it is returned. Results carry ``.text``, ``.latex``,
``.numpy`` and ``.torch`` (NumPy and PyTorch code, the value on its last
line), ``.steps`` (the
derivation, one rule per step) and ``.function()`` (a callable taking NumPy
arrays by name; vectors as (n, 1) columns); Jupyter shows them typeset.
"""
import os

from . import _matcalc
from ._matcalc import Error, ParseError, ShapeError, UnsupportedError

ParseError.position = property(lambda self: self.args[1] if len(self.args) > 1 else None)

__all__ = ["grad", "jacobian", "hessian", "simplify", "equiv", "lookup", "Result",
           "Error", "ParseError", "ShapeError", "UnsupportedError"]


class Result:
    """A result: the expression in text, LaTeX, NumPy and PyTorch, and its derivation."""

    def __init__(self, native):
        self.text = native.text
        self.latex = native.latex
        self.numpy = native.numpy
        self.torch = native.torch or None  # None where PyTorch cannot express it (logm, sqrtm)
        self.shape = native.shape
        self.steps = native.steps
        self.assumptions = native.assumptions

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"matcalc.Result({self.text!r})"

    def _repr_latex_(self):
        return "$" + self.latex + "$"

    def function(self):
        """A callable: f(**arrays) evaluates the result with NumPy."""
        import numpy as np

        lines = self.numpy.split("\n")

        def evaluate(**values):
            scope = {"np": np}
            if "scipy." in self.numpy:  # matrix functions: SciPy's expm, logm, sqrtm
                import scipy.linalg

                scope["scipy"] = scipy
            scope.update({name: np.asarray(v, dtype=float) for name, v in values.items()})
            for line in lines[:-1]:
                exec(line, scope)
            return eval(lines[-1], scope)

        return evaluate


def _options(kinds, assume):
    return {str(k): str(v) for k, v in kinds.items()}, [str(a) for a in assume]


def grad(f, wrt, assume=(), **kinds):
    """The gradient of a scalar f with respect to the variable `wrt`."""
    return Result(_matcalc.grad(f, wrt, *_options(kinds, assume)))


def jacobian(f, wrt, assume=(), **kinds):
    """J = d vec(F) / d vec(X)' (vec stacks columns): size(F) x size(X)."""
    return Result(_matcalc.jacobian(f, wrt, *_options(kinds, assume)))


def hessian(f, wrt, assume=(), **kinds):
    """H = the Jacobian of vec of the gradient of a scalar f: size(X) x size(X)."""
    return Result(_matcalc.hessian(f, wrt, *_options(kinds, assume)))


def simplify(e, assume=(), **kinds):
    """The normal form of e, presented compactly."""
    return Result(_matcalc.simplify(e, *_options(kinds, assume)))


def equiv(a, b, assume=(), **kinds):
    """'equal', 'different' or 'not proven'."""
    return _matcalc.equiv(a, b, *_options(kinds, assume))


def lookup(query):
    """Catalog entries matching a query: an expression (by structure) or words."""
    from . import _paths

    return _matcalc.lookup(query, os.environ.get("MATCALC_IDENTITIES", _paths.IDENTITIES))
