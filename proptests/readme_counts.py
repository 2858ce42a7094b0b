"""The counts the README states, checked against what they count, so that they
cannot go stale: rules and families, catalog entries, the results table's
rows, the worked Jacobians and Hessians, the matrix-function and PyTorch examples,
the adversarial inputs.
usage: readme_counts.py MATCALC REPOSITORY_ROOT"""
import json
import os
import re
import subprocess
import sys

matcalc, root = sys.argv[1], sys.argv[2]
readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
catalog = json.loads(subprocess.run([matcalc, "catalog", "export"], capture_output=True, text=True, check=True).stdout)


def lines_starting(path, pattern):
    return sum(1 for line in open(os.path.join(root, path), encoding="utf-8") if re.match(pattern, line))


def results_rows():
    rows = 0
    for line in open(os.path.join(root, "docs/results.md"), encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows += len(cells) == 5 and cells[1].startswith("`")
    return rows


# (what the README says, as a regular expression with one number per group; the true numbers)
CLAIMS = [
    (r"`rules/` — (\d+) rules in (\d+) families", (len(catalog["rules"]), len({r["family"] for r in catalog["rules"]}))),
    (r"`identities/` — (\d+) reference results", (len(catalog["identities"]),)),
    (r"all (\d+) are reproduced symbolically", (sum(1 for e in catalog["identities"] if e["symbolic"]["status"] == "reproduced"),)),
    (r"lists (\d+) results exactly as\s+printed", (results_rows(),)),
    (r"`derivatives` runs (\d+) Jacobians, Hessians and gradients", (lines_starting("proptests/derivatives_test.py", r'    \("(jacobian|hessian|grad)"'),)),
    (r"`matrix_functions` runs (\d+) gradients, Jacobians and Hessians", (lines_starting("proptests/matrix_functions_test.py", r'    \("'),)),
    (r"`torch_emission` runs (\d+) worked examples", (lines_starting("proptests/torch_test.py", r'    \("(grad|jacobian|hessian)"'),)),
    (r"`robustness_table` feeds (\d+) adversarial inputs", (lines_starting("proptests/robustness_table.py", r'    \("'),)),
]

failures = []
for pattern, truth in CLAIMS:
    found = re.search(pattern, readme)
    if not found:
        failures.append(f"the README no longer says /{pattern}/")
        continue
    said = tuple(int(g) for g in found.groups())
    if said != truth:
        failures.append(f"the README says {found.group(0)!r}: the numbers are {truth}")
for f in failures:
    print("FAIL:", f)
print(f"{len(CLAIMS) - len(failures)} of {len(CLAIMS)} counts in the README are right")
sys.exit(1 if failures else 0)
