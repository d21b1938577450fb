#!/usr/bin/env bash
# scripts/demo.sh: `make demo`: the whole growth loop (flywheel demo) on 100,000 generated users,
# ending with demo-out/report.html.
#   scripts/demo.sh [FLYWHEEL_BINARY] [OUT_DIR] [USERS]
set -euo pipefail
fw=${1:-build/flywheel}
out=${2:-demo-out}
users=${3:-100000}
start=$(date +%s.%N)
"$fw" demo --out "$out" --users "$users" --seed 42
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v o="$out" 'BEGIN { printf "\nmake demo: %.1f s wall clock. Open %s/report.html in a browser; the workspace is %s/flywheel.db\n", e - s, o, o }' 
