#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/experiment.sh: Flywheel's workspace analysis vs the equivalent DuckDB SQL aggregation,
# and vs scipy on the same per-user table, on one generated workspace.
#
#   bench/experiment.sh [FLYWHEEL_BINARY] [USERS] [DAYS] [REPEATS]
#   (defaults: build/flywheel 1000000 21 3; 1M users x 21 days is about 12M events)
#   FW_BENCH_DB=path/w.db reuses a workspace built by the same steps instead of generating one.
#
# Five metrics with CUPED (pre-period views, 14 days): conversion:purchase, retention:7d,
# revenue, count:view, count:add_to_cart; 14-day window. Reports the min over REPEATS.
set -euo pipefail
BIN=${1:-build/flywheel}
USERS=${2:-1000000}
DAYS=${3:-21}
REPEATS=${4:-3}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/fw_experiment_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
DB=$WORK/w.db
now() { date +%s.%N; }
minof() { tr ' ' '\n' | sort -g | head -1; }

if [[ -n "${FW_BENCH_DB:-}" ]]; then
  # Reuse a workspace made earlier by this script's steps (ingest of 10M events takes minutes).
  cp "$FW_BENCH_DB" "$DB"
else
  echo "# generating $USERS users x $DAYS days into $WORK" >&2
  "$BIN" generate --users "$USERS" --days "$DAYS" --out "$WORK/data" >&2
  "$BIN" --db "$DB" ingest events "$WORK/data/events.csv" >/dev/null
  "$BIN" --db "$DB" ingest exposures "$WORK/data/exposures.csv" >/dev/null
  "$BIN" --db "$DB" experiment create checkout_v2 --variants control:0.5,treatment:0.5 >/dev/null
fi
EVENTS=$("$BIN" --db "$DB" --json sql "SELECT count(*) AS n FROM events" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["n"])')
EXPOSED=$("$BIN" --db "$DB" --json sql "SELECT count(DISTINCT user_id) AS n FROM exposures" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["n"])')

METRICS="--metric conversion:purchase --metric retention:7d --metric revenue --metric count:view --metric count:add_to_cart"
FW_ANALYSIS=() FW_LOAD=() FW_TOTAL=() FW_CPU=()
for i in $(seq "$REPEATS"); do
  t=$(now)
  "$BIN" --db "$DB" --json experiment analyze checkout_v2 $METRICS --cuped pre:count:view:14 \
      --window 14d --absolute --timing >"$WORK/fw.json" 2>"$WORK/fw.err"
  FW_TOTAL+=("$(echo "$(now) - $t" | bc -l)")
  FW_LOAD+=("$(sed -n 's/.*EventFrame load \([0-9.]*\) s.*/\1/p' "$WORK/fw.err")")
  FW_ANALYSIS+=("$(sed -n 's/.*analysis after load \([0-9.]*\) s.*/\1/p' "$WORK/fw.err")")
  FW_CPU+=("$(sed -n 's/.*analysis after load [0-9.]* s, cpu \([0-9.]*\) s.*/\1/p' "$WORK/fw.err")")
  cat "$WORK/fw.err" >&2
done

# The same per-user metrics and per-arm CUPED sums in DuckDB SQL (one join, one group by).
PER_USER="WITH x AS (
  SELECT user_id, arg_min(variant, ts) AS variant, min(ts) AS t0, count(DISTINCT variant) AS nv
  FROM exposures WHERE experiment = 'checkout_v2' GROUP BY user_id),
u AS (
  SELECT x.user_id, x.variant,
    max(CASE WHEN e.event = 'purchase' AND e.ts >= x.t0 AND e.ts < x.t0 + INTERVAL 14 DAY THEN 1 ELSE 0 END) AS conversion,
    max(CASE WHEN e.ts >= x.t0 + INTERVAL 7 DAY AND e.ts < x.t0 + INTERVAL 8 DAY THEN 1 ELSE 0 END) AS retention7,
    sum(CASE WHEN e.ts >= x.t0 AND e.ts < x.t0 + INTERVAL 14 DAY THEN coalesce(e.revenue, 0) ELSE 0 END) AS revenue,
    sum(CASE WHEN e.event = 'view' AND e.ts >= x.t0 AND e.ts < x.t0 + INTERVAL 14 DAY THEN 1 ELSE 0 END) AS views,
    sum(CASE WHEN e.event = 'add_to_cart' AND e.ts >= x.t0 AND e.ts < x.t0 + INTERVAL 14 DAY THEN 1 ELSE 0 END) AS carts,
    sum(CASE WHEN e.event = 'view' AND e.ts >= x.t0 - INTERVAL 14 DAY AND e.ts < x.t0 THEN 1 ELSE 0 END) AS pre_views
  FROM x LEFT JOIN events e ON e.user_id = x.user_id
  WHERE x.nv = 1 GROUP BY x.user_id, x.variant)"
