"""The results table (docs/results.md) as a test: every row, run with
--check, prints exactly the text of its last cell and agrees with the exact
directional derivative.  usage: results_table.py MATCALC RESULTS_MD"""
import re
import subprocess
import sys

matcalc, table = sys.argv[1], sys.argv[2]
code = lambda cell: re.findall(r"`([^`]*)`", cell)
rows, failures = 0, []
for line in open(table, encoding="utf-8"):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 5 or not cells[1].startswith("`"):
        continue
    rows += 1
    function, wrt = code(cells[1])[0], code(cells[2])[0]
    assuming = code(cells[3])
    expected = code(cells[4])
    args = [matcalc, "grad", "--wrt", wrt, "--check"] + [a for g in assuming for a in ("--assume", g)] + ["--", function]
    run = subprocess.run(args, capture_output=True, text=True)
    got = run.stdout.rstrip("\n").split("\n")
    if run.returncode != 0:
        failures.append(f"{function} wrt {wrt}: exit {run.returncode}: {run.stderr.strip()}")
    elif got != expected:
        failures.append(f"{function} wrt {wrt}: prints {got!r}, the table says {expected!r}")
    elif "check: agrees with the exact directional derivative" not in run.stderr:
        failures.append(f"{function} wrt {wrt}: no numeric check: {run.stderr.strip()}")
for f in failures:
    print("FAIL:", f)
print(f"{rows - len(failures)} of {rows} rows print what the table says and pass their check")
sys.exit(1 if failures or rows < 25 else 0)
