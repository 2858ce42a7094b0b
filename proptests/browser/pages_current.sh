#!/usr/bin/env bash
# The catalog_pages_current test (CTest): the committed docs/catalog.html and
# docs/catalog.md must be what this build of matcalc generates from this
# tree's rules and identities; regenerate them with scripts/catalog.
# usage: pages_current.sh MATCALC SOURCE_DIR BUILD_DIR
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: pages_current.sh MATCALC SOURCE_DIR BUILD_DIR" >&2
  exit 2
fi
matcalc=$1 src=$2 out=$3/catalog-current
node=${MATCALC_NODE:-node}
export MATCALC_RULES="$src/rules" MATCALC_IDENTITIES="$src/identities"
mkdir -p "$out"
"$matcalc" catalog export > "$out/catalog.json"
"$node" "$src/docs/site/build.mjs" "$out/catalog.json" "$out"
stale=0
for page in catalog.md catalog.html; do
  if ! cmp -s "$out/$page" "$src/docs/$page"; then
    echo "docs/$page is stale: run scripts/catalog and commit it" >&2
    diff <(head -c 200000 "$src/docs/$page") <(head -c 200000 "$out/$page") | head -n 20 >&2 || true
    stale=1
  fi
done
exit $stale
