#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/serve_clickhouse.sh FLYWHEEL WORK_DIR [SECONDS] [CONNS] [ROUNDS]: POST /v1/events
# throughput of `flywheel serve` on the embedded workspace, on one ClickHouse server and on a
# two-shard cluster, side by side in one run (the machine is shared: compare within a round).
#
# Each server starts with the same `flywheel generate --users 2000` events loaded (DuckDB, or
# ClickHouse through `ingest --backend`), then wrk (-t2 -c CONNS, default 32) posts 100 events
# per request with unique event_ids for SECONDS (default 6) to each server in turn, ROUNDS times
# (default 2). Events/s = the server's events_accepted_since_start delta over the run; the
# ClickHouse counts are checked at the end. SERVE_THREADS (default 8, serve's default) sets
# serve --threads, which bounds how many batches one group can hold. ClickHouse: scripts/clickhouse-local-cluster.sh on
# loopback (FW_CH_PORT_OFFSET, default 950); every process is stopped by PID.
set -euo pipefail
fw=$(realpath "$1")
work=$2
seconds=${3:-6}
conns=${4:-32}
rounds=${5:-2}
src=$(cd "$(dirname "$0")/.." && pwd)
export FW_CH_PORT_OFFSET=${FW_CH_PORT_OFFSET:-950}
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$src/scripts/clickhouse-local-cluster.sh" stop "$work/cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$src/scripts/clickhouse-local-cluster.sh" start "$work/cluster" 2 >/dev/null
# shellcheck disable=SC1091
source "$work/cluster/env"
single=clickhouse://127.0.0.1:$FW_CH_HTTP1/fw_bench
cluster=${FW_CH_URL_CLUSTER/flywheel_dist/fw_bench_dist}
"$fw" generate --users 2000 --days 30 --seed 5 --out "$work/data" >/dev/null
generated=$(( $(wc -l <"$work/data/events.csv") - 1 ))  # generate writes no duplicate rows
declare -A backend=([embedded]="" [single]="$single" [cluster]="$cluster")
declare -A url key
for name in embedded single cluster; do
  db=$work/$name.db
  if [ -z "${backend[$name]}" ]; then
    "$fw" --db "$db" ingest events "$work/data/events.csv" >/dev/null
  else
    "$fw" --db "$db" --backend "${backend[$name]}" ingest events "$work/data/events.csv" >/dev/null
  fi
  key[$name]=$("$fw" --db "$db" --json keys create --role admin --name bench |
               python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  args=(--db "$db")
  [ -n "${backend[$name]}" ] && args+=(--backend "${backend[$name]}")
  "$fw" "${args[@]}" serve --port 0 --threads "${SERVE_THREADS:-8}" >"$work/serve_$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    url[$name]=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/serve_$name.log" | head -1)
    [ -n "${url[$name]}" ] && break
    sleep 0.1
  done
done
cat >"$work/events.lua" <<'LUA'
local n = 0
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  run = tostring(os.time()) .. tostring(math.random(1000000))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local parts = {}
  for i = 1, 100 do
    parts[i] = string.format('{"event_id":"b%s-%d-%d-%d","user_id":"u%d","event":"view",' ..
      '"timestamp":"2026-01-01T00:00:00Z","channel":"email"}', run, tid, n, i, (n * 100 + i) % 50000)
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end
LUA
accepted() {
  curl -s -H "Authorization: Bearer ${key[$1]}" "${url[$1]}/v1/summary" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["events_accepted_since_start"])'
}
echo "serve POST /v1/events x100: $(date -u +%Y-%m-%dT%H:%MZ), wrk -t2 -c $conns -d ${seconds}s, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-9s %12s %10s %8s\n' round backend events/s p50 non2xx
for round in $(seq 1 "$rounds"); do
  for name in embedded single cluster; do
    before=$(accepted "$name")
    start=$(date +%s.%N)
    out=$(wrk -t2 -c "$conns" -d "${seconds}s" --latency --timeout 10s -s "$work/events.lua" \
          -H "Authorization: Bearer ${key[$name]}" "${url[$name]}/v1/events")
    end=$(date +%s.%N)
    after=$(accepted "$name")
    p50=$(awk '/^ +50%/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '%-6s %-9s %12.0f %10s %8s\n' "$round" "$name" \
      "$(python3 -c "print(($after - $before) / ($end - $start))")" "$p50" "${non2xx:-0}"
  done
done
for name in single cluster; do
  table=fw_bench.events
  [ "$name" = cluster ] && table=fw_bench_dist.events
  stored=$(curl -fsS "http://127.0.0.1:$FW_CH_HTTP1/" --data-binary "SELECT count() FROM $table FINAL")
  expected=$((generated + $(accepted "$name")))
  verdict=$([ "$stored" = "$expected" ] && echo exact || echo MISMATCH)
  echo "$name: $stored events in ClickHouse; $generated generated + accepted posts = $expected ($verdict)"
done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
