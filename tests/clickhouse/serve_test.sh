#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# serve_test.sh FLYWHEEL SOURCE_DIR WORK_DIR: `flywheel serve --backend clickhouse://...` on one
# server and on a two-shard cluster stores exactly what it acknowledges and answers the read
# routes with the embedded server's JSON.
#
# 1. Starts two local ClickHouse servers (scripts/clickhouse-local-cluster.sh, ports shifted by
#    FW_CH_PORT_OFFSET, default 850, moved on by 30 while taken); an unreachable URL makes
#    `serve` exit non-zero with the CLI's message.
# 2. Starts three servers on loopback (port 0): embedded (the reference, on a workspace that
#    ingested the generated events), single and cluster (empty ClickHouse databases).
# 3. Posts the same events to single and cluster in batches of 700, then one batch again (a
#    retry: all duplicates), a batch with duplicates inside it, and a batch with three bad rows
#    (rejected with their reasons). ClickHouse's counts, with and without FINAL, must equal the
#    embedded workspace's: a retried row is recognised and not sent again.
# 4. Every analytics route (retention, funnel, lifecycle, acquisition, with variants), the
#    experiment results and the summary's event KPIs are compared with the embedded server's
#    (compare_json.py: counts exact, doubles within 1e-12).
# 5. Crash: three rounds of kill -9 while a client streams batches; after each restart the
#    client resends the batch it was in (a retry). Every acknowledged event must be stored
#    exactly once.
# 6. Faults: shard 2 stopped -> the cluster server answers 503 (JSON) on analytics and events
#    and stays up; server 1 stopped -> the single server answers 503 too. Then both servers stop
#    on SIGTERM; the rejects are in their workspaces.
# Every process is stopped by its PID (trap EXIT). Exit 77 (skip) without clickhouse-server.
set -uo pipefail

if [ $# -lt 3 ]; then echo "usage: $0 FLYWHEEL SOURCE_DIR WORK_DIR" >&2; exit 2; fi
fw=$1
src=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
cluster_script="$src/scripts/clickhouse-local-cluster.sh"
compare="python3 $here/compare_json.py"
client="python3 $here/serve_client.py"

if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ] &&
   [ ! -x /usr/bin/clickhouse-server ]; then
  echo "SKIP: clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)"
  exit 77
fi
export FW_CH_PORT_OFFSET=${FW_CH_PORT_OFFSET:-850}

