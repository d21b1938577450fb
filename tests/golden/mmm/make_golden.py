#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# make_golden.py: reference values for the mmm transforms and the sign-constrained ridge.
#
# Run with Debian's Python (numpy + scipy):  /usr/bin/python3 tests/golden/mmm/make_golden.py
# It rewrites transforms.json and ridge.json beside this file. The C++ tests only read them.
import json
import os

import numpy as np
import scipy
from scipy import optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = f"made by tests/golden/mmm/make_golden.py with numpy {np.__version__}, scipy {scipy.__version__}"


def convolve(x, w, history):
    # a_t = sum_l w_l x_{t-l}, with `history` (oldest first) before x.
    full = np.concatenate([np.asarray(history, float), x])
    h = len(history)
    out = np.zeros(len(x))
    for t in range(len(x)):
        for lag in range(len(w)):
            i = h + t - lag
            if i >= 0:
                out[t] += w[lag] * full[i]
    return out


def transforms():
    rng = np.random.default_rng(7)
    x = np.round(rng.gamma(2.0, 50.0, size=40) * (rng.random(40) > 0.2), 3)
    history = list(np.round(rng.gamma(2.0, 50.0, size=5), 3))
    cases = []
    for theta, lag in [(0.0, 1), (0.3, 8), (0.7, 20), (0.95, 52)]:
        w = theta ** np.arange(lag)
        cases.append(dict(kind="geometric", theta=theta, max_lag=lag, weights=list(w),
                          adstocked=list(convolve(x, w, [])),
                          adstocked_history=list(convolve(x, w, history))))
    for shape, scale, lag in [(0.5, 2.0, 12), (1.0, 3.0, 12), (2.5, 4.0, 16), (5.0, 1.5, 8)]:
        lags = np.arange(lag)
        w = stats.weibull_min.sf(lags, shape, scale=scale)
        cases.append(dict(kind="weibull_cdf", shape=shape, scale=scale, max_lag=lag, weights=list(w),
                          adstocked=list(convolve(x, w, [])),
                          adstocked_history=list(convolve(x, w, history))))
        d = stats.weibull_min.pdf(lags + 1.0, shape, scale=scale)
        w = d / d.max()
        cases.append(dict(kind="weibull_pdf", shape=shape, scale=scale, max_lag=lag, weights=list(w),
                          adstocked=list(convolve(x, w, [])),
                          adstocked_history=list(convolve(x, w, history))))
    a = np.array([0.0, 1e-3, 0.1, 0.5, 1.0, 2.0, 10.0, 250.0, 1e4])
    sats = []
    for k, s in [(1.0, 1.0), (0.5, 0.7), (3.0, 2.0), (120.0, 3.0)]:
        val = a**s / (a**s + k**s)
        with np.errstate(divide="ignore"):
            der = np.where(a > 0, s * k**s * a ** (s - 1) / (a**s + k**s) ** 2, np.nan)
        sats.append(dict(kind="hill", half_sat=k, slope=s, a=list(a), value=list(val),
                         derivative=[None if np.isnan(v) else v for v in der]))
    for lam in [0.01, 0.5, 4.0]:
        val = (1 - np.exp(-lam * a)) / (1 + np.exp(-lam * a))
        der = 2 * lam * np.exp(-lam * a) / (1 + np.exp(-lam * a)) ** 2
        sats.append(dict(kind="logistic", **{"lambda": lam}, a=list(a), value=list(val),
                         derivative=list(der)))
    return dict(header=HEADER, spend=list(x), history=history, adstock=cases, saturation=sats)


