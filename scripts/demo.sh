#!/usr/bin/env bash
# scripts/demo.sh: the main job on the embedded workspace, until `flywheel demo` exists:
# generate a synthetic e-commerce data set, ingest it, and summarise the workspace.
#   scripts/demo.sh [FLYWHEEL_BINARY] [OUT_DIR]
set -euo pipefail
fw=${1:-build/flywheel}
out=${2:-demo-out}
rm -rf "$out"
mkdir -p "$out"
db="$out/flywheel.db"
"$fw" generate --users 20000 --days 90 --seed 42 --out "$out/data"
"$fw" --db "$db" ingest events "$out/data/events.csv"
"$fw" --db "$db" ingest spend "$out/data/spend.csv"
"$fw" --db "$db" ingest exposures "$out/data/exposures.csv"
"$fw" --db "$db" info
echo
echo "workspace: $db   try: $fw --db $db sql \"SELECT channel, count(*) FROM events WHERE event = 'signup' GROUP BY 1\""
