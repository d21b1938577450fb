#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# experiment_peer.py: the scipy/statsmodels side of bench/experiment.sh.
# Reads the per-user table exported by DuckDB (variant + 5 metrics + the pre-period covariate),
# then times, for each metric, the pooled-theta CUPED adjustment and a Welch t-test
# (scipy.stats.ttest_ind, equal_var=False) on the absolute difference, as Flywheel does with
# --absolute. Prints the p-values (for the agreement check) and the compute time as JSON.
import json
import sys
import time

import numpy as np
import pandas as pd
import scipy.stats as st

path, metrics = sys.argv[1], sys.argv[2].split(",")
t_load = time.perf_counter()
df = pd.read_csv(path)
load_s = time.perf_counter() - t_load
t0 = time.perf_counter()
ctrl = (df["variant"] == "control").to_numpy()
x = df["pre_views"].to_numpy(dtype=float)
out = {}
for m in metrics:
    y = df[m].to_numpy(dtype=float)
    cov = np.cov(y, x, ddof=1)
    theta = cov[0, 1] / cov[1, 1]
    adj = y - theta * x
    res = st.ttest_ind(adj[~ctrl], adj[ctrl], equal_var=False)
    out[m] = {"p_value": float(res.pvalue), "diff": float(adj[~ctrl].mean() - adj[ctrl].mean()),
              "theta": float(theta)}
compute_s = time.perf_counter() - t0
print(json.dumps({"users": int(len(df)), "load_s": load_s, "compute_s": compute_s,
                  "metrics": out}))