rm -rf "$work"
mkdir -p "$work"
cluster_dir="$work/cluster"
serve_pids=()
cleanup() {
  for pid in "${serve_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  "$cluster_script" stop "$cluster_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# shellcheck source=cluster_lib.sh
source "$src/tests/clickhouse/cluster_lib.sh"
start_local_cluster "$cluster_script" "$cluster_dir" "$work/cluster_start.log"
single=clickhouse://127.0.0.1:$FW_CH_HTTP1/fw_serve
cluster=${FW_CH_URL_CLUSTER/flywheel_dist/fw_serve_dist}
echo "clickhouse: $(cat "$cluster_dir"/n*/pid | tr '\n' ' ')(single $single, cluster $cluster)"

ch() {  # ch PORT SQL: one TSV answer from ClickHouse
  curl -fsS "http://127.0.0.1:$1/" --data-binary "$2"
}

# Starts `flywheel ARGS serve --port 0` in the background; sets $started_pid and $started_url.
start_serve() {
  local log=$1
  shift
  "$fw" "$@" serve --port 0 --frame-reload-ms 100 --alert-interval-ms 200 >"$log" 2>&1 &
  started_pid=$!
  serve_pids+=("$started_pid")
  started_url=""
  for _ in $(seq 1 300); do
    started_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$started_url" ] && return 0
    kill -0 "$started_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

key_of() { "$fw" --db "$1" --json keys create --role admin --name test |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }

# --- start-up against an unreachable ClickHouse ----------------------------------------------
"$fw" --db "$work/unreachable.db" --backend "clickhouse://127.0.0.1:1/fw" serve --port 0 \
  >"$work/unreachable.out" 2>"$work/unreachable.err"
rc=$?
if [ "$rc" != 0 ] && grep -q "cannot reach ClickHouse at http://127.0.0.1:1" "$work/unreachable.err"; then
  pass "serve exits $rc when ClickHouse is unreachable: $(head -1 "$work/unreachable.err")"
else
  fail "serve against an unreachable ClickHouse: rc $rc, stderr '$(cat "$work/unreachable.err")'"
fi

# --- data and the three servers ----------------------------------------------------------------
data="$work/data"
"$fw" generate --users 1500 --days 40 --seed 11 --out "$data" >/dev/null || { echo "FAIL: generate"; exit 1; }
emb="$work/embedded.db"
"$fw" --db "$emb" ingest events "$data/events.csv" >/dev/null || fail "embedded ingest events"
for db in "$emb" "$work/single.db" "$work/cluster.db"; do
  "$fw" --db "$db" ingest spend "$data/spend.csv" >/dev/null || fail "ingest spend into $db"
  "$fw" --db "$db" ingest exposures "$data/exposures.csv" >/dev/null || fail "ingest exposures into $db"
done
expected_events=$("$fw" --db "$emb" --json info | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["events"])')
echo "embedded: $expected_events events"
emb_key=$(key_of "$emb")
single_key=$(key_of "$work/single.db")
cluster_key=$(key_of "$work/cluster.db")
start_serve "$work/serve_embedded.log" --db "$emb" || { echo "FAIL: embedded serve: $(cat "$work/serve_embedded.log")"; exit 1; }
emb_url=$started_url
start_serve "$work/serve_single.log" --db "$work/single.db" --backend "$single" ||
  { echo "FAIL: serve on single: $(cat "$work/serve_single.log")"; exit 1; }
single_url=$started_url
single_pid=$started_pid
start_serve "$work/serve_cluster.log" --db "$work/cluster.db" --backend "$cluster" ||
  { echo "FAIL: serve on cluster: $(cat "$work/serve_cluster.log")"; exit 1; }
cluster_url=$started_url
cluster_pid=$started_pid
echo "serve: embedded $emb_url, single $single_url (pid $single_pid), cluster $cluster_url (pid $cluster_pid)"

# --- POST /v1/events ---------------------------------------------------------------------------
head -701 "$data/events.csv" | tail -700 >"$work/first_batch.rows"
python3 - "$data/events.csv" "$work" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
def ev(r):
    e = {k: v for k, v in r.items() if v != "" and k != "properties"}
    if "revenue" in e: e["revenue"] = float(e["revenue"])
    return e
json.dump([ev(r) for r in rows[:700]], open(sys.argv[2] + "/retry.json", "w"))
# Duplicates inside one batch: rows 700..709, each twice.
json.dump([ev(r) for r in rows[700:710]] * 2, open(sys.argv[2] + "/inner_dups.json", "w"))
bad = [ev(rows[0]) | {"event_id": "bad-1", "user_id": ""},
       ev(rows[0]) | {"event_id": "bad-2", "timestamp": "yesterday"},
       ev(rows[0]) | {"event_id": "bad-3", "revenue": "lots"}]
json.dump(bad, open(sys.argv[2] + "/bad.json", "w"))
# New events, posted while ClickHouse is (partly) down: never acknowledged.
fresh = [{"event_id": f"fresh-{i}", "user_id": f"fresh-{i}", "timestamp": 1_706_000_000 + i,
          "event": "view"} for i in range(5)]
json.dump(fresh, open(sys.argv[2] + "/fresh.json", "w"))
PY
for name in single cluster; do
  url_var=${name}_url
  key_var=${name}_key
  url=${!url_var}
  key=${!key_var}
  start_s=$(date +%s.%N)
  if ! $client post "$url" "$key" "$data/events.csv" 700 >"$work/post_$name.json" 2>"$work/post_$name.err"; then
    fail "posting to $name: $(cat "$work/post_$name.err")"
    continue
  fi
  seconds=$(python3 -c "print(round($(date +%s.%N) - $start_s, 2))")
  read -r accepted duplicates rejected < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["accepted"], d["duplicates"], d["rejected"])' "$work/post_$name.json")
  if [ "$accepted" = "$expected_events" ] && [ "$rejected" = 0 ]; then
    pass "$name: $accepted events accepted ($duplicates duplicates in the file) in $seconds s"
  else
    fail "$name: accepted $accepted, rejected $rejected; expected $expected_events and 0"
  fi
  $client raw "$url" "$key" "$work/retry.json" >"$work/retry_$name.json"
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["body"]; sys.exit(0 if d["status"]==200 and b["accepted"]==0 and b["duplicates"]==700 and b["rejected"]==[] else 1)' "$work/retry_$name.json"; then
    pass "$name: a retried batch of 700 is 700 duplicates, nothing accepted"
  else
    fail "$name: retried batch answered $(cat "$work/retry_$name.json")"
  fi
  $client raw "$url" "$key" "$work/inner_dups.json" >"$work/inner_$name.json"
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["body"]; sys.exit(0 if d["status"]==200 and b["accepted"]==0 and b["duplicates"]==20 else 1)' "$work/inner_$name.json"; then
    pass "$name: a batch of 10 stored events, each twice, is 20 duplicates"
  else
    fail "$name: batch with inner duplicates answered $(cat "$work/inner_$name.json")"
  fi
  $client raw "$url" "$key" "$work/bad.json" >"$work/bad_$name.json"
  reasons=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); b=d["body"]; print(d["status"], b["accepted"], ",".join(r["reason"] for r in b["rejected"]))' "$work/bad_$name.json")
  if [ "$reasons" = "200 0 missing_field,bad_timestamp,bad_number" ]; then
    pass "$name: three bad rows rejected ($reasons)"
  else
    fail "$name: bad rows answered '$reasons': $(cat "$work/bad_$name.json")"
  fi
