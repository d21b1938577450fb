#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/server.sh: HTTP throughput and latency of `flywheel serve` against nginx serving a small
# static file, in one run, with wrk (Debian packages wrk and nginx; installed with apt-get when
# missing). Both servers are started by hand on 127.0.0.1 with non-default ports and temp
# prefixes, and stopped by PID.
#   1. nginx, GET of a 256-byte static JSON file (the ceiling of this machine's loopback HTTP);
#   2. POST /v1/decide (Thompson sampling over 3 arms; each decision is written to the decision
#      log before its answer and reaches the `decisions` table with the next batch flush);
#   3. GET /v1/assign (hash assignment; a user's first assignment logs an exposure);
#   4. POST /v1/events, 100 events per request with unique event_ids (validation on the request
#      thread, dedup and a group-committed DuckDB transaction); events/s counted from
#      /v1/summary, not assumed.
# Each is measured with wrk -t THREADS -c CONNS -d DURATION, then again with -c LIGHT_CONNS to
# approximate the latency at a lower offered load. wrk is closed-loop (wrk2's fixed -R rate is
# not packaged in Debian), so the light run lowers the load by lowering the concurrency; its
# rate is printed next to it.
#
# Usage: bench/server.sh [path/to/flywheel]  (default: build/flywheel)
#   env: THREADS=2 CONNS=32 LIGHT_CONNS=4 DURATION=10s SERVE_THREADS=64
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
fw="${1:-$root/build/flywheel}"
[[ -x "$fw" ]] || { echo "no flywheel binary at $fw; pass its path" >&2; exit 2; }
threads=${THREADS:-2}
conns=${CONNS:-32}
light=${LIGHT_CONNS:-4}
duration=${DURATION:-10s}
serve_threads=${SERVE_THREADS:-64}

if ! command -v wrk >/dev/null 2>&1 || [[ ! -x /usr/sbin/nginx ]]; then
  SUDO=""; [[ "$(id -u)" != 0 ]] && SUDO=sudo
  $SUDO apt-get install -y -qq wrk nginx >/dev/null || {
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk nginx >/dev/null; }
fi
nginx_bin=/usr/sbin/nginx

tmp="$(mktemp -d)"
nginx_pid=""
fw_pid=""
cleanup() {
  [[ -n "$fw_pid" ]] && kill -TERM "$fw_pid" 2>/dev/null && wait "$fw_pid" 2>/dev/null || true
  [[ -n "$nginx_pid" ]] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_http() {  # URL: up to 15 s
  for _ in $(seq 1 150); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "server at $1 did not come up" >&2
  return 1
}

# --- nginx: one prefix, config, log and pid file under $tmp, in the foreground (its own PID).
nginx_port=$(free_port)
mkdir -p "$tmp/nginx/html" "$tmp/nginx/logs"
python3 - "$tmp/nginx/html/static.json" <<'PY'
import json, sys
doc = {"decision_id": "d" * 32, "bandit": "promo", "user_id": "u1234567", "arm": "email",
       "propensity": 0.3333, "propensity_kind": "sampled", "context": {}, "pad": ""}
doc["pad"] = "x" * (255 - len(json.dumps(doc)))
open(sys.argv[1], "w").write(json.dumps(doc) + "\n")  # 256 bytes, about a decide answer
PY
cat > "$tmp/nginx/nginx.conf" <<CONF
worker_processes auto;
error_log $tmp/nginx/logs/error.log warn;
pid $tmp/nginx/logs/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/html;
    location / { default_type application/json; }
  }
}
CONF
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
chmod -R a+rX "$tmp"  # mktemp -d is 0700; nginx's workers run as another user when we are root
wait_http "http://127.0.0.1:$nginx_port/static.json"

