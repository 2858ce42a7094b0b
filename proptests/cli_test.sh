#!/usr/bin/env bash
# End-to-end checks of the matcalc command line: outputs, exit codes, and
# one-line errors. usage: cli_test.sh MATCALC SOURCE_DIR
set -u
matcalc=$1
src=$2
export MATCALC_RULES="$src/rules"
passed=0
failed=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

run() { "$matcalc" "$@" >"$out" 2>"$err"; status=$?; }
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; echo "  stdout: $(head -c 600 "$out")"; echo "  stderr: $(head -c 600 "$err")"; fi
}
status_is() { [ "$status" -eq "$1" ]; }
stdout_has() { grep -qF -- "$1" "$out"; }
stderr_has() { grep -qF -- "$1" "$err"; }
stderr_lines() { [ "$(wc -l <"$err")" -eq "$1" ]; }

run parse "tr(A*X"
check "parse error exits 2" status_is 2
check "parse error names the problem" stderr_has "expected ')' to close 'tr('"
check "parse error draws a caret under the end" grep -qx '        ^' "$err"

run parse "x'*A*x"
check "parse succeeds" status_is 0
check "parse prints the canonical text" stdout_has "text:  x'*A*x"
check "parse prints the shape" stdout_has "shape: 1×1"
check "parse prints LaTeX" stdout_has 'latex: x^\top A x'

# K of a shape no variable has is shown as K(u*(v*ones)') with variables of its sides, which
# parses back (not as K(zeros), whose size nothing fixes); a column u is not written u*1.
run parse "commutation(x*(A'*ones)')"
check "parse shows a commutation matrix with its sides" stdout_has "text:  commutation(x*(A'*ones)')"
run parse "tr(x)" --var x:matrix
check "--var declares a kind" status_is 0
run parse "x" --var x:tensor
check "a bad --var exits 2" status_is 2
check "a bad --var is one line" stderr_lines 1
run parse "A*x + B"
check "shape error exits 2" status_is 2
check "shape error is one line naming both operands" stderr_has "'A*x' is n×1, 'B' is n×m"
run grad "norm2(X*w - y)^2/(2*n)" --wrt w
check "a lowercase divisor is read as a vector, and the error says how to declare it" stderr_has "(if 'n' is a scalar: --var n:scalar, or a Greek name)"
check "the divisor's error is one line" stderr_lines 1

run rules check
check "the catalog verifies" status_is 0
check "the summary line ends the output" bash -c "tail -n 1 '$out' | grep -Eq '^[0-9]+ rules verified, 0 failed$'"
check "at least 80 rules" bash -c "[ \$(tail -n 1 '$out' | cut -d' ' -f1) -ge 80 ]"

run rules check "$src/proptests/data/bad-rules/wrong-sign.yaml"
check "a wrong rule fails the check" status_is 1
check "the failure names the rule" stdout_has "FAIL  bad-wrong-sign"
check "the failure says how to reproduce it" stdout_has "reproduce: matcalc rules check"
check "the summary counts the failure" bash -c "tail -n 1 '$out' | grep -qx '0 rules verified, 1 failed'"

run rules check "$src/proptests/data/invalid-rules/unbound-rhs.yaml"
check "an invalid file exits 2" status_is 2
check "an invalid file is reported with file:line" stderr_has "unbound-rhs.yaml:4: rule 'unbound-rhs-rule'"
check "an invalid file is one line" stderr_lines 1

run rules check /nonexistent.yaml
check "a missing file exits 2" status_is 2

run rules list --family trace
check "rules list by family" status_is 0
check "only that family" bash -c "! awk '{print \$2}' '$out' | grep -vqx trace"
run rules list --family nosuchfamily
check "an unknown family exits 2" status_is 2

run rules show diff-inverse
check "rules show" status_is 0
check "rules show prints LaTeX" stdout_has 'latex:  \mathrm{d}\left(A^{-1}\right) = -A^{-1}'
check "rules show prints guards" stdout_has "invertible(A)"
check "rules show prints the source" stdout_has "source:"
run rules show no-such-rule
check "an unknown rule exits 2" status_is 2