done
for name in single cluster; do
  case $name in single) table=fw_serve.events ;; cluster) table=fw_serve_dist.events ;; esac
  final=$(ch "$FW_CH_HTTP1" "SELECT count() FROM $table FINAL")
  raw=$(ch "$FW_CH_HTTP1" "SELECT count() FROM $table")
  if [ "$final" = "$expected_events" ] && [ "$raw" = "$expected_events" ]; then
    pass "$name: ClickHouse holds $final events (FINAL) and $raw rows: none sent twice"
  else
    fail "$name: ClickHouse holds $final (FINAL) / $raw rows; expected $expected_events"
  fi
done
shard1=$(ch "$FW_CH_HTTP1" "SELECT count() FROM fw_serve_dist.events_local")
shard2=$(ch "$FW_CH_HTTP2" "SELECT count() FROM fw_serve_dist.events_local")
if [ "${shard1:-0}" -gt 0 ] && [ "${shard2:-0}" -gt 0 ] && [ $((shard1 + shard2)) = "$expected_events" ]; then
  pass "cluster: shards hold $shard1 + $shard2 events"
else
  fail "cluster: shards hold '$shard1' + '$shard2', expected $expected_events in all"
fi

# --- read routes: the embedded server's JSON -------------------------------------------------------
routes=(
  "/v1/analytics/retention"
  "/v1/analytics/retention?period=day&periods=20"
  "/v1/analytics/retention?mode=unbounded&start_event=purchase&return_event=purchase"
  "/v1/analytics/funnel?steps=signup,view,add_to_cart,purchase"
  "/v1/analytics/funnel?steps=view,purchase&window=1h&order=any"
  "/v1/analytics/lifecycle"
  "/v1/analytics/lifecycle?period=day&event=purchase"
  "/v1/analytics/acquisition"
  "/v1/analytics/acquisition?attribution=linear&period=day"
  "/v1/experiments/checkout_v2/results?metric=conversion:purchase&metric=revenue&metric=retention:7d"
  "/v1/experiments/checkout_v2/results?metric=count:view&metric=ratio:purchase/view&window_days=7"
)
i=0
for route in "${routes[@]}"; do
  i=$((i + 1))
  code=$($client get "$emb_url" "$emb_key" "$route" "$work/r${i}_embedded.json")
  if [ "$code" != 200 ]; then
    fail "embedded $route: HTTP $code $(head -c 300 "$work/r${i}_embedded.json")"
    continue
  fi
  for name in single cluster; do
    url_var=${name}_url
    key_var=${name}_key
    code=$($client get "${!url_var}" "${!key_var}" "$route" "$work/r${i}_$name.json")
    if [ "$code" != 200 ]; then
      fail "$name $route: HTTP $code $(head -c 300 "$work/r${i}_$name.json")"
    elif $compare "$work/r${i}_embedded.json" "$work/r${i}_$name.json" "$name $route" >"$work/r${i}_$name.diff"; then
      pass "$name $route"
    else
      fail "$name $route: $(head -5 "$work/r${i}_$name.diff")"
    fi
  done
