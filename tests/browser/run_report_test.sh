#!/usr/bin/env bash
# run_report_test.sh: the demo's report in headless Chromium (see report_test.js).
#   run_report_test.sh FLYWHEEL_BINARY SOURCE_DIR ARTIFACT_DIR
# Exits 77 (CTest SKIP_RETURN_CODE) when chromium, node or playwright-core is absent.
set -euo pipefail
fw=$1
src=$2
out=$3
. "$src/tests/browser/common.sh"
require_browser "$src"
rm -rf "$out"
mkdir -p "$out"
"$fw" demo --users 20000 --seed 42 --out "$out/demo"
FW_SOURCE_DIR="$src" node "$src/tests/browser/report_test.js" "$out/demo/report.html" "$out" \
  overview,acquisition,retention,funnel,lifecycle,segments,experiments,bandits,mmm,clv
