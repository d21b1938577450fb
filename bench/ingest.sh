#!/usr/bin/env bash
# bench/ingest.sh: times `flywheel ingest events` against DuckDB alone and pandas on the same CSV,
# in one run, and prints the ratios. Not a test: the machine is shared, so read the ratios.
#
#   bench/ingest.sh [USERS] [REPS]     (default 400000 users, about 10M events; best of 1 rep)
#
# Peers:
#   duckdb_alone  `flywheel sql --write "CREATE TABLE raw AS SELECT * FROM read_csv(...)"`:
#                 DuckDB's own parallel CSV reader into a table, no validation: the floor.
#   pandas        /usr/bin/python3 pandas.read_csv(...) with timestamps parsed: what a user would
#                 otherwise write (Debian's python3-pandas).
# Also timed: the EventFrame load (`flywheel info --frame`), which every analytics command pays:
# built from the events table (FW_FRAME_CACHE=off), and read back from the snapshot the first
# load leaves beside the workspace (src/store/frame_cache.h).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fw="$root/build/flywheel"
users=${1:-400000}
reps=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$fw" ] || { echo "build first: make" >&2; exit 1; }

now() { date +%s.%N; }
# best-of-$reps wall time of a command, after a fresh setup command
best() {
  local setup=$1; shift
  local best_s=""
  for _ in $(seq "$reps"); do
    eval "$setup"
    local t0; t0=$(now)
    "$@" >/dev/null
    local t1; t1=$(now)
    local s; s=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best_s" ] || (( $(echo "$s < $best_s" | bc -l) )); then best_s=$s; fi
  done
  printf '%.3f' "$best_s"
}

echo "generating $users users..." >&2
gen_s=$(best "rm -rf $work/data" "$fw" generate --users "$users" --seed 1 --out "$work/data")
csv="$work/data/events.csv"
events=$(($(wc -l < "$csv") - 1))
mb=$(du -m "$csv" | cut -f1)

ingest_s=$(best "rm -f $work/a.db $work/a.db.wal" "$fw" --db "$work/a.db" ingest events "$csv")
duck_s=$(best "rm -f $work/b.db $work/b.db.wal" "$fw" --db "$work/b.db" sql --write \
  "CREATE TABLE raw AS SELECT * FROM read_csv('$csv')")
pandas_s=$(best ":" /usr/bin/python3 -c "
import pandas as pd
df = pd.read_csv('$csv', parse_dates=['timestamp'])
assert len(df) == $events")
frame_s=$(best ":" env FW_FRAME_CACHE=off "$fw" --db "$work/a.db" info --frame)
"$fw" --db "$work/a.db" info --frame >/dev/null  # leaves the snapshot
snapshot_s=$(reps=3 best ":" "$fw" --db "$work/a.db" info --frame)  # cheap: best of 3
reingest_s=$(best ":" "$fw" --db "$work/a.db" ingest events "$csv")

ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
echo
echo "events: $events ($mb MB CSV), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %9s %s\n' "step" "seconds" "ratio"
printf '%-44s %9s %s\n' "flywheel generate" "$gen_s" "$(printf '%.2f M events/s' "$(echo "$events / $gen_s / 1000000" | bc -l)")"
printf '%-44s %9s %s\n' "flywheel ingest events (validate+dedup)" "$ingest_s" "1.00"
printf '%-44s %9s %s\n' "DuckDB alone: CREATE TABLE AS read_csv" "$duck_s" "ingest/duckdb = $(ratio "$ingest_s" "$duck_s")"
printf '%-44s %9s %s\n' "pandas read_csv (parse_dates)" "$pandas_s" "ingest/pandas = $(ratio "$ingest_s" "$pandas_s")"
printf '%-44s %9s %s\n' "flywheel re-ingest (all duplicates)" "$reingest_s" ""
printf '%-44s %9s %s\n' "EventFrame load from the events table" "$frame_s" ""
printf '%-44s %9s %s\n' "EventFrame load from its snapshot" "$snapshot_s" ""