AGG="$PER_USER SELECT variant, count(*) AS n, sum(pre_views) AS xs, sum(pre_views * pre_views) AS xss"
for m in conversion retention7 revenue views carts; do
  AGG="$AGG, sum($m) AS ${m}_s, sum($m * $m) AS ${m}_ss, sum($m * pre_views) AS ${m}_xp"
done
AGG="$AGG FROM u GROUP BY variant ORDER BY variant"
SQL_T=()
for i in $(seq "$REPEATS"); do
  t=$(now)
  "$BIN" --db "$DB" --json sql "$AGG" >"$WORK/sql.json"
  SQL_T+=("$(echo "$(now) - $t" | bc -l)")
done

# Per-user table for scipy (export untimed), then the peer's compute time.
"$BIN" --db "$DB" sql --write "COPY ($PER_USER SELECT * FROM u) TO '$WORK/users.csv' (HEADER)" >/dev/null
PEER=$($PY "$HERE/experiment_peer.py" "$WORK/users.csv" conversion,retention7,revenue,views,carts)

FW_A=$(echo "${FW_ANALYSIS[*]}" | minof)
FW_L=$(echo "${FW_LOAD[*]}" | minof)
FW_T=$(echo "${FW_TOTAL[*]}" | minof)
FW_C=$(echo "${FW_CPU[*]}" | minof)
SQL_M=$(echo "${SQL_T[*]}" | minof)
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
$PY - "$WORK/fw.json" "$PEER" "$FW_A" "$FW_L" "$FW_T" "$SQL_M" "$EVENTS" "$EXPOSED" "$FW_C" "$WORK/sql.json" <<'PYEOF'
import json, sys
fw = json.load(open(sys.argv[1])); peer = json.loads(sys.argv[2])
sql_rows = {r["variant"]: r for r in json.load(open(sys.argv[10]))}
fw_a, fw_l, fw_t, sql = map(float, sys.argv[3:7]); events, exposed = int(sys.argv[7]), int(sys.argv[8])
fw_cpu = float(sys.argv[9])
names = {"conversion": "conversion:purchase", "retention7": "retention:7d", "revenue": "revenue",
         "views": "count:view", "carts": "count:add_to_cart"}
print(f"events {events:,}, exposed users {exposed:,}, 5 metrics with CUPED (pre:count:view:14)")
print(f"{'step':58s} {'seconds':>9s}")
print(f"{'flywheel: analysis after the EventFrame is loaded':58s} {fw_a:9.3f}")
print(f"{'flywheel: same, CPU seconds (user+sys, all threads)':58s} {fw_cpu:9.3f}")
print(f"{'flywheel: EventFrame load':58s} {fw_l:9.3f}")
print(f"{'flywheel: whole command (open, exposures, load, analysis)':58s} {fw_t:9.3f}")
print(f"{'duckdb SQL: per-user join + per-arm CUPED sums (flywheel sql)':58s} {sql:9.3f}")
print(f"{'scipy: CUPED + ttest_ind on the per-user table (compute only)':58s} {peer['compute_s']:9.3f}")
print(f"ratio SQL / flywheel analysis-after-load: {sql / fw_a:.1f}x;  SQL / flywheel whole command: {sql / fw_t:.2f}x;"
      f"  scipy compute / flywheel analysis-after-load: {peer['compute_s'] / fw_a:.2f}x")
# Identical-result checks: per-arm n and means against the SQL aggregation, and the CUPED
# difference and theta against scipy (relative errors; p-values of these large effects are
# ~1e-50, so their absolute difference says nothing).
worst_mean = worst_diff = worst_theta = 0.0
arm_n = {a["variant"]: a["n"] for a in fw["arms"]}
n_ok = all(int(sql_rows[v]["n"]) == n for v, n in arm_n.items())
for key, name in names.items():
    m = next(m for m in fw["metrics"] if m["metric"] == name)
    r = m["results"][0]
    means = {m["control"]["variant"]: m["control"]["mean"], r["variant"]: r["mean"]}
    for v, mean in means.items():
        want = float(sql_rows[v][key + "_s"]) / float(sql_rows[v]["n"])
        worst_mean = max(worst_mean, abs(mean - want) / max(abs(want), 1e-300))
    d_peer = peer["metrics"][key]["diff"]
    worst_diff = max(worst_diff, abs(r["lift"] - d_peer) / abs(d_peer))
    worst_theta = max(worst_theta, abs(r["cuped_theta"] - peer["metrics"][key]["theta"]) / abs(peer["metrics"][key]["theta"]))
    print(f"  {name:22s} flywheel p={r['p_value']:.6g} scipy p={peer['metrics'][key]['p_value']:.6g}"
          f"  CUPED diff flywheel={r['lift']:.6g} scipy={d_peer:.6g}")
print(f"arm sizes equal to SQL: {n_ok}; max relative error of arm means vs SQL {worst_mean:.1e}, "
      f"of the CUPED difference vs scipy {worst_diff:.1e}, of theta vs scipy {worst_theta:.1e}")
PYEOF
