#!/usr/bin/env bash
# The catalog_page test (CTest): exports the catalog with this build's
# matcalc, builds the page into the build directory with docs/site/build.mjs,
# and opens it in headless Chromium with catalog_page.test.mjs.
# usage: run.sh MATCALC SOURCE_DIR BUILD_DIR
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: run.sh MATCALC SOURCE_DIR BUILD_DIR" >&2
  exit 2
fi
matcalc=$1 src=$2 out=$3/catalog-page
node=${MATCALC_NODE:-node}
# The catalog of this source tree, whichever tree the binary was built from.
export MATCALC_RULES="$src/rules" MATCALC_IDENTITIES="$src/identities"
if [ ! -d "$src/docs/site/node_modules/katex" ] || [ ! -d "$src/docs/site/node_modules/playwright-core" ]; then
  echo "catalog_page: $src/docs/site/node_modules is missing; run scripts/setup" >&2
  exit 1
fi
mkdir -p "$out"
"$matcalc" catalog export > "$out/catalog.json"
"$node" "$src/docs/site/build.mjs" "$out/catalog.json" "$out"
"$node" "$src/proptests/browser/catalog_page.test.mjs" "$out/catalog.html" "$out/screenshot.png"