done
# The summary's event KPIs (the rest is per server: uptime, bandits, events since start).
summary_keys() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: d[k] for k in ["events","users","events_last_hour_of_data","conversions","revenue","data_start","data_end"]}))' "$1"
}
sleep 0.3  # the embedded frame reload interval is 100 ms; the ClickHouse summary cache too
$client get "$emb_url" "$emb_key" /v1/summary "$work/summary_embedded.json" >/dev/null
summary_keys "$work/summary_embedded.json" >"$work/summary_embedded.kpi"
for name in single cluster; do
  url_var=${name}_url
  key_var=${name}_key
  code=$($client get "${!url_var}" "${!key_var}" /v1/summary "$work/summary_$name.json")
  summary_keys "$work/summary_$name.json" >"$work/summary_$name.kpi" 2>/dev/null
  if [ "$code" = 200 ] && $compare "$work/summary_embedded.kpi" "$work/summary_$name.kpi" "$name summary" >/dev/null; then
    pass "$name /v1/summary KPIs: $(cat "$work/summary_$name.kpi")"
  else
    fail "$name /v1/summary: HTTP $code $(cat "$work/summary_$name.kpi") vs $(cat "$work/summary_embedded.kpi")"
  fi
done

# Alert rules: evaluated through ClickHouse, they must give the embedded server's states.
rules=('{"name":"views_by_channel","metric":"conversion:view","by":"channel","window":"1d","drop":"30%"}'
       '{"name":"revenue_ewma","metric":"revenue","window":"12h","anomaly":"ewma"}'
       '{"name":"purchases_cusum","metric":"conversion:purchase","window":"1d","anomaly":"cusum"}')
for name in embedded single cluster; do
  case $name in embedded) url=$emb_url key=$emb_key ;; single) url=$single_url key=$single_key ;;
                cluster) url=$cluster_url key=$cluster_key ;; esac
  for rule in "${rules[@]}"; do
    code=$($client postjson "$url" "$key" /v1/alerts/rules "$rule")
    [ "$code" = 201 ] || fail "$name: POST /v1/alerts/rules $rule answered $code"
  done
done
sleep 1.5  # several alert rounds (every 200 ms)
alert_states() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({"firing": d["firing"], "alerts": [{k: a[k] for k in ("name","kind","state","message","value")} for a in d["alerts"]]}))' "$1"
}
$client get "$emb_url" "$emb_key" /v1/alerts "$work/alerts_embedded.json" >/dev/null
alert_states "$work/alerts_embedded.json" >"$work/alerts_embedded.states"
n_alerts=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["alerts"]))' "$work/alerts_embedded.json")
for name in single cluster; do
  url_var=${name}_url
  key_var=${name}_key
  $client get "${!url_var}" "${!key_var}" /v1/alerts "$work/alerts_$name.json" >/dev/null
  alert_states "$work/alerts_$name.json" >"$work/alerts_$name.states" 2>/dev/null
  if [ "${n_alerts:-0}" -ge 4 ] &&
     $compare "$work/alerts_embedded.states" "$work/alerts_$name.states" "$name alerts" >"$work/alerts_$name.diff"; then
    pass "$name /v1/alerts: the embedded server's $n_alerts alert states and messages"
  else
    fail "$name /v1/alerts ($n_alerts on embedded): $(head -5 "$work/alerts_$name.diff")"
  fi
done

# --- kill -9 while posting -----------------------------------------------------------------------
crash_url=clickhouse://127.0.0.1:$FW_CH_HTTP1/fw_crash
crash_db=$work/crash.db
crash_key=$(key_of "$crash_db")
acked=$work/crash_acked.log
: >"$acked"
next=0
for round in 1 2 3; do
  if ! start_serve "$work/serve_crash_$round.log" --db "$crash_db" --backend "$crash_url"; then
    fail "crash round $round: serve did not start: $(cat "$work/serve_crash_$round.log")"
    break
  fi
  pid=$started_pid
  $client stream "$started_url" "$crash_key" crash "$next" 250 "$acked" &
  client_pid=$!
  sleep "$(python3 -c "print(0.8 + 0.4 * $round)")"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  wait "$client_pid" 2>/dev/null
  last=$(tail -1 "$acked" | cut -d' ' -f2)
  next=$(( ${last:--1} + 1 ))