# --- flywheel: a temp workspace with a bandit, an experiment and an admin key.
db="$tmp/fw/flywheel.db"
mkdir -p "$tmp/fw"
"$fw" generate --users 2000 --seed 3 --out "$tmp/fw/data" >/dev/null
"$fw" --db "$db" ingest events "$tmp/fw/data/events.csv" >/dev/null
"$fw" --db "$db" bandit create promo --arms email,social,search --policy ts >/dev/null
"$fw" --db "$db" experiment create checkout --variants control:0.5,treatment:0.5 >/dev/null
key=$("$fw" --db "$db" --json keys create --role admin --name bench |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
fw_port=$(free_port)
"$fw" --db "$db" serve --port "$fw_port" --threads "$serve_threads" --quiet 2>"$tmp/fw/serve.log" &
fw_pid=$!
wait_http "http://127.0.0.1:$fw_port/healthz"

# --- wrk scripts. Every script ends with the same done(): one machine-readable line.
cat > "$tmp/done.lua" <<'LUA'
function done(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format("FWRESULT %.1f %.3f %.3f %d %d\n", summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
LUA
auth="Bearer $key"
cat > "$tmp/static.lua" <<LUA
dofile("$tmp/done.lua")
LUA
cat > "$tmp/decide.lua" <<LUA
dofile("$tmp/done.lua")
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "$auth"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"bandit":"promo","user_id":"u' .. (n % 100000) .. '"}')
end
LUA
cat > "$tmp/assign.lua" <<LUA
dofile("$tmp/done.lua")
local n = 0
wrk.headers["Authorization"] = "$auth"
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/assign?experiment=checkout&user_id=u" .. (n % 100000))
end
LUA
cat > "$tmp/events.lua" <<LUA
dofile("$tmp/done.lua")
local n = 0
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  run = tostring(os.time())  -- with tid (set by setup): ids unique across threads and runs
end
wrk.method = "POST"
wrk.headers["Authorization"] = "$auth"
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

declare -A rps p50 p99
run() {  # NAME URL SCRIPT CONNS
  local out line
  out=$(wrk -t "$threads" -c "$4" -d "$duration" --timeout 10s -s "$3" "$2")
  line=$(grep '^FWRESULT' <<<"$out")
  read -r _ r a b non2xx sockerr <<<"$line"
  rps[$1]=$r; p50[$1]=$a; p99[$1]=$b
  if [[ "$non2xx" != 0 || "$sockerr" != 0 ]]; then
    echo "warning: $1: $non2xx non-2xx answers, $sockerr socket errors" >&2
  fi
}
accepted() {
  curl -s -H "Authorization: $auth" "http://127.0.0.1:$fw_port/v1/summary" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["events_accepted_since_start"])'
}

base="http://127.0.0.1:$fw_port"
declare -A url=([nginx]="http://127.0.0.1:$nginx_port/static.json" [decide]="$base/v1/decide"
                 [assign]="$base/v1/assign" [events]="$base/v1/events")
declare -A script=([nginx]=static [decide]=decide [assign]=assign [events]=events)
declare -A label=([nginx]="nginx static 256 B" [decide]="POST /v1/decide"
                   [assign]="GET /v1/assign" [events]="POST /v1/events x100")
echo "flywheel serve bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, wrk -t $threads -c $conns -d $duration" \
  "(light: -c $light), serve --threads $serve_threads"
run nginx "${url[nginx]}" "$tmp/static.lua" "$conns"
run decide "${url[decide]}" "$tmp/decide.lua" "$conns"
run assign "${url[assign]}" "$tmp/assign.lua" "$conns"
before=$(accepted)
start=$(date +%s.%N)
run events "${url[events]}" "$tmp/events.lua" "$conns"
end=$(date +%s.%N)
after=$(accepted)
events_per_s=$(python3 -c "print(f'{($after - $before) / ($end - $start):.0f}')")
for name in nginx decide assign events; do
  run "$name-light" "${url[$name]}" "$tmp/${script[$name]}.lua" "$light"
done

printf "\n%-22s %10s %9s %9s %9s | %-10s %9s %9s\n" target "req/s" "p50 ms" "p99 ms" "vs nginx" \
  "light req/s" "p50 ms" "p99 ms"
for name in nginx decide assign events; do
  ratio=$(python3 -c "print(f'{${rps[$name]} / ${rps[nginx]}:.3f}')")
  printf "%-22s %10s %9s %9s %9s | %-10s %9s %9s\n" "${label[$name]}" "${rps[$name]}" "${p50[$name]}" \
    "${p99[$name]}" "$ratio" "${rps[$name-light]}" "${p50[$name-light]}" "${p99[$name-light]}"
done
echo
echo "ingest: $((after - before)) events accepted in $(python3 -c "print(f'{$end - $start:.1f}')") s = $events_per_s events/s (from /v1/summary)"
