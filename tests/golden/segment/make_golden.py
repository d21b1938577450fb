#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Golden values for the segment module, from scikit-learn (Debian python3-sklearn).

Run from the repository root:
    /usr/bin/python3 tests/golden/segment/make_golden.py
Writes tests/golden/segment/blobs.csv (the data, float32 values printed exactly) and
tests/golden/segment/kmeans_golden.json. Tests read these files; they never run Python.

Cases:
  * fixed init: KMeans(init=<given centres>, n_init=1, algorithm="lloyd") on float64 copies of
    the float32 data -> labels, inertia, n_iter (compare to 1e-4 relative).
  * best of restarts: KMeans(n_init=10, init="k-means++") -> the best inertia (Flywheel's must
    be within 0.1%).
  * Mall Customers (../shared/data/mall_customers) on raw income and spending score, k=5.
  * silhouette, Calinski-Harabasz and Davies-Bouldin scores of sklearn's labels for k=2..8.
"""
import json, os, sys
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score, calinski_harabasz_score, davies_bouldin_score

HERE = os.path.dirname(os.path.abspath(__file__))
MALL = os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data', 'mall_customers',
                    'Mall_Customers.csv')


def blobs(n=2000, d=4, k=5, seed=20261203):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-4, 4, size=(k, d))
    labels = rng.integers(0, k, size=n)
    x = centers[labels] + rng.standard_normal(size=(n, d))
    return x.astype(np.float32)


def fixed_init_case(name, x32, k, init_rows, tol=1e-4):
    x = x32.astype(np.float64)
    init = x[init_rows]
    km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=300, tol=tol, algorithm='lloyd')
    km.fit(x)
    return dict(name=name, k=k, tol=tol, init_rows=[int(r) for r in init_rows],
                labels=[int(v) for v in km.labels_], inertia=float(km.inertia_),
                n_iter=int(km.n_iter_))


def best_case(name, x32, k, n_init=10):
    x = x32.astype(np.float64)
    best = min((KMeans(n_clusters=k, n_init=1, random_state=s).fit(x) for s in range(n_init)),
               key=lambda km: km.inertia_)
    sizes = sorted(np.bincount(best.labels_, minlength=k).tolist(), reverse=True)
    return dict(name=name, k=k, n_init=n_init, best_inertia=float(best.inertia_), sizes=sizes)


def scores_case(name, x32, ks):
    x = x32.astype(np.float64)
    rows = []
    for k in ks:
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
        rows.append(dict(k=k, labels=[int(v) for v in km.labels_],
                         silhouette=float(silhouette_score(x, km.labels_)),
                         calinski_harabasz=float(calinski_harabasz_score(x, km.labels_)),
                         davies_bouldin=float(davies_bouldin_score(x, km.labels_))))
    return dict(name=name, rows=rows)


def main():
    x = blobs()
    with open(os.path.join(HERE, 'blobs.csv'), 'w') as f:
        f.write('# 2000 x 4 Gaussian blobs (k=5), float32, numpy %s, seed 20261203; made by '
                'make_golden.py\n' % np.__version__)
        f.write('a,b,c,d\n')
        for row in x:
            f.write(','.join('%.9g' % v for v in row) + '\n')
    cases = {'fixed_init': [], 'best': [], 'scores': []}
    rng = np.random.default_rng(7)
    cases['fixed_init'].append(fixed_init_case('blobs_k5', x, 5, rng.choice(len(x), 5, replace=False)))
    cases['fixed_init'].append(fixed_init_case('blobs_k8', x, 8, rng.choice(len(x), 8, replace=False)))
    cases['fixed_init'].append(fixed_init_case('blobs_k3_tol0', x, 3, rng.choice(len(x), 3, replace=False), tol=0.0))
    cases['best'].append(best_case('blobs_k5', x, 5))
    cases['best'].append(best_case('blobs_k8', x, 8))
    if os.path.exists(MALL):
        import csv
        with open(MALL, newline='') as f:
            rows = list(csv.DictReader(f))
        mall = np.array([[float(r['Annual Income (k$)']), float(r['Spending Score (1-100)'])]
                         for r in rows], dtype=np.float32)
        cases['fixed_init'].append(fixed_init_case('mall_k5', mall, 5, rng.choice(len(mall), 5, replace=False)))
        cases['best'].append(best_case('mall_k5', mall, 5))
        cases['scores'].append(scores_case('mall', mall, range(2, 9)))
    doc = dict(generated_by='scikit-learn %s, numpy %s, python %s (make_golden.py)' % (
        sklearn.__version__, np.__version__, sys.version.split()[0]),
        command='/usr/bin/python3 tests/golden/segment/make_golden.py', **cases)
    with open(os.path.join(HERE, 'kmeans_golden.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    for c in cases['best']:
        print(c['name'], c['best_inertia'], c['sizes'])
    for c in cases['fixed_init']:
        print(c['name'], c['inertia'], c['n_iter'])


if __name__ == '__main__':
    main()
