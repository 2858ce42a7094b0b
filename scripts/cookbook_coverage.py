"""docs/cookbook-coverage.md: for each numbered equation (33)-(144) of The
Matrix Cookbook's chapter 2 (Nov 15 2012 edition), the catalog entries and
rules that cite it ("eq. 101", "eqs. 51 and 57", "eqs. 138–141" in their
source), or why it is not stated. Generated from `matcalc catalog export`.
usage: cookbook_coverage.py MATCALC OUT.md          write the table
       cookbook_coverage.py MATCALC OUT.md --check  fail if OUT.md is stale or an equation has neither"""
import json
import os
import re
import subprocess
import sys

FIRST, LAST = 33, 144

# What chapter 2 numbers, by section (the numbers were counted from the
# edition's layout and agree with every number cited elsewhere; the four
# equations of (65)-(68) and of (95)-(98) are each one of the formulas listed).
SECTIONS = [
    (33, 45, "2 basic differentials"), (46, 48, "2.1.1 determinant, general form"), (49, 51, "2.1.2 linear forms"),
    (52, 54, "2.1.3 square forms"), (55, 58, "2.1.4 other nonlinear forms"), (59, 64, "2.2 derivatives of an inverse"),
    (65, 68, "2.2–2.3 inverse relation, eigenvalues"), (69, 75, "2.4.1 first order"), (76, 89, "2.4.2 second order"),
    (90, 94, "2.4.3 higher-order and non-linear"), (95, 98, "2.4.3–2.4.4 gradient and Hessian"), (99, 105, "2.5.1 traces, first order"),
    (106, 120, "2.5.2 traces, second order"), (121, 123, "2.5.3 traces, higher order"), (124, 128, "2.5.4 traces, other"),
    (129, 131, "2.6.1 two-norm"), (132, 132, "2.7.1 Frobenius norm"), (133, 134, "2.8 structured matrices"),
    (135, 137, "2.8.1 the chain rule"), (138, 141, "2.8.2 symmetric"), (142, 142, "2.8.3 diagonal"), (143, 144, "2.8.4 Toeplitz"),
]

# Why an equation is not stated, where no entry or rule cites it.
UNSTATED = {
    45: "the conjugate transpose of complex matrices: matcalc's matrices are real (the transpose is eq. 44)",
    48: "the second derivative of det(Y(x)) in a scalar parameter, with the second derivative of Y: a Hessian in a scalar whose general form needs d²Y",
    56: "a derivative with respect to the pseudo-inverse X⁺: the language has no pseudo-inverse",
    60: "the entrywise (index) form of eq. 59; its matrix forms are eqs. 40 and 61",
    65: "(65)–(68): the relation ∂J/∂A = -A^-T (∂J/∂W) A^-T for W = inv(A) (a chain rule, not an identity between expressions), the gradients of "
        "the sum and product of the eigenvalues (stated as traces and determinants: grad-sum-of-eigenvalues, grad-product-of-eigenvalues), and the "
        "differentials of an eigenvalue and an eigenvector (no eigen-decomposition in the language)",
    73: "entrywise, with the single-entry matrix J^ij: the language has no index notation",
    74: "entrywise, with the single-entry matrix J^ij (its matrix form is d(X*A) = d(X)*A, rule diff-product-constant-right)",
    75: "entrywise, with the single-entry matrix J^ij (its matrix form is d(X'*A) = d(X)'*A)",
    76: "an entrywise derivative of a sum of products of entries: no index notation",
    79: "entrywise, with J^ij: the matrix form is the differential d(X'*B*X) (rules diff-product, diff-transpose)",
    80: "with the single-entry matrix J^ij: the matrix form is the differential d(X'*B*X)",
    89: "complex values (x^H and a conjugate): matcalc's matrices are real",
    90: "entrywise (X^n)_kl with J^ij: the matrix form is d(X^n), rule diff-matrix-power",
    95: "(95)–(98): the end of §2.4.3's quotient and §2.4.4's f = x'Ax + b'x with its gradient and Hessian, stated as grad-quadratic-plus-linear "
        "and hessian-quadratic-form",
    133: "the general rule df/dA_ij = Tr[(∂f/∂A)' ∂A/∂A_ij] and the structure matrix S^ij: definitions for structured A, not identities",
    135: "the chain rule in index form: the engine applies it through differentials in every composite gradient",
    142: "the gradient within diagonal matrices: no guard for a diagonal variable",
    143: "(143)–(144): gradients within Toeplitz matrices: no Toeplitz structure in the language",
}
for n in (66, 67, 68):
    UNSTATED[n] = UNSTATED[65].split(":", 1)[0] + ", above"
