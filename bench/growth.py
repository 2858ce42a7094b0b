#!/usr/bin/env python3
"""How cost grows with size, from Google Benchmark JSON output.

    matcalc_bench --benchmark_format=json > run.json   (or --benchmark_out=run.json)
    bench/growth.py run.json

A family is every benchmark whose name ends in /k for an integer k
(BM_GradTraceSum/64, BM_GradNested/exp/16). For each family it prints, per
size, the time and the local exponent log(t2/t1)/log(k2/k1) against the
previous size, then least-squares exponents of time against k: over all
sizes, and over the larger half (where fixed costs matter least). The same
fits against the result's size use the counter `terms` where a benchmark
reports it, else `nodes`. For families with consecutive k (exponential by
nature) the fitted factor per unit of k is printed too.

With --benchmark_repetitions the median aggregate is used, else the single
run. Time is CPU time unless --real is given.
"""
import argparse
import json
import math
import re
import sys
from collections import defaultdict

UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def points(data, real):
    """{family: [(k, seconds, size, size_name)]}, sorted by k."""
    chosen = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            continue
        kind = b.get("run_type", "iteration")
        if kind == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        # a median replaces a single run; the first single run is kept otherwise
        if kind == "aggregate" or name not in chosen:
            chosen[name] = b
    families = defaultdict(list)
    for name, b in chosen.items():
        m = re.fullmatch(r"(.+)/(\d+)(?:/manual_time|/real_time)?", name)
        if not m:
            continue
        t = b["real_time" if real else "cpu_time"] * UNIT[b.get("time_unit", "ns")]
        size_name = "terms" if "terms" in b else "nodes" if "nodes" in b else None
        families[m.group(1)].append((int(m.group(2)), t, b.get(size_name) if size_name else None, size_name))
    return {f: sorted(p) for f, p in families.items()}


def slope(xs, ys):
    """Least-squares slope of ys against xs, or None for fewer than 2 distinct xs."""
    n = len(xs)
    if n < 2 or len(set(xs)) < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def loglog(pairs):
    pairs = [(a, b) for a, b in pairs if a and a > 0 and b > 0]
    return slope([math.log(a) for a, _ in pairs], [math.log(b) for _, b in pairs])


def fmt_time(s):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def fmt(e):
    return "  -  " if e is None else f"{e:5.2f}"


def report(family, pts):
    size_name = pts[0][3]
    print(f"{family}")
    print(f"  {'k':>6} {'time':>10} {'local':>6}" + (f" {size_name:>8}" if size_name else ""))
    prev = None
    for k, t, size, _ in pts:
        local = math.log(t / prev[1]) / math.log(k / prev[0]) if prev else None
        print(f"  {k:>6} {fmt_time(t):>10} {fmt(local):>6}" + (f" {size:>8.0f}" if size is not None else ""))
        prev = (k, t)
    top = pts[len(pts) // 2:] if len(pts) >= 4 else pts
    print(f"  exponent vs k: {fmt(loglog([(k, t) for k, t, _, _ in pts]))} overall,"
          f" {fmt(loglog([(k, t) for k, t, _, _ in top]))} larger half")
    if size_name:
        print(f"  exponent vs {size_name}: {fmt(loglog([(s, t) for _, t, s, _ in pts]))} overall,"
              f" {fmt(loglog([(s, t) for _, t, s, _ in top]))} larger half")
    ks = [k for k, _, _, _ in pts]
    if len(ks) >= 3 and ks == list(range(ks[0], ks[0] + len(ks))):
        b = slope(ks, [math.log(t) for _, t, _, _ in pts])
        print(f"  time factor per unit of k: {math.exp(b):.2f}")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", nargs="?", default="-", help="Google Benchmark JSON (default: stdin)")
    ap.add_argument("--real", action="store_true", help="use wall-clock time instead of CPU time")
    args = ap.parse_args()
    text = sys.stdin.read() if args.json == "-" else open(args.json).read()
    # the console's warnings may precede the JSON when both went to one stream
    data = json.loads(text[text.index("{"):])
    families = points(data, args.real)
    if not families:
        sys.exit("no benchmark named NAME/k in the input")
    for family, pts in families.items():
        if len(pts) >= 2:
            report(family, pts)


if __name__ == "__main__":
    main()
