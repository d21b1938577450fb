#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/mmm.sh: `flywheel mmm fit` and `mmm plan` timings, and the fit against its scipy
# equivalent (bench/mmm_peer.py: same model, same search budget, single-threaded) on the same
# data. Reports the min over REPEATS.
#
#   [FW_SHARED_DATA=DIR] bench/mmm.sh [FLYWHEEL_BINARY] [REPEATS]     (defaults: build/flywheel 3)
#
# Data: `flywheel mmm simulate --weeks 156 --channels 6` (3 years weekly, 6 channels, the
# issue's benchmark case) and, when present, ../shared/data/mmm_robyn_simulated.
set -euo pipefail
BIN=${1:-build/flywheel}
REPEATS=${2:-3}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/fw_mmm_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
minof() { tr ' ' '\n' | grep -v '^$' | sort -g | head -1; }
timeit() {  # timeit VAR cmd... : min wall seconds over REPEATS
  local var=$1; shift; local best=""
  for _ in $(seq "$REPEATS"); do
    local t; t=$(now); "$@" >"$WORK/out" 2>"$WORK/err"; local d; d=$(echo "$(now) - $t" | bc -l)
    best=$(printf '%s %s\n' "$best" "$d" | minof)
  done
  printf -v "$var" '%.3f' "$best"
}

"$BIN" mmm simulate --weeks 156 --channels 6 --seed 1 --out "$WORK/sim6.csv" --truth "$WORK/truth.json" >/dev/null
SIM=("$WORK/sim6.csv" date sales tv,search,social,display,radio,email promo)
FIT=(mmm fit --input "${SIM[0]}" --date-col date --target sales --channels "${SIM[3]}" --controls promo)

timeit FW_DEFAULT "$BIN" --json "${FIT[@]}" --model-out "$WORK/m.json"
EVALS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["evaluations"])' "$WORK/out")
timeit FW_DEFAULT_1T "$BIN" --json "${FIT[@]}" --threads 1
timeit FW_PLAN "$BIN" --json mmm plan --model "$WORK/m.json" --budget 700000 --periods 13
timeit FW_PLAN_BOUNDS "$BIN" --json mmm plan --model "$WORK/m.json" --budget 700000 --periods 13 \
    --max tv:15000 --fix email:2000 --min search:5000

# Equal budgets for the peer comparison (Python needs ~10 ms per evaluation, so a smaller search).
BUDGET=(--samples 200 --starts 2 --local-evals 100)
timeit FW_SMALL_1T "$BIN" --json "${FIT[@]}" "${BUDGET[@]}" --threads 1
FW_SMALL_EVALS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["evaluations"])' "$WORK/out")
timeit PEER_SMALL $PY "$HERE/mmm_peer.py" "${SIM[@]}" --samples 200 --starts 2 --local-evals 100
PEER_EVALS=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["evaluations"])' "$WORK/out")

SHARED=${FW_SHARED_DATA:-$HERE/../../shared/data}   # override when the checkout is not beside shared/
ROBYN=$SHARED/mmm_robyn_simulated/dt_simulated_weekly.csv
FW_ROBYN=n/a
if [[ -f $ROBYN ]]; then
  timeit FW_ROBYN "$BIN" --json mmm fit --input "$ROBYN" --date-col DATE --target revenue \
      --channels tv_S,ooh_S,print_S,facebook_S,search_S --controls competitor_sales_B,newsletter,events
fi

ratio() { echo "scale=1; $1 / $2" | bc -l; }
echo "| case | Flywheel s | peer s | peer/Flywheel |"
echo "|---|---|---|---|"
echo "| fit, 156 weeks x 6 channels, default search ($EVALS evaluations), all threads | $FW_DEFAULT | | |"
echo "| fit, same, --threads 1 | $FW_DEFAULT_1T | | |"
echo "| fit, Robyn dt_simulated_weekly (208 weeks x 5 channels, 3 controls), default | $FW_ROBYN | | |"
echo "| fit, equal small search (Flywheel $FW_SMALL_EVALS / scipy $PEER_EVALS evaluations), 1 thread | $FW_SMALL_1T | $PEER_SMALL | $(ratio "$PEER_SMALL" "$FW_SMALL_1T") |"
echo "| plan, 13 periods, no bounds (process wall time) | $FW_PLAN | | |"
echo "| plan, 13 periods, min/max/fix bounds (process wall time) | $FW_PLAN_BOUNDS | | |"
