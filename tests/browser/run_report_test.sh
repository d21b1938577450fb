#!/usr/bin/env bash
# run_report_test.sh: the demo's report in headless Chromium (see report_test.js).
#   run_report_test.sh FLYWHEEL_BINARY SOURCE_DIR ARTIFACT_DIR
# Exits 77 (CTest SKIP_RETURN_CODE) when chromium, node or playwright-core is absent.
set -euo pipefail
fw=$1
src=$2
out=$3
if [ ! -x /usr/bin/chromium ]; then echo "SKIP: /usr/bin/chromium is absent (scripts/install-deps.sh installs it)"; exit 77; fi
if ! command -v node >/dev/null 2>&1; then echo "SKIP: node is absent"; exit 77; fi
if [ ! -d "$src/web/node_modules/playwright-core" ]; then
  echo "SKIP: $src/web/node_modules/playwright-core is absent (npm ci in web/)"; exit 77
fi
rm -rf "$out"
mkdir -p "$out"
"$fw" demo --users 20000 --seed 42 --out "$out/demo"
FW_SOURCE_DIR="$src" node "$src/tests/browser/report_test.js" "$out/demo/report.html" "$out" \
  overview,acquisition,retention,funnel,lifecycle,segments,experiments,bandits,mmm,clv
