#!/usr/bin/env python3
"""Times SymPy's matrix calculus against matcalc on the worked examples.

    bench/compare-sympy [path/to/matcalc_bench]    (the shell entry point)

SymPy: each example is written by hand below with MatrixSymbol, Trace,
Inverse, Determinant, log and .T, and timed building the expression and
calling diff(expr, X), as the median of --repetitions runs after one warm-up.
SymPy caches results, so the cache is cleared before every run: each is a
cold start, like a fresh problem. matcalc: the same examples' BM_Grad/*
benchmarks (parse + gradient, rules loaded once beforehand), the median of
--repetitions runs of Google Benchmark. Both are wall-clock times.

A SymPy answer that cannot be right (0, or an unevaluated derivative) is
reported instead of compared; an example SymPy cannot express is skipped
with the reason.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HOW_TO_INSTALL = "apt-get install python3-sympy"


def examples():
    """(benchmark name, matcalc text, build() -> (expr, variable) or None, why not)."""
    from sympy import Determinant, Inverse, MatrixSymbol, Trace, log, symbols, tanh

    m, n, p = symbols("m n p", integer=True, positive=True)

    def quadratic_form():
        x, A = MatrixSymbol("x", n, 1), MatrixSymbol("A", n, n)
        return x.T * A * x, x

    def least_squares():
        X, w, y = MatrixSymbol("X", m, n), MatrixSymbol("w", n, 1), MatrixSymbol("y", m, 1)
        r = X * w - y
        return r.T * r, w

    def gaussian_nll():
        S, x, mu = MatrixSymbol("Sigma", n, n), MatrixSymbol("x", n, 1), MatrixSymbol("m", n, 1)
        # the 1x1 quadratic form as a trace, so that it adds to a scalar
        return log(Determinant(S)) + Trace((x - mu).T * Inverse(S) * (x - mu)), S

    def logdet_trace():
        X, S = MatrixSymbol("X", n, n), MatrixSymbol("S", n, n)
        return log(Determinant(X)) + Trace(Inverse(X) * S), X

    def two_layer_net():
        W1, W2 = MatrixSymbol("W1", p, n), MatrixSymbol("W2", m, p)
        x, y = MatrixSymbol("x", n, 1), MatrixSymbol("y", m, 1)
        r = W2 * (W1 * x).applyfunc(tanh) - y  # an elementwise function: applyfunc
        return r.T * r, W1

    # Tried with applyfunc: log of a 1x1 matrix expression raises, and with
    # the 1x1 sums written as traces diff returns 0, which is wrong.
    elementwise = "not translated: log of a 1x1 matrix expression raises in SymPy, and written with traces its diff returns 0"
    return [
        ("quadratic_form", "x'*A*x wrt x", quadratic_form, None),
        ("least_squares", "<X*w - y, X*w - y> wrt w", least_squares, None),
        ("softmax_regression", "-<y, X*w> + log(sum(exp(X*w))) wrt w", None, elementwise),
        ("gaussian_nll", "logdet(Sigma) + <x - m, inv(Sigma)*(x - m)> wrt Sigma", gaussian_nll, None),
        ("logdet_trace", "log(det(X)) + tr(inv(X)*S) wrt X", logdet_trace, None),
        ("cross_entropy", "y'*log(sigmoid(X*w)) + (1 - y)'*log(1 - sigmoid(X*w)) wrt w", None, elementwise),
        ("two_layer_net", "norm2(W2*tanh(W1*x) - y)^2 wrt W1", two_layer_net, None),
    ]


def defect(result):
    """Why SymPy's gradient cannot be right, or None: no example has a zero
    gradient, and an unevaluated Derivative is no answer."""
    from sympy import Derivative, ZeroMatrix

    if result == 0 or isinstance(result, ZeroMatrix):
        return "SymPy's answer is 0, which is wrong"
    if result.has(Derivative):
        return f"SymPy leaves a derivative unevaluated: {result}"
    return None


def time_sympy(build, repetitions):
    """Median seconds of build + diff, each run after clearing SymPy's cache; and the last result."""
    from sympy.core.cache import clear_cache

    def once():
        expr, var = build()
        return expr.diff(var)

    once()  # warm-up: imports and first-use costs
    times = []
    for _ in range(repetitions):
        clear_cache()
        start = time.perf_counter()
        result = once()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def time_matcalc(bench, repetitions):
    """{example: median seconds} from the BM_Grad/* benchmarks."""
    cmd = [bench, "--benchmark_filter=^BM_Grad/", "--benchmark_format=json",
           f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true",
           "--benchmark_min_time=0.05"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    medians = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("error_occurred"):  # say why a column is empty
            print(f"compare-sympy: {b['run_name']}: {b.get('error_message', 'error')}", file=sys.stderr)
            continue
        if b.get("aggregate_name") == "median":
            name = b["run_name"].split("/")[1]  # BM_Grad/<example>[/manual_time]
            medians[name] = b["real_time"] * unit[b["time_unit"]]
    return medians


def fmt(s):
    if s is None:
        return "-"
    return f"{s * 1e3:.3g} ms" if s >= 1e-3 else f"{s * 1e6:.3g} µs"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", nargs="?", default=os.path.join(root, "build-bench/bench/matcalc_bench"),
                    help="the matcalc_bench binary (default: build-bench/bench/matcalc_bench)")
    ap.add_argument("--repetitions", type=int, default=20, help="timed runs per example, each side (default 20)")
    ap.add_argument("--show", action="store_true", help="also print SymPy's gradients")
    args = ap.parse_args()

    try:
        import sympy
    except ImportError:
        print(f"compare-sympy: skipped, SymPy is not installed for {sys.executable} ({HOW_TO_INSTALL})")
        return 0
    if not os.access(args.bench, os.X_OK):
        print(f"compare-sympy: no benchmark binary at {args.bench}; build it (docs/performance.md) or pass its path",
              file=sys.stderr)
        return 1

    print(f"SymPy {sympy.__version__} ({sys.executable}); {args.repetitions} repetitions each,"
          " SymPy's cache cleared before each; wall-clock medians")
    matcalc = time_matcalc(args.bench, args.repetitions)
    rows, notes = [], []
    for name, text, build, why in examples():
        sym = None
        if build:
            try:
                sym, result = time_sympy(build, args.repetitions)
                if defect(result):
                    why, sym = f"{defect(result)} (its time, {fmt(sym)}, is not compared)", None
                if type(result).__module__.startswith("sympy.tensor.array"):
                    notes.append(f"  {name}: SymPy's answer is an array expression ({type(result).__name__}), not a matrix formula")
                if args.show:
                    notes.append(f"  {name}: SymPy gives {result}")
            except Exception as e:  # an example SymPy cannot do is reported, not fatal
                why = f"SymPy failed: {type(e).__name__}: {e}"
        if why:
            notes.append(f"  {name}: no comparison: {why}")
        mc = matcalc.get(name)
        ratio = f"{sym / mc:.1f}" if sym and mc else "-"
        rows.append((text, fmt(sym), fmt(mc), ratio))

    head = ("example", "SymPy median", "matcalc median", "SymPy / matcalc")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    for r in [head, tuple("-" * w for w in widths)] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if notes:
        print("\n" + "\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