run simplify "(A*B)' + tr(C*A*B) - tr(A*B*C)"
check "simplify" status_is 0
check "simplify pushes transposes and rotates traces" stdout_has "B'*A'"
run simplify --steps "tr(A + B)"
check "simplify --steps names each rule" stdout_has "[trace-sum]"
# The expanded normal form is shown where it reads shorter, the term simplified without
# expanding where that does: (b - cos(b))^12 is not 13 terms.
run simplify "(beta - cos(beta))^12 + 0*beta"
check "simplify keeps a power of a sum that expanding would lengthen" bash -c "[ \"\$(cat '$out')\" = '(beta - cos(beta))^12' ]"
run simplify "(beta + 1)^2 - beta^2"
check "simplify expands where terms cancel" bash -c "[ \"\$(cat '$out')\" = '2*beta + 1' ]"

run equiv "tr(A*B*C)" "tr(C*A*B)"
check "equiv of rotated traces" status_is 0
check "equiv prints equal" stdout_has "equal: one normal form"
for pair in "tr(A*B)|tr(B'*A')" "x'*A*x|x'*A'*x" "<X, Y .* Z>|<X .* Y, Z>" "<A*X*B, C>|<X, A'*C*B'>" \
            "x'*(A + A')*x|2*x'*A*x" "tr(A*B*C*D)|tr(D'*C'*B'*A')" "inv(x*x' + A')|inv(A + x*x')'"; do
  run equiv "${pair%%|*}" "${pair#*|}"
  check "equiv by the normal form: ${pair%%|*} = ${pair#*|}" stdout_has "equal: one normal form"
done
run equiv "tr(A*B)" "tr(B*A) + 1"
check "equiv of different expressions exits 1" status_is 1
check "equiv prints where the exact values differ" stdout_has "different: exact values differ at A = ["
run equiv "exp(x)" "ones + x"
check "equiv of different transcendental expressions exits 1" status_is 1
check "equiv prints the largest difference" stdout_has "different: largest relative difference"
run equiv "x'*ones" "sum(x)"
check "equiv decides sum(x) = x'*ones by the normal form" status_is 0
# A Cayley transform's factors commute: rational, not decided by rules,
# decided exactly.
run equiv "(I - A)*inv(I + A)" "inv(I + A)*(I - A)"
check "equiv decides a rational identity by exact evaluation" status_is 0
check "equiv says how it decided" stdout_has "exact rational evaluation agrees at 15 random points"
# The Sherman-Morrison formula: a rule folds the expanded side (sherman-morrison).
run equiv "inv(A + x*x')" "inv(A) - inv(A)*x*x'*inv(A)/(1 + x'*inv(A)*x)"
check "equiv decides Sherman-Morrison by one normal form" stdout_has "equal: one normal form"
run equiv "sin(x).^2 + cos(x).^2" "ones"
check "equiv that neither rules nor exact evaluation decide exits 3" status_is 3
check "equiv prints not proven" stdout_has "not proven"
run equiv "0/0" "0"
check "equiv of an undefined side is bad input" status_is 2
check "equiv names the division by zero" stderr_has "division by zero in '0/0'"
run equiv "A" "x"
check "equiv of two shapes is bad input" status_is 2

# A product of 24 sums expands to 2^24 terms: a budget stops it, with one line.
big=$(/usr/bin/python3 -c "print('*'.join('(A%d + B%d)' % (i, i) for i in range(1, 25)))")
run simplify "$big" --deadline 0.5
check "a runaway expansion exits 2" status_is 2
check "a runaway expansion says which budget ended it" stderr_has "matcalc: the job"
check "a runaway expansion is one line" stderr_lines 1

