#!/usr/bin/env bash
# cmake --install into a temporary prefix, then a project outside the tree
# finds it (find_package(matcalc)), builds against matcalc::engine and runs;
# the installed CLI finds the installed identity catalog.
# usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/lib/cmake/matcalc/matcalcConfig.cmake"
test -f "$tmp/prefix/share/matcalc/rules/gradient.yaml"
test -f "$tmp/prefix/include/matcalc/calculus.hpp"
cmake -S "$source/examples/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
out=$("$tmp/consumer/consumer")
[ "$out" = "(A + A')*x" ] || { echo "the consumer printed '$out'"; exit 1; }
out=$("$tmp/prefix/bin/matcalc" grad "x'*A*x" --wrt x)
[ "$out" = "(A + A')*x" ] || { echo "the installed CLI printed '$out'"; exit 1; }
"$tmp/prefix/bin/matcalc" --version | grep -q "^matcalc [0-9]"
"$tmp/prefix/bin/matcalc" identities check --identities "$tmp/prefix/share/matcalc/identities" | tail -n 1 | grep -q " 0 failed"
# The Python module, where it was built, imports from the installed prefix and finds the installed catalog.
package=$(find "$tmp/prefix" -type d -path '*dist-packages/matcalc' | head -n 1)
if [ -n "$package" ]; then
  out=$(cd "$tmp" && PYTHONPATH="$(dirname "$package")" /usr/bin/python3 -c "import matcalc; print(matcalc.grad(\"x'*A*x\", wrt='x').text); assert matcalc.lookup('logdet')")
  [ "$out" = "(A + A')*x" ] || { echo "the installed Python module printed '$out'"; exit 1; }
fi
echo "installed, found by find_package, built against and run"
