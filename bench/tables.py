#!/usr/bin/env python3
"""Markdown tables of a benchmark run, as in docs/performance.md.

    matcalc_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \\
        --benchmark_min_time=0.2 --benchmark_out=run.json --benchmark_out_format=json
    bench/tables.py run.json

Prints CPU times (the median aggregate where there are repetitions) with the
counters (for a benchmark with manual time, that time: the identity
catalog's sum of per-problem CPU times): one row per benchmark without a size, and for each family NAME/k a
table with one column per k, so that re-measuring only means pasting.
"""
import json
import re
import sys
from collections import defaultdict

from growth import UNIT, fmt_time

COUNTERS = ("steps", "nodes", "arena_nodes", "terms", "rules", "problems", "failed", "median_us", "max_us")


def chosen(data):
    """{run name: entry}, the median aggregate replacing a single run."""
    out = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred") or (b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median"):
            continue
        if b.get("run_type") == "aggregate" or b["run_name"] not in out:
            out[b.get("run_name", b["name"])] = b
    return out


def count(v):
    return f"{v:.0f}" if float(v).is_integer() or v >= 100 else f"{v:.3g}"


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else sys.stdin.read()
    runs = chosen(json.loads(text[text.index("{"):]))
    families, single = defaultdict(list), []
    for name, b in runs.items():
        m = re.fullmatch(r"(.+)/(\d+)(?:/manual_time)?", name)
        (families[m.group(1)].append((int(m.group(2)), b)) if m else single.append((name, b)))

    def seconds(name, b):  # a manual-time benchmark's own timing, else CPU time
        return b["real_time" if name.endswith("/manual_time") else "cpu_time"] * UNIT[b["time_unit"]]

    print("| benchmark | time | counters |\n|---|---|---|")
    for name, b in single:
        t = seconds(name, b)
        counters = ", ".join(f"{c} {count(b[c])}" for c in COUNTERS if c in b)
        print(f"| `{name}` | {fmt_time(t)} | {counters} |")
    for family, pts in families.items():
        pts.sort(key=lambda p: p[0])
        print(f"\n**`{family}`**\n")
        print("| k | " + " | ".join(str(k) for k, _ in pts) + " |")
        print("|---" * (len(pts) + 1) + "|")
        print("| time | " + " | ".join(fmt_time(seconds(b["run_name"], b)) for _, b in pts) + " |")
        for c in COUNTERS:
            if c in pts[0][1]:
                print(f"| {c} | " + " | ".join(count(b.get(c, 0)) for _, b in pts) + " |")
        if "time_per_term" in pts[0][1]:
            print("| time per term | " + " | ".join(fmt_time(b["time_per_term"]) for _, b in pts) + " |")


if __name__ == "__main__":
    main()