# Deep nesting is refused by the parser before it can exhaust the stack, and
# a long input is quoted back in a window, not whole.
deep=$(/usr/bin/python3 -c "print('(' * 6500 + 'x' + ')' * 6500)")
run parse "$deep"
check "6500 nested parentheses exit 2" status_is 2
check "deep nesting is named" stderr_has "nests deeper than"
check "a long input is not echoed whole" [ "$(wc -c <"$err")" -lt 400 ]
run parse "$(/usr/bin/python3 -c "print('-' * 20000 + 'x')")"
check "20000 unary minus signs exit 2" status_is 2
run parse "$(printf 'x + \001y')"
check "a control character exits 2" status_is 2
check "a control character is shown escaped, not raw" bash -c "! grep -q \$'\\001' '$err'"
check "a control character is named by its code" stderr_has "unexpected character '\\x01'"

# Long chains are built iteratively (no recursion per operand), in linear time.
run grad "x'*($(/usr/bin/python3 -c "print('+'.join(['x'] * 18600))"))" --wrt x
check "a sum of 18600 terms is differentiated" bash -c "[ \"\$(cat '$out')\" = '37200*x' ]"
run simplify "sum($(/usr/bin/python3 -c "print('.*'.join('A%d' % i for i in range(15000)))"))" --deadline 5
check "a Hadamard product of 15000 matrices is simplified" status_is 0
run simplify "x$(/usr/bin/python3 -c "print(\"'\" * 100001)")"
check "100001 transposes are one" bash -c "[ \"\$(cat '$out')\" = \"x'\" ]"
# Combined matrix powers are bounded like literal ones, never wrapped around.
run simplify "X^1000^1000^1000^1000^1000^1000^1000"
check "a matrix power past 10^6 exits 2" status_is 2
check "a matrix power past 10^6 is named" stderr_has "a matrix power beyond"

run grad "x'*A*x" --wrt x
check "grad of a quadratic form" status_is 0
check "grad prints the compact form" bash -c "[ \"\$(cat '$out')\" = \"(A + A')*x\" ]"
# The variables may follow the expression, as people write grad f x.
run grad "x'*A*x" x A
check "grad EXPR x A gives both gradients" status_is 0
check "grad EXPR x A labels each" bash -c "grep -qx 'x:' '$out' && grep -qx 'A:' '$out'"
check "grad EXPR x A: the gradient by x" grep -qxF "(A + A')*x" "$out"
check "grad EXPR x A: the gradient by A" grep -qxF "x*x'" "$out"
run grad "x'*A*x"
check "grad without a variable exits 2" status_is 2
check "grad without a variable lists the expression's" stderr_has "which variable? name it with --wrt NAME or after the expression (its variables: x, A)"
check "grad without a variable is one line" stderr_lines 1
run grad "x'*A*x" x --wrt x
check "a variable named twice exits 2" status_is 2
check "a variable named twice is said" stderr_has "the variable x is named twice"
run grad "log(det(X))" --wrt X --emit numpy
check "grad --emit numpy" status_is 0
check "the NumPy gradient of log det X is inv(X)'" /usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(1)
X = rng.normal(size=(4, 4)) + 4 * np.eye(4)
g = eval(open('$out').read().strip().splitlines()[-1])
assert g.shape == X.shape and np.allclose(g, np.linalg.inv(X).T), g
"
# logdet of an unsymmetric product: the gradient holds wherever det(X*A) > 0.
run grad "logdet(X*A)" --wrt X --emit numpy
check "grad of logdet(X*A)" status_is 0
check "the NumPy gradient of logdet(X*A) agrees with finite differences" /usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(2)
X, A = rng.normal(size=(3, 5)), rng.normal(size=(5, 3))
if np.linalg.det(X @ A) < 0: A[:, 0] = -A[:, 0]
G = eval(open('$out').read().strip().splitlines()[-1])
f = lambda X: np.log(np.linalg.det(X @ A))
h, V = 1e-6, rng.normal(size=X.shape)
assert G.shape == X.shape and abs((f(X + h * V) - f(X - h * V)) / (2 * h) - np.sum(G * V)) < 1e-6, G
"
# A three-layer network: shared sub-terms are named, once each, in order.
net="norm2(W3*sigmoid(W2*sigmoid(W1*x)) - y)^2"
run grad "$net" --wrt W1
check "grad of a network names shared sub-terms" stdout_has "  where t1 = sigmoid(W1*x),"
check "each binding uses only earlier names" /usr/bin/python3 -c "
import re
lines = open('$out').read().splitlines()
defs = [re.match(r'\s*(?:where )?(t\d+) = (.*?),?$', l) for l in lines[1:]]
names = [d.group(1) for d in defs]
assert names == ['t%d' % (i + 1) for i in range(len(names))], names
for i, d in enumerate(defs):
    assert set(re.findall(r'\bt\d+\b', d.group(2))) <= set(names[:i]), d.group(0)
