#!/usr/bin/env bash
# run_dashboard_test.sh: the live dashboard of `flywheel serve` in headless Chromium (see
# dashboard_test.js).
#   run_dashboard_test.sh FLYWHEEL_BINARY SOURCE_DIR ARTIFACT_DIR
# Builds a small workspace (generate --users 2000, ingest events/spend/exposures, a bandit, an
# experiment, a read and a write key), starts the server on a free loopback port, runs the
# browser test, and stops the server by its PID. Exits 77 (CTest SKIP_RETURN_CODE) when
# chromium, node or playwright-core is absent.
set -euo pipefail
fw=$1
src=$2
out=$3
. "$src/tests/browser/common.sh"
require_browser "$src"
rm -rf "$out"
mkdir -p "$out"
db="$out/flywheel.db"
"$fw" generate --users 2000 --seed 11 --out "$out/data" >/dev/null
"$fw" --db "$db" ingest events "$out/data/events.csv" >/dev/null
"$fw" --db "$db" ingest spend "$out/data/spend.csv" >/dev/null
"$fw" --db "$db" ingest exposures "$out/data/exposures.csv" >/dev/null
"$fw" --db "$db" bandit create promo --arms email,social,search --policy ts >/dev/null
"$fw" --db "$db" experiment create checkout_v2 --variants control:0.5,treatment:0.5 \
  --metric conversion:purchase >/dev/null
read_key=$("$fw" --db "$db" --json keys create --role read --name dashboard-test |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
write_key=$("$fw" --db "$db" --json keys create --role write --name dashboard-test |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).key))')
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')

"$fw" --db "$db" serve --port "$port" --quiet --frame-reload-ms 300 --alert-interval-ms 1000 \
  2>"$out/serve.log" &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" || true
  fi
}
trap stop EXIT
for _ in $(seq 1 150); do
  if node -e "require('http').get('http://127.0.0.1:$port/healthz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "FAIL: flywheel serve exited"; cat "$out/serve.log"; exit 1; fi
  sleep 0.1
done

rc=0
FW_SOURCE_DIR="$src" node "$src/tests/browser/dashboard_test.js" "http://127.0.0.1:$port" \
  "$read_key" "$write_key" "$out" || rc=$?
stop
trap - EXIT
exit $rc
