#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/bandit.sh: bandit throughput and latency, Flywheel against a numpy peer, in one run.
#   1. Simulator throughput: decisions per second (Choose + Update + the environment) for
#      10-arm Bernoulli Thompson sampling and budgeted Thompson sampling, 1M contacts each,
#      `flywheel simulate`, against bench/bandit_peer.py (numpy, same loop) on 200k steps.
#   2. Latency of `flywheel bandit decide` + `flywheel bandit reward` against a persisted
#      workspace bandit (each call opens the workspace, restores the state, writes a row).
#
# Usage: bench/bandit.sh [path/to/flywheel]   (default: build-bandit-full/flywheel, then build/flywheel)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
fw="${1:-}"
if [[ -z "$fw" ]]; then
  for c in "$root/build-bandit-full/flywheel" "$root/build/flywheel"; do
    [[ -x "$c" ]] && fw="$c" && break
  done
fi
[[ -x "$fw" ]] || { echo "no flywheel binary; pass its path" >&2; exit 2; }
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A 10-channel, one-segment market whose budget never binds, so every run makes 1M contacts.
"$py" - "$tmp/ten.json" <<'PY'
import json, sys
k = 10
channels = [{"name": f"c{i}", "cost": 0.2 + 1.8 * i / (k - 1), "cost_sd": 0.0} for i in range(k)]
conv = {f"c{i}": 0.01 + 0.09 * i / (k - 1) for i in range(k)}
doc = {"budget": 1e12, "horizon": 1000000, "channels": channels,
       "segments": [{"name": "all", "share": 1.0, "conversion": conv}], "drift": None, "delay": None}
json.dump(doc, open(sys.argv[1], "w"))
PY

steps=1000000
echo "== simulator throughput: 10 arms, $steps contacts, 1 run (decisions per CPU second) =="
printf "%-12s %14s %14s %8s\n" policy flywheel_dec/s numpy_dec/s ratio
peer="$("$py" "$here/bandit_peer.py" 200000 10 1)"
for policy in ts budgeted-ts; do
  # CPU seconds (user + sys) of the whole process, so that other load on a shared machine does
  # not count against it; the peer measures its loop with time.process_time() likewise.
  cpu=$( { /usr/bin/time -f "%U %S" "$fw" simulate --scenario "$tmp/ten.json" --policies "$policy" \
           --runs 1 --seed 1 --json > /dev/null; } 2>&1 | tail -1 | awk '{print $1 + $2}')
  ours=$(echo "$steps / $cpu" | bc -l)
  theirs=$("$py" -c "import json,sys; d=json.loads(sys.argv[1]); print([x for x in d if x['policy']==sys.argv[2]][0]['decisions_per_s'])" "$peer" "$policy")
  printf "%-12s %14.0f %14.0f %8.1f\n" "$policy" "$ours" "$theirs" "$(echo "$ours / $theirs" | bc -l)"
done

echo
echo "== decide + reward latency on a persisted workspace bandit (budgeted-ts, 3 arms) =="
db="$tmp/bench.db"
"$fw" --db "$db" bandit create promo --arms email,search,social --policy budgeted-ts \
  --budget 10000 --costs email:0.2,search:1.5,social:0.8 > /dev/null
n=${BANDIT_BENCH_PAIRS:-20}
t0=$(date +%s.%N)
for i in $(seq 1 "$n"); do
  "$fw" --db "$db" bandit decide promo --user "u$i" > /dev/null
  "$fw" --db "$db" bandit reward promo --decision "promo-$i" --reward $((i % 7 == 0 ? 1 : 0)) > /dev/null
done
t1=$(date +%s.%N)
printf "%d decide+reward pairs: %.1f ms per pair (two process starts, two workspace opens)\n" \
  "$n" "$(echo "($t1 - $t0) * 1000 / $n" | bc -l)"