done
# One more start to take the retry of the batch that was in flight at the last kill.
if start_serve "$work/serve_crash_final.log" --db "$crash_db" --backend "$crash_url"; then
  pid=$started_pid
  timeout 2 $client stream "$started_url" "$crash_key" crash "$next" 250 "$acked"
  kill "$pid"
  wait "$pid"
fi
python3 - "$acked" "$FW_CH_HTTP1" <<'PY' >"$work/crash_check.txt"
import sys, urllib.request
acked = set()
for line in open(sys.argv[1]):
    a, b = map(int, line.split())
    acked.update(f"crash-{n}" for n in range(a, b + 1))
def q(sql):
    return urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/", sql.encode()).read().decode()
rows = {}
for line in q("SELECT user_id, count() FROM fw_crash.events GROUP BY user_id FORMAT TSV").splitlines():
    u, c = line.split("\t")
    rows[u] = int(c)
missing = [u for u in acked if u not in rows]
twice = [u for u, c in rows.items() if c != 1]
print(len(acked), len(rows), len(missing), len(twice))
PY
read -r n_acked n_stored n_missing n_twice <"$work/crash_check.txt"
if [ "${n_acked:-0}" -gt 0 ] && [ "$n_missing" = 0 ] && [ "$n_twice" = 0 ]; then
  pass "kill -9 x3: all $n_acked acknowledged events stored, each once ($n_stored stored, without FINAL)"
else
  fail "kill -9: acked $n_acked, stored $n_stored, missing $n_missing, stored twice $n_twice"
fi

# --- ClickHouse going away while serve runs --------------------------------------------------------
"$cluster_script" stop-one "$cluster_dir" 2
for route in /v1/analytics/retention /v1/summary; do
  sleep 0.2  # past the summary cache
  code=$($client get "$cluster_url" "$cluster_key" "$route" "$work/down_cluster.json")
  if [ "$code" = 503 ] && grep -q '"http_status":503' "$work/down_cluster.json"; then
    pass "cluster with shard 2 down: $route is 503: $(head -c 160 "$work/down_cluster.json")"
  else
    fail "cluster with shard 2 down: $route HTTP $code $(head -c 300 "$work/down_cluster.json")"
  fi
done
post_down=$($client raw "$cluster_url" "$cluster_key" "$work/fresh.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
[ "$post_down" = 503 ] && pass "cluster with shard 2 down: POST /v1/events is 503" ||
  fail "cluster with shard 2 down: POST /v1/events answered $post_down"
"$cluster_script" stop-one "$cluster_dir" 1
code=$($client get "$single_url" "$single_key" /v1/analytics/funnel?steps=view,purchase "$work/down_single.json")
if [ "$code" = 503 ] && grep -q "cannot reach ClickHouse" "$work/down_single.json"; then
  pass "single with ClickHouse stopped: analytics 503: $(head -c 160 "$work/down_single.json")"
else
  fail "single with ClickHouse stopped: HTTP $code $(head -c 300 "$work/down_single.json")"
fi
post_down=$($client raw "$single_url" "$single_key" "$work/fresh.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
[ "$post_down" = 503 ] && pass "single with ClickHouse stopped: POST /v1/events is 503" ||
  fail "single with ClickHouse stopped: POST /v1/events answered $post_down"
for name in single cluster; do
  url_var=${name}_url
  key_var=${name}_key
  code=$($client get "${!url_var}" "${!key_var}" /v1/bandits "$work/up_$name.json")
  [ "$code" = 200 ] && pass "$name stays up: GET /v1/bandits 200" || fail "$name: GET /v1/bandits $code"
done
for name in single cluster; do
  pid_var=${name}_pid
  kill "${!pid_var}"
  wait "${!pid_var}"
  rc=$?
  [ "$rc" = 0 ] && pass "$name serve stops cleanly on SIGTERM" || fail "$name serve exited $rc on SIGTERM"
  rejects=$("$fw" --db "$work/$name.db" --json sql "SELECT count(*) AS n FROM rejects WHERE source LIKE 'POST%'" |
            python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["n"])')
  [ "$rejects" = 3 ] && pass "$name: the 3 rejected rows are in the workspace's rejects table" ||
    fail "$name: rejects table holds '$rejects' POST rows, expected 3"
done

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all checks passed"