"
run grad "$net" --wrt W1 --emit numpy
check "the NumPy lines of a network's gradient run, and agree with finite differences" /usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(3)
sig = lambda z: 1 / (1 + np.exp(-z))
W1, W2, W3 = rng.normal(size=(4, 3)), rng.normal(size=(5, 4)), rng.normal(size=(2, 5))
x, y = rng.normal(size=(3, 1)), rng.normal(size=(2, 1))
f = lambda W1: float(np.sum((W3 @ sig(W2 @ sig(W1 @ x)) - y) ** 2))
lines = open('$out').read().strip().splitlines()
env = {'np': np, 'W1': W1, 'W2': W2, 'W3': W3, 'x': x, 'y': y}
for l in lines[:-1]: exec(l, env)
G = eval(lines[-1], env)
V = rng.normal(size=W1.shape)
h = 1e-6
fd = (f(W1 + h * V) - f(W1 - h * V)) / (2 * h)
assert G.shape == W1.shape and abs(fd - np.sum(G * V)) < 1e-6 * max(1, abs(fd)), (fd, np.sum(G * V))
"
run grad "$net" --wrt W1 --no-share
check "--no-share prints one expression" bash -c "[ \$(wc -l < '$out') = 1 ] && ! grep -q where '$out'"
run grad --wrt w --check -- "-<y, X*w> + logsumexp(X*w)"
check "grad --check" status_is 0
check "grad --check reports the agreement" stderr_has "check: agrees with the exact directional derivative"
run grad "<X*w - y, X*w - y>" --wrt w --steps
check "grad --steps" status_is 0
check "grad --steps ends with the gradient" bash -c "tail -n 1 '$out' | grep -qx \"2\\*X'\\*(X\\*w - y)\""
"$matcalc" rules list | awk '{print $1}' | sort >"$out.rules"
grep -o '\[[a-z0-9-]*\]' "$out" | tr -d '[]' | sort -u >"$out.used"
check "grad --steps names only rules that exist" bash -c "[ -s '$out.used' ] && comm -23 '$out.used' '$out.rules' | wc -l | grep -qx 0"
rm -f "$out.rules" "$out.used"
run grad "x'*A*x" --wrt x --emit json
check "grad --emit json" /usr/bin/python3 -c "
import json
j = json.load(open('$out'))
assert j['gradient']['text'] == \"(A + A')*x\" and j['gradient']['numpy'] and j['gradient']['latex']
assert all(s['rule'] for stage in j['steps'] for s in stage['steps'])
"
run grad "x" --wrt x
check "grad of a non-scalar exits 2" status_is 2
check "grad of a non-scalar says so in one line" stderr_has "must be scalar-valued"
run grad "tr(X)" --wrt Y
check "grad by an absent variable exits 2" status_is 2
run grad "x*y" --wrt x
check "grad of an ill-shaped expression exits 2" status_is 2
run grad "tr(kexpm(X))" --wrt X
check "grad the engine cannot do exits 2" status_is 2
check "grad the engine cannot do says what" stderr_has "no rule differentiates 'd(kexpm(X))'"
check "grad the engine cannot do is one line" stderr_lines 1
run grad "x'*x" --wrt x --emit pdf
check "an unknown --emit exits 2" status_is 2

