#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""scikit-learn KMeans on the same raw float32 blobs, for bench/segment.sh.

usage: segment_sklearn.py FILE.f32 N D K MAX_ITER REPS ALGO
Same settings as Flywheel's run: init="k-means++", n_init=1, tol=0 (run to max_iter or strict
convergence), library-default threads (OpenMP + BLAS on every core). Prints a SUMMARY line with
the best fit time, iterations, time per iteration and the inertia recomputed in float64.
"""
import json, sys, time
import numpy as np
import sklearn
from sklearn.cluster import KMeans

path, n, d, k, max_iter, reps, algo = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
X = np.fromfile(path, dtype='<f4', count=n * d).reshape(n, d)
best = None
for rep in range(reps):
    km = KMeans(n_clusters=k, algorithm=algo, init='k-means++', n_init=1, max_iter=max_iter, tol=0.0, random_state=rep)
    t0 = time.perf_counter(); km.fit(X); t = time.perf_counter() - t0
    C = km.cluster_centers_.astype(np.float64)
    inertia = 0.0
    for s in range(0, n, 200_000):
        Xs = X[s:s + 200_000].astype(np.float64)
        inertia += float(((Xs - C[km.labels_[s:s + 200_000]]) ** 2).sum())
    print(json.dumps(dict(rep=rep, time_s=round(t, 5), n_iter=int(km.n_iter_), inertia64=inertia)), flush=True)
    if best is None or t < best[0]:
        best = (t, int(km.n_iter_), inertia)
print('SUMMARY ' + json.dumps(dict(tool='scikit-learn ' + sklearn.__version__, algo=algo, min_s=round(best[0], 5), iterations=best[1],
                                   per_iter_min_s=round(best[0] / best[1], 6), inertia64=best[2])))
