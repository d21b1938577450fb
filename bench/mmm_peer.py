#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# bench/mmm_peer.py: the scipy equivalent of `flywheel mmm fit` for bench/mmm.sh.
#
# Same model and search as src/mmm/fit.cc, written with numpy/scipy: geometric adstock (13 lags)
# and Hill saturation (slope <= 1), columns standardized, sign-constrained ridge solved by
# scipy.optimize.lsq_linear (BVLS) on the augmented system, a Latin hypercube
# (scipy.stats.qmc) then bounded Powell local searches per ridge penalty on the in-sample NRMSE,
# and the penalty chosen by 3-fold time-ordered CV. Single-threaded.
#
#   mmm_peer.py CSV DATE_COL TARGET CH1,CH2 [CONTROLS] --samples N --starts K --local-evals M
import argparse
import json
import math
import time

import numpy as np
import pandas as pd
from scipy import optimize, stats

LAGS = 13
RIDGE_GRID = [1e-4, 1e-3, 1e-2, 1e-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("date_col")
    ap.add_argument("target")
    ap.add_argument("channels")
    ap.add_argument("controls", nargs="?", default="")
    ap.add_argument("--samples", type=int, default=0)
    ap.add_argument("--starts", type=int, default=4)
    ap.add_argument("--local-evals", type=int, default=400)
    ap.add_argument("--holdout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t0 = time.perf_counter()
    df = pd.read_csv(a.csv)
    y = df[a.target].to_numpy(float)
    chans = [c for c in a.channels.split(",") if c]
    spend = [df[c].to_numpy(float) for c in chans]
    n = len(y)
    days = pd.to_datetime(df[a.date_col])
    doy = (days - pd.to_datetime(days.dt.year.astype(str) + "-01-01")).dt.days.to_numpy(float)
    base = [np.arange(n, dtype=float)]
    for k in (1, 2):
        base += [np.sin(2 * np.pi * k * doy / 365.25), np.cos(2 * np.pi * k * doy / 365.25)]
    for c in [c for c in a.controls.split(",") if c]:
        col = df[c]
        if pd.api.types.is_numeric_dtype(col):
            base.append(col.to_numpy(float))
        else:
            for level in [v for v in col.fillna("").unique() if v != ""]:
                base.append((col == level).to_numpy(float))
    base = np.column_stack(base)
    holdout = int(round(a.holdout * n))
    span = n - holdout
    dims = 3 * len(chans)
    evals = 0

    def media(u):
        cols = []
        for i, x in enumerate(spend):
            theta, kf, slope = u[3 * i] * 0.9, 0.15 + u[3 * i + 1] * 1.35, 0.5 + u[3 * i + 2] * 0.5
            ad = np.convolve(x, theta ** np.arange(LAGS))[:n]
            k = kf * max(ad.max(), 1e-300)
            with np.errstate(divide="ignore"):
                cols.append(np.where(ad > 0, 1.0 / (1.0 + (k / np.maximum(ad, 1e-300)) ** slope), 0.0))
        return np.column_stack(cols)

    def fit(m, yy, end, lam):
        x = np.column_stack([base, m])[:end]
        mu, sd = x.mean(0), x.std(0)
        keep = sd > 1e-12 * (1 + np.abs(mu))
        xs = (x[:, keep] - mu[keep]) / sd[keep]
        ym, ysd = yy[:end].mean(), yy[:end].std()
        p = xs.shape[1]
        aug = np.vstack([xs, math.sqrt(lam * end) * np.eye(p)])
        rhs = np.concatenate([(yy[:end] - ym) / ysd, np.zeros(p)])
        nonneg = (np.arange(x.shape[1]) >= base.shape[1])[keep]
        lb = np.where(nonneg, 0.0, -np.inf)
        b = optimize.lsq_linear(aug, rhs, bounds=(lb, np.inf), method="bvls").x
        coef = np.zeros(x.shape[1])
        coef[keep] = b * ysd / sd[keep]
        return ym - coef @ mu, coef

    def predict(icpt, coef, m, rows):
        return icpt + np.column_stack([base, m])[rows] @ coef

    def train_nrmse(u, lam):
        nonlocal evals
        evals += 1
        m = media(np.clip(u, 0, 1))
        icpt, coef = fit(m, y, span, lam)
        e = y[:span] - predict(icpt, coef, m, slice(0, span))
        return math.sqrt((e @ e) / span) / (y[:span].max() - y[:span].min())

    def cv_nrmse(u, lam):
        m = media(u)
        v = max(4, int(round(0.1 * span)))
        sse, cnt = 0.0, 0
        for f in range(3):
            end = span - (3 - f) * v
            icpt, coef = fit(m, y, end, lam)
            e = y[end:end + v] - predict(icpt, coef, m, slice(end, end + v))
            sse += e @ e
            cnt += v
        return math.sqrt(sse / cnt) / (y[:span].max() - y[:span].min())

    samples = a.samples or max(300, 60 * dims)
    pts = stats.qmc.LatinHypercube(d=dims, seed=a.seed).random(samples)
    best = []
    for lam in RIDGE_GRID:
        scores = np.array([train_nrmse(p, lam) for p in pts])
        starts = []
        for i in np.argsort(scores, kind="stable"):
            if len(starts) >= a.starts:
                break
            if all(np.abs(pts[i] - pts[s]).max() >= 0.1 for s in starts):
                starts.append(i)
        cand = []
        for s in starts:
            r = optimize.minimize(train_nrmse, pts[s], args=(lam,), method="Powell",
                                  bounds=[(0, 1)] * dims, options={"maxfev": a.local_evals})
            cand.append((r.fun, np.clip(r.x, 0, 1)))
        f, u = min(cand, key=lambda c: c[0])
        best.append((cv_nrmse(u, lam), lam, u))
    cv, lam, u = min(best, key=lambda b: b[0])
    m = media(u)
    icpt, coef = fit(m, y, n, lam)
    e = y - predict(icpt, coef, m, slice(0, n))
    r2 = 1 - (e @ e) / ((y - y.mean()) @ (y - y.mean()))
    contrib = coef[base.shape[1]:] * m.sum(0)
    roas = {c: contrib[i] / spend[i].sum() for i, c in enumerate(chans)}
    print(json.dumps({"seconds": time.perf_counter() - t0, "evaluations": evals, "r2": r2,
                      "cv_nrmse": cv, "ridge_lambda": lam, "roas": roas}))


if __name__ == "__main__":
    main()
