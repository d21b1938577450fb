#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# parity_test.sh FLYWHEEL SOURCE_DIR WORK_DIR: the ClickHouse backend returns the embedded
# workspace's numbers, on one server and on a two-shard cluster, and fails loudly when it cannot.
#
# 1. Starts two local servers (scripts/clickhouse-local-cluster.sh, ports shifted by
#    FW_CH_PORT_OFFSET, default 700, moved on by 30 while the ports are taken) and generates
#    ~5,000 users (flywheel generate).
# 2. Ingests the same events.csv into the embedded workspace, one server and the cluster; the
#    ClickHouse runs read spend and exposures from a workspace that holds only those.
# 3. Compares the --json output of every command the backend supports (info counts, retention,
#    funnel in all three orders, lifecycle, acquisition, experiment analyze, with their
#    variants): counts exactly, rates within 1e-12 (compare_json.py); for segment also the
#    feature matrix (--features-out: counts exactly, values within 1e-9, compare_features.py)
#    and then the same segments; every --by value of retention, funnel and lifecycle; and the
#    adversarial funnel cases of funnel_cases.py, user by user.
# 4. Faults: an unreachable URL exits non-zero naming the endpoint; a re-sent file and an
#    interrupted-then-rerun ingest leave exact counts; a shard killed while it executes a query
#    makes the query an error; with one shard down every query is an error with no output on
#    stdout, never a partial result.
# The servers are always stopped by PID (trap EXIT). Exit 77 (skip) without clickhouse-server.
set -uo pipefail

if [ $# -lt 3 ]; then echo "usage: $0 FLYWHEEL SOURCE_DIR WORK_DIR" >&2; exit 2; fi
fw=$1
src=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
cluster_script="$src/scripts/clickhouse-local-cluster.sh"
compare="python3 $here/compare_json.py"

if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/bin/clickhouse-server ]; then
  echo "SKIP: clickhouse-server is not installed (apt-get install clickhouse-server clickhouse-client)"
  exit 77
fi
export FW_CH_PORT_OFFSET=${FW_CH_PORT_OFFSET:-700}