run grad "x'*B*x" --wrt x --assume "symmetric(B)" --check
check "grad --assume lets symmetric(B) simplify" bash -c "[ \"\$(cat '$out')\" = '2*B*x' ]"
check "grad --assume is checked with symmetric samples" stderr_has "check: agrees"
# diagonal(C) with C inverted: the check's points are diagonal (they were any spd matrix,
# where the gradient simplified with C diagonal disagrees), and I .* I is I.
run grad "det(I .* C)" --wrt C --assume "diagonal(C)" --check
check "grad --assume diagonal(C) is checked at diagonal points" stderr_has "check: agrees"
check "grad --assume diagonal(C) reads det(C)*inv(C)" bash -c "[ \"\$(cat '$out')\" = 'det(C)*inv(C)' ]"
run grad "tr(X)" --wrt X --assume "diagonal(X)"
check "the gradient of tr(X) within diagonal matrices is I" bash -c "[ \"\$(cat '$out')\" = 'I' ]"
# spd(S) is symmetric, not diagonal: it once made S .* I simplify to S and equiv call
# C*(C .* B) and (C .* B)*C equal (drawing C diagonal).
run simplify "S .* I" --assume "spd(S)"
check "--assume spd(S) does not make S diagonal" bash -c "[ \"\$(cat '$out')\" = 'S .* I' ]"
run equiv "C*(C .* B)" "(C .* B)*C" --assume "spd(C)"
check "equiv under spd(C) draws C dense" status_is 1
run grad "x'*B*x" --wrt x --assume "unitary(B)"
check "an unknown --assume exits 2" status_is 2
run grad "x'*x" --wrt x --assume "constant(x)"
check "a structural guard as --assume exits 2" status_is 2
check "a structural guard as --assume says what --assume takes" stderr_has "not a fact about values; --assume takes symmetric(A)"
run grad --help
check "grad --help lists fullcolrank among the --assume facts" stdout_has "fullcolrank(A)"
run grad "x'*B*x" --wrt x --assume "spd(Q)"
check "--assume of an absent variable exits 2" status_is 2

# Within symmetric matrices the gradient is (G + G')/2 (docs/symmetric-gradients.md).
run grad "a'*X*b" --wrt X --assume "symmetric(X)" --check
check "grad wrt a symmetric X is symmetric" status_is 0
sym=$(cat "$out")
run equiv "$sym" "1/2*(a*b' + b*a')"
check "grad wrt a symmetric X is (G + G')/2" status_is 0

# Within diagonal matrices it is G .* I (Cookbook eq. 142).
run grad "a'*X*b + tr(X*C*X)" --wrt X --assume "diagonal(X)" --check
check "grad wrt a diagonal X passes its check" status_is 0
dg=$(cat "$out")
run equiv "$dg" "I .* (a*b' + X*C' + C'*X)" --assume "diagonal(X)"
check "grad wrt a diagonal X is G .* I" status_is 0
run equiv "$dg" "a*b' + X*C' + C'*X" --assume "diagonal(X)"
check "grad wrt a diagonal X is not the unconstrained G" status_is 1
run grad "a'*x" --wrt x --assume "diagonal(x)"
check "diagonal(x) of a vector exits 2" status_is 2
check "diagonal(x) of a vector says it must be square" stderr_has "must be square"

