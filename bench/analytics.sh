#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/analytics.sh: weekly retention (13 offsets), a 4-step ordered funnel (7-day window) and
# weekly lifecycle on ~10M events / 1M users / 90 days, timed in one run for:
#   kernel     the Flywheel kernel with the EventFrame already loaded (`--timing` kernel line)
#   cmd-cold   the whole `flywheel <cmd> --json` (process start, frame load, kernel, JSON), the
#              EventFrame built from the events table (FW_FRAME_CACHE=off)
#   cmd-cached the same with the frame read from the snapshot beside the workspace
#              (src/store/frame_cache.h), which any earlier command leaves there
#   duckdb     the same definitions as DuckDB SQL, run through `flywheel sql --json`
#   pandas     the same definitions in pandas (/usr/bin/python3), DataFrame loaded beforehand
# and checks that all three engines return identical numbers. Data: ../shared/bench/gen_events.py
# (seed 7, 1M users, 10M events), loaded straight into the events table with DuckDB's reader.
#
#   bench/analytics.sh [FLYWHEEL_BINARY] [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fw=${1:-$root/build/flywheel}
work=${2:-${TMPDIR:-/tmp}/fw_bench_analytics}
peer="/usr/bin/python3 $root/bench/analytics_peer.py"
[ -x "$fw" ] || { echo "build first: $fw is missing" >&2; exit 1; }
mkdir -p "$work"
cd "$work"

mkdir -p data
if [ ! -f data/events_10m.pkl ]; then
  echo "generating 10M events with ../shared/bench/gen_events.py ..." >&2
  cp "$root/../shared/bench/gen_events.py" .
  /usr/bin/python3 gen_events.py >&2
fi
db="$work/bench.db"
if [ ! -f "$db" ]; then
  echo "loading events into $db ..." >&2
  "$fw" --db "$db" sql --write "INSERT INTO events (key_hi, key_lo, user_id, ts, event, channel, revenue)
    SELECT 0, row_number() OVER (), CAST(user_id AS VARCHAR), make_timestamp(ts * 1000000), event,
           channel, NULLIF(revenue, 0) FROM read_csv('$work/data/events_10m.csv')" >/dev/null
  "$fw" --db "$db" sql --write "CHECKPOINT" >/dev/null
fi

now() { date +%s.%N; }
wall() {  # wall seconds of "$@", stdout to $out
  local t0 t1; t0=$(now); "$@" >"$out" 2>"$err"; t1=$(now)
  printf '%.3f' "$(echo "$t1 - $t0" | bc -l)"
}
ratio() { printf '%.1f' "$(echo "$1 / $2" | bc -l)"; }

declare -A cmd=(
  [retention]="retention --period week --periods 13 --start-event signup"
  [funnel]="funnel signup view add_to_cart purchase --window 7d --order ordered"
  [lifecycle]="lifecycle --period week"
)
echo
echo "events: $("$fw" --db "$db" sql --json "SELECT count(*) AS n FROM events" | tr -dc '0-9'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# Every command first loads the EventFrame: from the events table ("cold", FW_FRAME_CACHE=off),
# or from the snapshot an earlier command left beside the workspace ("cached"). Build the
# snapshot once here, so both are measured.
"$fw" --db "$db" info --frame >/dev/null
printf '%-10s %8s %9s %9s %8s %8s %14s %12s %14s  %s\n' task kernel cmd-cold cmd-cached duckdb \
  pandas duckdb/kernel duckdb/cold duckdb/cached identical
for task in retention funnel lifecycle; do
  out="$work/$task.cold.json"; err="$work/$task.cold.timing"
  # shellcheck disable=SC2086
  cold_s=$(FW_FRAME_CACHE=off wall "$fw" --db "$db" --json ${cmd[$task]} --timing)
  out="$work/$task.flywheel.json"; err="$work/$task.timing"
  # shellcheck disable=SC2086
  command_s=$(wall "$fw" --db "$db" --json ${cmd[$task]} --timing)
  kernel_s=$(awk '/timing kernel/ {print $3}' "$err")
  out="$work/$task.sql.json"; err="$work/$task.sql.err"
  duck_s=$(wall "$fw" --db "$db" --json sql "$($peer sql "$task")")
  pandas_s=$($peer pandas "$task" data/events_10m.pkl "$work/$task.pandas.json")
  cmp -s "$work/$task.cold.json" "$work/$task.flywheel.json" || {
    echo "$task: the cached frame gave a different answer" >&2; exit 1; }
  same=$($peer compare "$task" "$work/$task.flywheel.json" "$work/$task.sql.json" \
         "$work/$task.pandas.json" || true)
  printf '%-10s %8s %9s %9s %8s %8s %14s %12s %14s  %s\n' "$task" "$kernel_s" "$cold_s" \
    "$command_s" "$duck_s" "$pandas_s" "$(ratio "$duck_s" "$kernel_s")x" \
    "$(ratio "$duck_s" "$cold_s")x" "$(ratio "$duck_s" "$command_s")x" "${same#*: }"
done
echo "(frame load inside the command: $(awk '/timing load/ {print $3}' "$work/retention.cold.timing") s from the events table, $(awk '/timing load/ {print $3}' "$work/retention.timing") s from the snapshot)"