def ridge():
    rng = np.random.default_rng(11)
    cases = []
    for case_idx, (n, p, pen) in enumerate([(50, 4, 0.0), (80, 6, 0.5), (200, 12, 2.0), (30, 8, 0.1),
                                            (120, 10, 0.0)]):
        x = rng.normal(size=(n, p))
        x[:, 0] = 1.0  # intercept column
        x[:, 1] = x[:, 2] * 0.8 + 0.2 * x[:, 1]  # correlated columns
        beta = rng.normal(size=p)
        y = x @ beta + 0.5 * rng.normal(size=n)
        nonneg = [j >= p // 2 for j in range(p)]
        penalty = [0.0] + [pen] * (p - 1)
        aug_x = np.vstack([x, np.diag(np.sqrt(penalty))])
        aug_y = np.concatenate([y, np.zeros(p)])
        lb = np.array([0.0 if c else -np.inf for c in nonneg])
        res = optimize.lsq_linear(aug_x, aug_y, bounds=(lb, np.inf), method="bvls", tol=1e-15,
                                  lsmr_tol=None)
        case = dict(name=f"mixed{case_idx}", x=x.T.tolist(), y=list(y), penalty=penalty,
                    nonneg=nonneg, coef=list(res.x), tool="scipy.optimize.lsq_linear bvls")
        cases.append(case)
    # All coefficients non-negative and no penalty: plain NNLS.
    x = np.abs(rng.normal(size=(60, 5)))
    y = x @ np.array([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.3 * rng.normal(size=60)
    coef, _ = optimize.nnls(x, y)
    cases.append(dict(name="nnls", x=x.T.tolist(), y=list(y), penalty=[0.0] * 5, nonneg=[True] * 5,
                      coef=list(coef), tool="scipy.optimize.nnls"))
    return dict(header=HEADER, cases=cases)


def pymc_truth():
    # The PyMC-Marketing "MMM Example Notebook" data-generating process (data/mmm_example.csv):
    # geometric adstock alpha 0.4 / 0.2 with l_max 8, normalized; logistic saturation lam 4 / 3;
    # y = amplitude * (2 + trend + seasonality + 1.5 event_1 + 2.5 event_2 + 3 x1_sat + 2 x2_sat
    # + noise). The notebook text prints amplitude = 1; the committed CSV (y about 4,000-8,000)
    # was made with amplitude 1000, which a least-squares fit on the true transforms confirms:
    # each coefficient over its published value is 968..1027, except the one-week event_1
    # dummy (1327, one noisy week); see check_ratio_to_published.
    path = os.path.join(HERE, "../../../../shared/data/mmm_pymc_example/mmm_example.csv")
    if not os.path.exists(path):
        return None
    import pandas as pd
    df = pd.read_csv(path)
    n = len(df)

    def geo(x, a, lmax=8):
        w = a ** np.arange(lmax)
        w = w / w.sum()
        return convolve(x, w, [])

    def logistic(x, lam):
        return (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))

    s1 = logistic(geo(df.x1.values, 0.4), 4.0)
    s2 = logistic(geo(df.x2.values, 0.2), 3.0)
    amplitude = 1000.0
    contrib1 = amplitude * 3.0 * s1
    contrib2 = amplitude * 2.0 * s2
    trend = (np.linspace(0.0, 50, n) + 10) ** 0.25 - 1
    seas = 0.5 * (-np.sin(2 * 2 * np.pi * df.dayofyear / 365.5) + np.cos(2 * np.pi * df.dayofyear / 365.5))
    x = np.column_stack([np.ones(n), trend, seas, df.event_1, df.event_2, s1, s2])
    coef, *_ = np.linalg.lstsq(x, df.y.values, rcond=None)
    published = np.array([2.0, 1.0, 1.0, 1.5, 2.5, 3.0, 2.0])
    return dict(header=HEADER, amplitude=amplitude,
                check_ratio_to_published=list(coef / published),
                channels=dict(
                    x1=dict(roas=contrib1.sum() / df.x1.sum(), share=contrib1.sum() / (contrib1.sum() + contrib2.sum()),
                            alpha=0.4, lam=4.0, beta=3.0),
                    x2=dict(roas=contrib2.sum() / df.x2.sum(), share=contrib2.sum() / (contrib1.sum() + contrib2.sum()),
                            alpha=0.2, lam=3.0, beta=2.0)))


if __name__ == "__main__":
    truth = pymc_truth()
    if truth is not None:
        with open(os.path.join(HERE, "pymc_truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
    with open(os.path.join(HERE, "transforms.json"), "w") as f:
        json.dump(transforms(), f, indent=1)
    with open(os.path.join(HERE, "ridge.json"), "w") as f:
        json.dump(ridge(), f, indent=1)