# Differentials, Jacobians and Hessians: shapes, labels, errors.
run diff "A*X*B" --wrt X
check "diff prints the differential" bash -c "[ \"\$(cat '$out')\" = 'A*d(X)*B' ]"
run jacobian "A*x" --wrt x --wrt A --emit numpy
check "jacobian with two variables assigns one result each" bash -c "grep -q '^d_x = A$' '$out' && grep -q '^d_A = np.kron' '$out'"
run jacobian "A*x" --wrt x --wrt A --emit json
check "jacobian with two variables gives a JSON array" bash -c "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d, list) and len(d) == 2 and d[1][\"wrt\"] == \"A\"' '$out'"
run hessian "x'*A*x + a'*x*y'*B*y" --wrt x --wrt y
check "hessian with two variables prints the four blocks" bash -c "grep -c ':$' '$out' | grep -qx 4 && grep -qx 'x,y:' '$out'"
run hessian "A*x" --wrt x
check "hessian of a non-scalar exits 2" status_is 2
check "hessian of a non-scalar says why" stderr_has "must be scalar-valued for a Hessian"
run grad "A*x" --wrt x
check "grad of a non-scalar points to jacobian" stderr_has "try jacobian"
jacobian_less=$(mktemp -d)
cp "$src"/rules/*.yaml "$jacobian_less" && rm "$jacobian_less/jacobian.yaml"
MATCALC_RULES=$jacobian_less run jacobian "A*X*B" --wrt X
check "a Jacobian no rule takes apart exits 2" status_is 2
check "and says which vec it could not take apart" stderr_has "could not bring 'vec(A*d(X)*B)'"
rm -r "$jacobian_less"
run jacobian "kron(A, X)" --wrt X
check "the Jacobian of a Kronecker product uses the commutation matrix K_{q,m}" \
  stdout_has "kron(kron(I, commutation((X'*ones)*(A*ones)')), I)*kron(vec(A), I)"
run jacobian "A*x" --wrt x --wrt x
check "a repeated --wrt exits 2" status_is 2
run parse "kron(A, B, C)"
check "a function given too many arguments exits 2" status_is 2
check "and says how many it takes" stderr_has "'kron' takes 2 arguments, not 3"

# Conventions: d alone is a variable (Cookbook eq. 78), Unicode from papers, stdin.
run grad "(B*x + b)'*C*(D*x + d)" --wrt x --check
check "d alone is a variable" status_is 0
run grad "xᵀ*A*x + λ*xᵀ*x" --wrt x
check "Unicode transpose and Greek letters are read" bash -c "[ \"\$(cat '$out')\" = \"(A + A' + 2*lambda*I)*x\" ]"
run equiv "⟨X, Y ⊙ Z⟩" "<X .* Y, Z>"
check "Unicode brackets and the Hadamard circle are read" status_is 0
run jacobian "A ⊗ B*X" --wrt X
check "⊗ is kron at the precedence of *" bash -c "[ \"\$(cat '$out')\" = \"kron(I, kron(A, B))\" ]"
run equiv "A ⊗ B + C" "kron(A, B) + C"
check "⊗ binds tighter than +" stdout_has "equal"
run simplify "A ⊗"
check "a ⊗ without its right operand is a parse error" status_is 2
check "its caret counts characters, not bytes" bash -c "tail -n 1 '$err' | grep -qx '     ^'"
"$matcalc" grad - --wrt x <<<"x'*A*x" >"$out" 2>"$err"; status=$?
check "an expression '-' is read from standard input" bash -c "[ \"\$(cat '$out')\" = \"(A + A')*x\" ]"
"$matcalc" grad --wrt x "x'*A*x" --steps >"$out" 2>"$err"; status=$?
check "--wrt takes one value: the expression may follow it, then more options" stdout_has "[diff-product]"
run grad "tr(C*logm(X))" --wrt X --steps
check "a derivation through logm says it assumed the principal branch's domain" stdout_has "assuming principal(X)"
run grad "tr(C*logm(X))" --wrt X --emit json
check "JSON of a result PyTorch cannot express has torch null" stdout_has '"torch": null'
run grad "-y'*log(softmax(W*x))" --wrt W
check "an expression may start with a minus sign" status_is 0

# --emit numpy-def: a complete function returning the value and the derivatives.
run grad "norm2(W2*tanh(W1*x) - y)^2" --wrt W1 --wrt W2 --emit numpy-def
check "numpy-def defines a function whose gradients match finite differences" /usr/bin/python3 -c "
import numpy as np, sys
scope = {}
exec(open(sys.argv[1]).read(), scope)
f = scope['f']
r = np.random.default_rng(1)
W1, W2, x, y = r.standard_normal((3, 4)), r.standard_normal((2, 3)), r.standard_normal((4, 1)), r.standard_normal((2, 1))
value, g1, g2 = f(W1, W2, x, y)
h = 1e-6
E = np.zeros_like(W1); E[1, 2] = h
fd = (f(W1 + E, W2, x, y)[0] - f(W1 - E, W2, x, y)[0]) / (2 * h)
assert abs(fd - g1[1, 2]) < 1e-5 * max(1, abs(fd)), (fd, g1[1, 2])
E = np.zeros_like(W2); E[0, 1] = h
fd = (f(W1, W2 + E, x, y)[0] - f(W1, W2 - E, x, y)[0]) / (2 * h)
assert abs(fd - g2[0, 1]) < 1e-5 * max(1, abs(fd)), (fd, g2[0, 1])
" "$out"

# batch: one JSON job per line in, one JSON line out per job, errors included.
printf '%s\n' '{"command": "grad", "expression": "x'"'"'*A*x", "wrt": "x", "emit": "json"}' 'not json' \
  '{"command": "grad", "expression": "tr(A*X", "wrt": "X"}' '{"command": "jacobian", "expression": "-A*X*B", "wrt": "X"}' \
  | "$matcalc" batch >"$out" 2>"$err"; status=$?
check "batch exits 1 when a job failed" status_is 1
check "batch answers every job in order, errors as JSON" python3 -c "
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l['ok'] for l in lines] == [True, False, False, True], lines
assert lines[0]['result']['gradient']['text'] == \"(A + A')*x\"
assert 'bad job' in lines[1]['error'] and 'parse error' in lines[2]['error']
assert lines[3]['output'].strip() == \"-kron(B', A)\"
" "$out"

# Random token soup through parse, simplify and grad: an answer or a clean
# error (exit 0, 1 or 2), never a crash or an internal error.
tokens=(A B x y alpha I ones 2 0.5 0 + - '*' / .* ./ .^ ^ "'" '(' ')' '<' '>' , 'tr(' 'det(' 'inv(' 'exp(' 'log(' 'sum(' 'norm2(' 'softmax(' 'd(' 'foo(' 'kron(' 'vec(' 'commutation(' ' ')
RANDOM=20261122
bad=0
for i in $(seq 1 150); do
  expr=""
  for j in $(seq 1 $((RANDOM % 9 + 1))); do expr+="${tokens[RANDOM % ${#tokens[@]}]}"; done
  for cmd in parse simplify "grad --wrt x" "jacobian --wrt x" "hessian --wrt x"; do
    # shellcheck disable=SC2086
    "$matcalc" $cmd -- "$expr" >/dev/null 2>"$err"
    code=$?
    if [ $code -gt 2 ] || grep -q "internal error" "$err"; then bad=$((bad + 1)); echo "  '$expr' ($cmd): exit $code: $(head -c 200 "$err")"; fi
  done
done
check "random input never crashes the CLI" [ "$bad" -eq 0 ]

# Right Hessians the self-check refused, at points where doubles keep no digit
# of them: 1 - tanh(x)^2 once tanh(x) rounds to 1, terms of exp(x) ~ 1e20
# that cancel, an inverse of condition ~1e7 squared. Such points are drawn again
# for a derivative (values alone compare well there); each is still verified.
for job in "tanh(exp(norm2(beta*exp(z) + z)^2))|z" "exp(cosh((z' + z' ./ (1 + z'.^2)) .* (6*z')) * softmax(z*logdet(C)))|C" \
           "tr(inv(sinh(P'*sigmoid(Q' + P))))|Q"; do
  run hessian --check --wrt "${job#*|}" -- "${job%|*}"
  check "hessian ${job%|*} is verified, not refused" status_is 0
done

run simplify "x'*A*x + x'*A'*x" --emit numpy
check "simplify --emit numpy prints NumPy" stdout_has "2 * (x.T @ A @ x)"
run simplify "x'*x" --emit json
check "simplify has no JSON form" status_is 2

run frobnicate
check "an unknown command exits 2" status_is 2
check "an unknown command is one line" stderr_lines 1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
