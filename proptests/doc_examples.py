"""Every example in the documentation runs as a test: in the fenced code blocks
of README.md and docs/*.md, a line `$ matcalc ARGS` is run (ARGS split as a
shell would) and what it prints, stdout then stderr, must be the lines that
follow it up to the next `$ ` line or the end of the block.
usage: doc_examples.py MATCALC REPOSITORY_ROOT"""
import glob
import os
import shlex
import subprocess
import sys

matcalc, root = sys.argv[1], sys.argv[2]


def examples(path):
    """(line number, argument list, expected lines) for each `$ matcalc` line."""
    found, block, current = [], False, None
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.startswith("```"):
            block, current = not block, None
            continue
        if not block:
            continue
        if line.startswith("$ "):
            current = None
            if line.startswith("$ matcalc "):
                current = (number, shlex.split(line[len("$ matcalc "):]), [])
                found.append(current)
        elif current is not None:
            current[2].append(line)
    return found


failures, count = [], 0
for path in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
    for number, args, expected in examples(path):
        count += 1
        run = subprocess.run([matcalc] + args, capture_output=True, text=True, timeout=60)
        got = (run.stdout + run.stderr).rstrip("\n").split("\n")
        while expected and expected[-1] == "":
            expected.pop()
        if got != expected:
            where = f"{os.path.relpath(path, root)}:{number}: matcalc {shlex.join(args)}"
            failures.append(f"{where}\n  documented: {expected}\n  printed:    {got}")

for f in failures:
    print("FAIL:", f)
print(f"{count - len(failures)} of {count} documented examples print what the documentation says")
sys.exit(1 if failures or count == 0 else 0)
