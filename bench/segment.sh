#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/segment.sh: Flywheel k-means vs scikit-learn (Lloyd and Elkan) vs FAISS on the same
# 1,000,000 x 16 standardised Gaussian blobs (k = 8, n_init = 1, max_iter = 50, tol = 0), plus
# a 10M x 16 mini-batch run. Prints one table with time per iteration and inertia, and the
# ratios to the best scikit-learn configuration.
#
# usage: bench/segment.sh [REPS=3]     (env: BUILD=build dir with fw_segment, default
#        build-segment; MINIBATCH=0 skips the 10M run; WORK=scratch dir)
# Needs /usr/bin/python3 with numpy + scikit-learn; FAISS is timed when libfaiss-dev is
# installed. Data: ../shared/bench/gen_blobs.py (seed 20240601), copied to the scratch dir.
set -euo pipefail
REPS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build-segment}
WORK=${WORK:-$(mktemp -d)}
SHARED=${SHARED:-$ROOT/../shared/bench}
MINIBATCH=${MINIBATCH:-1}
PY=/usr/bin/python3
# The peers at their best: OpenBLAS (not the reference BLAS) under numpy and scikit-learn, and
# FAISS. Debian packages, installed when missing.
need=()
for pkg in python3-sklearn python3-numpy libopenblas0-pthread libopenblas-dev libfaiss-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} ..." >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
mkdir -p "$WORK/data"
cd "$WORK"
cp "$SHARED/gen_blobs.py" .
[ -f data/blobs_n1000000_d16.f32 ] || $PY gen_blobs.py 1000000 > /dev/null

ninja -C "$BUILD" -j2 fw_segment fw_core > /dev/null
g++ -O3 -std=c++20 -I"$ROOT/include" "$ROOT/bench/segment_kmeans.cc" \
  "$BUILD/src/segment/libfw_segment.a" "$BUILD/src/core/libfw_core.a" -lpthread -lz -o fw_kmeans
HAVE_FAISS=0
if [ -f /usr/lib/x86_64-linux-gnu/libfaiss.a ] || [ -f /usr/lib/x86_64-linux-gnu/libfaiss.so ]; then
  g++ -O3 -march=native -fopenmp "$ROOT/bench/segment_faiss.cc" -o faiss_seg -lfaiss -lopenblas \
    -llapack && HAVE_FAISS=1
fi

F=data/blobs_n1000000_d16.f32
N=1000000
# OpenMP threads spin while waiting by default; on a shared 2-core machine that starves the
# other thread pool, so both peers get the passive policy (it only helps them here).
export OMP_WAIT_POLICY=PASSIVE
: > results.txt
run() { echo "+ $*" >&2; "$@" | grep SUMMARY | sed 's/^SUMMARY //' >> results.txt; }
run ./fw_kmeans $F $N 16 8 50 "$REPS" 2 hamerly
run ./fw_kmeans $F $N 16 8 50 "$REPS" 2 lloyd
run $PY "$ROOT/bench/segment_sklearn.py" $F $N 16 8 50 "$REPS" lloyd
run $PY "$ROOT/bench/segment_sklearn.py" $F $N 16 8 50 "$REPS" elkan
if [ "$HAVE_FAISS" = 1 ]; then
  OPENBLAS_NUM_THREADS=1 run ./faiss_seg $F $N 16 8 50 "$REPS"
fi
if [ "$MINIBATCH" = 1 ]; then
  [ -f data/blobs_n10000000_d16.f32 ] || $PY -c "
import sys; sys.argv=['g']; exec(open('gen_blobs.py').read().split('if __name__')[0])
X, _ = generate(10_000_000); X.tofile('data/blobs_n10000000_d16.f32')"
  run ./fw_kmeans data/blobs_n10000000_d16.f32 10000000 16 8 50 1 2 hamerly auto 4096
fi

$PY - results.txt <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def name(r):
    if r['tool'] == 'flywheel':
        mb = ' mini-batch %d, n=%d' % (r['mini_batch'], r['n']) if r.get('mini_batch') else ''
        return 'flywheel %s (%s)%s' % (r['algo'], r['kernel'], mb)
    return r['tool'] + (' ' + r['algo'] if 'algo' in r else '')
sk = [r for r in rows if r['tool'].startswith('scikit')]
best_sk = min(r['per_iter_min_s'] for r in sk) if sk else None
print('| tool | fit s (min) | iterations | ms / iteration | inertia (float64) | speed-up vs best sklearn per iteration |')
print('|---|---|---|---|---|---|')
for r in rows:
    ratio = '%.1fx' % (best_sk / r['per_iter_min_s']) if best_sk and not r.get('mini_batch') else ''
    print('| %s | %.3f | %d | %.2f | %.1f | %s |' % (name(r), r['min_s'], r['iterations'], 1000 * r['per_iter_min_s'], r['inertia64'], ratio))
    if r.get('max_rss_mb') and r.get('mini_batch'):
        print('|   peak RSS %.0f MB | | | | | |' % r['max_rss_mb'])
PYEOF