rm -rf "$work"
mkdir -p "$work"
cluster_dir="$work/cluster"
cleanup() { "$cluster_script" stop "$cluster_dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# shellcheck source=cluster_lib.sh
source "$src/tests/clickhouse/cluster_lib.sh"
start_local_cluster "$cluster_script" "$cluster_dir" "$work/cluster_start.log"
single=$FW_CH_URL_SINGLE
cluster=$FW_CH_URL_CLUSTER
echo "servers: $(cat "$cluster_dir"/n*/pid | tr '\n' ' ')(single $single, cluster $cluster)"

data="$work/data"
"$fw" generate --users 5000 --days 60 --seed 7 --out "$data" >/dev/null || { echo "FAIL: generate"; exit 1; }
emb="$work/embedded.db"
spend_only="$work/spend_only.db"
"$fw" --db "$emb" ingest events "$data/events.csv" >/dev/null || fail "embedded ingest events"
"$fw" --db "$emb" ingest spend "$data/spend.csv" >/dev/null || fail "embedded ingest spend"
"$fw" --db "$spend_only" ingest spend "$data/spend.csv" >/dev/null || fail "spend-only ingest"
# Exposures stay in the workspace on every backend (experiment analyze reads them from --db).
"$fw" --db "$emb" ingest exposures "$data/exposures.csv" >/dev/null || fail "embedded ingest exposures"
"$fw" --db "$spend_only" ingest exposures "$data/exposures.csv" >/dev/null || fail "spend-only ingest exposures"
expected_events=$("$fw" --db "$emb" --json info | python3 -c 'import json,sys; print(json.load(sys.stdin)["tables"]["events"])')
expected_users=$("$fw" --db "$emb" --json info | python3 -c 'import json,sys; print(json.load(sys.stdin)["users"])')
echo "embedded: $expected_events events, $expected_users users"

# Runs `flywheel --json ARGS` on backend $1 (empty: embedded) into $2.json / $2.err / $2.rc.
run() {
  local backend=$1 out=$2
  shift 2
  if [ -z "$backend" ]; then
    "$fw" --db "$emb" --json "$@" >"$out.json" 2>"$out.err"
  else
    "$fw" --db "$spend_only" --backend "$backend" --json "$@" >"$out.json" 2>"$out.err"
  fi
  echo $? >"$out.rc"
}

# Event count and users of a backend, as "EVENTS USERS FROM TO".
backend_counts() {
  "$fw" --backend "$1" --json info |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events"], d["users"], d["events_from"], d["events_to"])'
}

# --- ingest ------------------------------------------------------------------------------------
for name in single cluster; do
  url=${!name}
  run "$url" "$work/ingest_$name" ingest events "$data/events.csv"
  if [ "$(cat "$work/ingest_$name.rc")" != 0 ]; then
    fail "ingest into $name: $(cat "$work/ingest_$name.err")"
  fi
done
embedded_extent=$("$fw" --db "$emb" --json info | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["events_from"], d["events_to"])')
for name in single cluster; do
  got=$(backend_counts "${!name}")
  if [ "$got" = "$expected_events $expected_users $embedded_extent" ]; then
    pass "info on $name: $got"
  else
    fail "info on $name: '$got', expected '$expected_events $expected_users $embedded_extent'"
  fi
done
# Every shard holds users of its own: sipHash64(user_id) splits them, none is on both.
shard_users=$(for port in "$FW_CH_HTTP1" "$FW_CH_HTTP2"; do
  curl -fsS "http://127.0.0.1:$port/" --data-binary "SELECT uniqExact(user_id) FROM flywheel_dist.events_local FORMAT TSV"
done | tr '\n' ' ')
read -r u1 u2 <<<"$shard_users"
if [ "${u1:-0}" -gt 0 ] && [ "${u2:-0}" -gt 0 ] && [ $((u1 + u2)) = "$expected_users" ]; then
  pass "shards hold $u1 + $u2 users"
else
  fail "shard users '$shard_users' do not add up to $expected_users"
fi

# --- parity of every supported command ----------------------------------------------------------
commands=(
  "retention"
  "retention --period day --periods 30"
  "retention --period month --periods 3"
  "retention --start-event purchase --return-event purchase"
  "retention --mode first-time --return-event add_to_cart"
  "retention --mode unbounded"
  "retention --min-occurrences 3 --period day --periods 14"
  "funnel signup view add_to_cart purchase"
  "funnel signup view add_to_cart purchase --order any"
  "funnel view add_to_cart purchase --window 1h"
  "funnel view purchase --window 30d"
  "funnel signup view add_to_cart purchase --order strict"
  "funnel signup view add_to_cart purchase --order strict --window 1h"
  "funnel view add_to_cart purchase --order strict --window 10m"
  "lifecycle"
  "lifecycle --period day"
  "lifecycle --period month --event purchase"
  "acquisition"
  "acquisition --attribution first --period day"
  "acquisition --attribution linear"
  "acquisition --attribution time-decay"
  "acquisition --attribution position"
  "acquisition --attribution position:30/50/20 --lookback 3d --conversion-window 7d --period month"
  "experiment analyze checkout_v2 --metric conversion:purchase --metric revenue --metric count:view --metric retention:7d --metric ratio:purchase/view"
  "experiment analyze checkout_v2 --metric conversion:purchase --metric revenue --cuped pre:count:view:14 --window 7d"
  "experiment analyze checkout_v2 --metric revenue --winsorize 0.99 --method bayesian"
)
i=0
for cmd in "${commands[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  run "" "$work/c${i}_embedded" $cmd
  if [ "$(cat "$work/c${i}_embedded.rc")" != 0 ]; then
    fail "embedded '$cmd': $(cat "$work/c${i}_embedded.err")"
    continue
  fi
  for name in single cluster; do
    # shellcheck disable=SC2086
    run "${!name}" "$work/c${i}_$name" $cmd
    if [ "$(cat "$work/c${i}_$name.rc")" != 0 ]; then
      fail "$name '$cmd' exited $(cat "$work/c${i}_$name.rc"): $(cat "$work/c${i}_$name.err")"
    elif $compare "$work/c${i}_embedded.json" "$work/c${i}_$name.json" "$name '$cmd'"; then
      pass "$name '$cmd'"
    else
      fail "$name '$cmd' differs from embedded"
    fi
  done
done

# --- segment: the feature matrix computed in ClickHouse, then the same k-means ------------------
segment_commands=(
  "segment --features rfm --k 4 --seed 3"
  "segment --features all --k auto --k-max 5 --seed 1"
  "segment --features channels --k 5 --seed 2"
  "segment --features engagement --k 3 --purchase-event no_such_event --scale robust"
  "segment --features behaviour --k 3 --seed 1"
)
i=0
for cmd in "${segment_commands[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  run "" "$work/s${i}_embedded" $cmd --features-out "$work/s${i}_embedded.csv"
  if [ "$(cat "$work/s${i}_embedded.rc")" != 0 ]; then
    fail "embedded '$cmd': $(cat "$work/s${i}_embedded.err")"
    continue
  fi
  for name in single cluster; do
    # shellcheck disable=SC2086
    run "${!name}" "$work/s${i}_$name" $cmd --features-out "$work/s${i}_$name.csv"
    if [ "$(cat "$work/s${i}_$name.rc")" != 0 ]; then
      fail "$name '$cmd' exited $(cat "$work/s${i}_$name.rc"): $(cat "$work/s${i}_$name.err")"
    elif python3 "$here/compare_features.py" "$work/s${i}_embedded.csv" "$work/s${i}_$name.csv" "$name '$cmd' features" &&
         $compare "$work/s${i}_embedded.json" "$work/s${i}_$name.json" "$name '$cmd'"; then
      pass "$name '$cmd': same features and segments"
    else
      fail "$name '$cmd' differs from embedded"
    fi
  done
done

# Compares `flywheel --json ARGS` on the embedded workspace $1 with the single server and the
# cluster ($3 and $4, whose side workspace is $2), writing $5_*.json; one pass/fail per backend.
compare_on() {
  local emb_db=$1 side_db=$2 single_url=$3 cluster_url=$4 out=$5
  shift 5
  "$fw" --db "$emb_db" --json "$@" >"${out}_embedded.json" 2>"${out}_embedded.err"
  local rc=$?
  if [ "$rc" != 0 ]; then
    fail "embedded '$*' exited $rc: $(head -c 300 "${out}_embedded.err")"
    return
  fi
  for name in single cluster; do
    local url=$single_url
    [ "$name" = cluster ] && url=$cluster_url
    "$fw" --db "$side_db" --backend "$url" --json "$@" >"${out}_$name.json" 2>"${out}_$name.err"
    rc=$?
    if [ "$rc" != 0 ]; then
      fail "$name '$*' exited $rc: $(head -c 300 "${out}_$name.err")"
    elif $compare "${out}_embedded.json" "${out}_$name.json" "$name '$*'"; then
      pass "$name '$*'"
    else
      fail "$name '$*' differs from embedded"
    fi
  done
}

# --- --by breakdowns: each label computed per user in ClickHouse, the metric grouped by it ------
# segment uses the latest segmentation run of each side: the embedded workspace's last run above
# and the one the cluster run wrote to $spend_only (equal, as the segment checks showed); variant
# reads the exposures of checkout_v2 from the workspace. acquisition takes no --by on any backend.
by_values=("channel" "first_channel" "segment" "variant --experiment checkout_v2")
by_commands=(
  "retention"
  "retention --start-event purchase --return-event purchase --period day --periods 14"
  "funnel signup view add_to_cart purchase"
  "funnel signup view add_to_cart purchase --order any"
  "funnel view add_to_cart purchase --order strict --window 1h"
  "lifecycle"
  "lifecycle --event purchase --period day"
)
i=0
for by in "${by_values[@]}"; do
  for cmd in "${by_commands[@]}"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    compare_on "$emb" "$spend_only" "$single" "$cluster" "$work/b$i" $cmd --by $by
  done
done
# The same --by errors on every backend: an unknown value and variant without --experiment are
# invalid arguments (exit 3), and acquisition has no --by at all (a usage error, exit 2).
for check in "3:retention --by bogus" "3:funnel signup view --by variant" "2:acquisition --by channel"; do
  want=${check%%:*}
  args=${check#*:}
  codes=""
  for name in "" single cluster; do
    # shellcheck disable=SC2086
    run "${name:+${!name}}" "$work/byerr" $args
    codes="$codes $(cat "$work/byerr.rc")"
  done
  if [ "$codes" = " $want $want $want" ]; then pass "'$args' exits $want on every backend"
  else fail "'$args' exit codes (embedded, single, cluster):$codes, expected $want"; fi
done

# --- adversarial funnels: tests/clickhouse/funnel_cases.py ------------------------------------
# Same-instant steps, events between steps or at a step's instant, window edges at exactly
# t1 + W and one µs past it, re-entries, and 600 random users on few instants. Each user is its
# own variant of experiment per_user, so the funnel is compared user by user.
cases="$work/cases"
python3 "$here/funnel_cases.py" "$cases" || fail "funnel_cases.py"
cases_emb="$work/cases.db"
cases_side="$work/cases_side.db"
"$fw" --db "$cases_emb" ingest events "$cases/events.csv" >/dev/null || fail "cases ingest events"
"$fw" --db "$cases_emb" ingest exposures "$cases/exposures.csv" >/dev/null || fail "cases ingest exposures"
"$fw" --db "$cases_side" ingest exposures "$cases/exposures.csv" >/dev/null || fail "cases side exposures"
cases_single=${single/\/flywheel/\/flywheel_cases}
cases_cluster=${cluster/\/flywheel_dist/\/flywheel_cases_dist}
for url in "$cases_single" "$cases_cluster"; do
  "$fw" --backend "$url" ingest events "$cases/events.csv" >/dev/null 2>"$work/cases_ingest.err" ||
    fail "cases ingest into $url: $(cat "$work/cases_ingest.err")"
done
per_user="--by variant --experiment per_user"
case_commands=(
  "funnel a b c d --order strict --window 10s"
  "funnel a b c d --order strict --window 10s $per_user"
  "funnel a b c d --order strict --window 3s $per_user"
  "funnel a b c d --order strict --window 10s --by first_channel"
  "funnel b c d --order strict --window 5s --by channel"
  "funnel a b c d --order ordered --window 10s $per_user"
  "funnel a b c d --order any --window 10s $per_user"
  "retention --period day --by first_channel"
  "retention --start-event b --period day --by channel"
  "lifecycle --period day --event d --by channel"
)
long_steps=$(for n in $(seq 1 32); do printf "s%02d " "$n"; done)
for order in strict ordered any; do
  case_commands+=("funnel $long_steps--order $order --window 1m $per_user")
done
i=0
for cmd in "${case_commands[@]}"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  compare_on "$cases_emb" "$cases_side" "$cases_single" "$cases_cluster" "$work/a$i" $cmd
done

# Unknown events are kNotFound (exit 4) on every backend.
for name in single cluster; do
  run "${!name}" "$work/nosuch_$name" funnel signup nosuch
  if [ "$(cat "$work/nosuch_$name.rc")" = 4 ]; then pass "$name: unknown funnel step exits 4"
  else fail "$name: unknown funnel step exited $(cat "$work/nosuch_$name.rc")"; fi
done

# --- re-sent and interrupted ingests ------------------------------------------------------------
for name in single cluster; do
  run "${!name}" "$work/resend_$name" ingest events "$data/events.csv"
  got=$(backend_counts "${!name}")
  if [ "$(cat "$work/resend_$name.rc")" = 0 ] && [ "$got" = "$expected_events $expected_users $embedded_extent" ]; then
    pass "re-sent file on $name leaves $got"
  else
    fail "re-sent file on $name: rc $(cat "$work/resend_$name.rc"), counts '$got'"
  fi
done
# An ingest cut off after part of the file (here: its first 40,000 rows were sent), then re-run
# in full, into fresh databases.
head -n 40001 "$data/events.csv" >"$work/part.csv"
single_rerun=${single/\/flywheel/\/flywheel_rerun}
cluster_rerun=${cluster/\/flywheel_dist/\/flywheel_rerun_dist}
for url in "$single_rerun" "$cluster_rerun"; do
  run "$url" "$work/part" ingest events "$work/part.csv"
  run "$url" "$work/rerun" ingest events "$data/events.csv"
  got=$(backend_counts "$url")
  if [ "$(cat "$work/rerun.rc")" = 0 ] && [ "$got" = "$expected_events $expected_users $embedded_extent" ]; then
    pass "interrupted then re-run ingest on $url leaves $got"
  else
    fail "interrupted then re-run ingest on $url: counts '$got', expected '$expected_events $expected_users $embedded_extent'"
  fi
  run "$url" "$work/rerun_retention" retention
  if $compare "$work/c1_embedded.json" "$work/rerun_retention.json" "re-run retention on $url"; then
    pass "retention after the re-run on $url equals embedded"
  else
    fail "retention after the re-run on $url"
  fi
done

# --- faults -------------------------------------------------------------------------------------
dead_port=$((18122 + FW_CH_PORT_OFFSET + 50))
run "clickhouse://127.0.0.1:$dead_port/flywheel" "$work/dead" retention
if [ "$(cat "$work/dead.rc")" != 0 ] && grep -q "cannot reach ClickHouse at http://127.0.0.1:$dead_port" "$work/dead.err" \
   && [ ! -s "$work/dead.json" ]; then
  pass "unreachable backend exits $(cat "$work/dead.rc"): $(head -1 "$work/dead.err")"
else
  fail "unreachable backend: rc $(cat "$work/dead.rc"), stderr '$(cat "$work/dead.err")'"
fi

# A shard that crashes (SIGKILL, so it cannot finish its running query as a stop lets it) while
# it executes a query: the command fails with nothing on stdout. (Should shard 2 have sent its
# whole part just before the crash, the output must then be the complete, embedded result.)
mid_data="$work/mid_data"
"$fw" generate --users 50000 --days 60 --seed 11 --out "$mid_data" >/dev/null || fail "generate mid"
mid_url=${cluster/\/flywheel_dist/\/flywheel_mid_dist}
run "$mid_url" "$work/mid_ingest" ingest events "$mid_data/events.csv"
"$fw" --db "$work/mid_embedded.db" ingest events "$mid_data/events.csv" >/dev/null
"$fw" --db "$work/mid_embedded.db" --json retention --period day --periods 30 >"$work/mid_expected.json"
"$fw" --db "$spend_only" --backend "$mid_url" --json retention --period day --periods 30 \
  >"$work/mid.json" 2>"$work/mid.err" &
mid_pid=$!
observed=0
for _ in $(seq 1 500); do
  n=$(curl -fsS "http://127.0.0.1:$FW_CH_HTTP2/" --data-binary "SELECT count() FROM system.processes WHERE query LIKE '%flywheel_mid_dist.events_by_user_local%' AND query NOT LIKE '%system.processes%'" 2>/dev/null)
  if [ "${n:-0}" -gt 0 ]; then observed=1; break; fi
  kill -0 "$mid_pid" 2>/dev/null || break
  sleep 0.02
done
"$cluster_script" kill-one "$cluster_dir" 2
wait "$mid_pid"
mid_rc=$?
if [ "$observed" != 1 ]; then
  fail "shard 2 was never seen executing the retention query (rc $mid_rc)"
elif [ "$mid_rc" != 0 ] && [ ! -s "$work/mid.json" ] && grep -q "no result" "$work/mid.err"; then
  pass "shard 2 killed mid-query: rc $mid_rc, $(head -c 140 "$work/mid.err")"
elif [ "$mid_rc" = 0 ] && $compare "$work/mid_expected.json" "$work/mid.json" "mid-query kill"; then
  pass "shard 2 killed mid-query after sending its part: the complete result"
else
  fail "shard 2 killed mid-query: rc $mid_rc, $(wc -c <"$work/mid.json") bytes of output, $(head -c 200 "$work/mid.err")"
fi

"$cluster_script" stop-one "$cluster_dir" 2
for cmd in "info" "retention" "funnel signup view add_to_cart purchase" "lifecycle" "acquisition" \
           "segment --k 3" "experiment analyze checkout_v2 --metric revenue" \
           "ingest events $data/events.csv"; do
  # shellcheck disable=SC2086
  run "$cluster" "$work/down" $cmd
  if [ "$(cat "$work/down.rc")" != 0 ] && [ ! -s "$work/down.json" ] && [ -s "$work/down.err" ]; then
    pass "shard 2 down: '$cmd' fails (rc $(cat "$work/down.rc")): $(head -c 120 "$work/down.err")"
  else
    fail "shard 2 down: '$cmd' gave rc $(cat "$work/down.rc") and $(wc -c <"$work/down.json") bytes of output"
  fi
done
# The single server (shard 1) still answers on its own database.
run "$single" "$work/after" retention
if [ "$(cat "$work/after.rc")" = 0 ] && $compare "$work/c1_embedded.json" "$work/after.json" "single after stop-one"; then
  pass "single server still answers with shard 2 down"
else
  fail "single server after stop-one"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed; outputs in $work"
  exit 1
fi
echo "all ClickHouse parity and fault checks passed"