for n in (96, 97, 98):
    UNSTATED[n] = UNSTATED[95].split(":", 1)[0] + ", above"
UNSTATED[134] = UNSTATED[133]
UNSTATED[136] = UNSTATED[137] = UNSTATED[135]
UNSTATED[144] = UNSTATED[143]

CITATION = re.compile(r"Matrix Cookbook \(Nov 2012\) eqs?\. ((?:\d+)(?:\s*(?:–|-|,|and)\s*\d+)*)")


def cited(text):
    """The equation numbers a source cites."""
    out = set()
    for group in CITATION.findall(text or ""):
        parts = re.split(r"\s*(?:,|and)\s*", group)
        for p in parts:
            bounds = re.split(r"\s*(?:–|-)\s*", p)
            lo, hi = int(bounds[0]), int(bounds[-1])
            out.update(range(lo, hi + 1))
    return out


def build(matcalc):
    catalog = json.loads(subprocess.run([matcalc, "catalog", "export"], capture_output=True, text=True, check=True).stdout)
    by_eq = {n: [] for n in range(FIRST, LAST + 1)}
    for kind, items in (("identity", catalog["identities"]), ("rule", catalog["rules"])):
        for e in items:
            for n in cited(e.get("source")):
                if FIRST <= n <= LAST:
                    by_eq[n].append(f"`{e['name']}`" + (" (rule)" if kind == "rule" else ""))
    lines = [
        "# The Matrix Cookbook, chapter 2: coverage",
        "",
        "<!-- Generated by scripts/cookbook_coverage.py from `matcalc catalog export`; do not edit. -->",
        "",
        "Each numbered equation (33)–(144) of The Matrix Cookbook's chapter 2 (Petersen & Pedersen, version of",
        "November 15, 2012) with the catalog entries and rules that state it, each verified numerically",
        "(docs/catalog.md), or why it is not stated. An entry cites its equation in its source",
        "(`Matrix Cookbook (Nov 2012) eq. 101`), and `matcalc lookup \"eq 101\"` finds it. The notes on the",
        "entries record where the Cookbook is wrong or under-specified (eqs. 125–128, 138–141).",
        "",
    ]
    stated = 0
    missing = []
    for lo, hi, title in SECTIONS:
        lines += [f"## §{title}", "", "| eq. | stated by | or why not |", "|---|---|---|"]
        for n in range(lo, hi + 1):
            names = sorted(set(by_eq[n]))
            reason = "" if names else UNSTATED.get(n, "")
            if names:
                stated += 1
            elif not reason:
                missing.append(n)
            lines.append(f"| ({n}) | {', '.join(names)} | {reason} |")
        lines.append("")
    total = LAST - FIRST + 1
    lines.insert(10, f"{stated} of the {total} equations are stated and verified; the other {total - stated} say why not.\n")
    return "\n".join(lines) + "\n", missing


def main():
    matcalc, out = sys.argv[1], sys.argv[2]
    text, missing = build(matcalc)
    if missing:
        print("equations with neither an entry nor a reason:", ", ".join(f"({n})" for n in missing))
        sys.exit(1)
    if "--check" in sys.argv[3:]:
        current = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
        if current != text:
            print(f"{out} is stale: run scripts/catalog (or scripts/cookbook_coverage.py {matcalc} {out})")
            sys.exit(1)
        print(f"{out} is current: every equation ({FIRST})-({LAST}) is stated or says why not")
        return
    open(out, "w", encoding="utf-8").write(text)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
