#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# make_oracle_golden.py: reference optima of the simulator's oracle linear programs, solved
# independently with scipy.optimize.linprog (HiGHS), for tests/unit/bandit/oracle_golden_test.cc.
#
# Run with Debian's Python (scipy 1.10.1, numpy 1.24.2): /usr/bin/python3 make_oracle_golden.py
# Writes oracle_lp_golden.json next to this script.
#
# The LPs are written here from the problem statement in the issue (#6, "Oracle"), not from the
# C++ code:
#   channel oracle  max sum_c n_c pbar_c          pbar_c = sum_s share_s p_sc (x revenue_s)
#                   s.t. sum_c cost_c n_c <= B, sum_c n_c <= T, cost_c n_c <= cap_c, n >= 0
#   segment oracle  max sum_sc n_sc p_sc (x revenue_s)
#                   s.t. sum_sc cost_c n_sc <= B, sum_c n_sc = share_s N, N <= T,
#                        sum_s cost_c n_sc <= cap_c, n >= 0
# For each case and objective the file holds the optimum and, per channel, the smallest and the
# largest spend over the whole optimal face (two more LPs per channel with the objective held at
# the optimum), so a test can check the allocation even when the optimum is not unique.
#
# Cases: the built-in ecommerce scenario (its parameters restated from
# EcommerceScenario() in src/bandit/scenario.cc; the test checks the built-in against them)
# and 40 seeded random scenarios (2-6 channels, 1-4 segments, costs log-uniform in 0.05-3, some
# zero conversions, some caps, some binding horizons).
import json
import os

import numpy as np
from scipy.optimize import linprog

HERE = os.path.dirname(os.path.abspath(__file__))


def ecommerce():
    return {
        "name": "ecommerce", "budget": 10000, "horizon": 500000,
        "channels": [{"name": "social", "cost": 0.8, "cost_sd": 0.2, "cap": None},
                     {"name": "search", "cost": 1.5, "cost_sd": 0.3, "cap": None},
                     {"name": "email", "cost": 0.2, "cost_sd": 0.05, "cap": None}],
        "segments": [
            {"name": "bargain", "share": 0.5,
             "conversion": {"social": 0.020, "search": 0.025, "email": 0.016},
             "revenue": {"mean": 30, "sd": 15}},
            {"name": "premium", "share": 0.3,
             "conversion": {"social": 0.030, "search": 0.090, "email": 0.004},
             "revenue": {"mean": 90, "sd": 40}},
            {"name": "casual", "share": 0.2,
             "conversion": {"social": 0.050, "search": 0.020, "email": 0.006},
             "revenue": {"mean": 45, "sd": 20}}],
        "drift": None, "delay": None}


def random_scenario(rng, i):
    k = int(rng.integers(2, 7))
    s = int(rng.integers(1, 5))
    names = [f"ch{j}" for j in range(k)]
    costs = np.exp(rng.uniform(np.log(0.05), np.log(3.0), k))
    budget = float(np.round(rng.uniform(100, 5000), 2))
    # A third of the cases have a horizon that binds before the budget.
    min_cost = costs.min()
    horizon = int(budget / min_cost * (rng.uniform(0.2, 0.9) if i % 3 == 0 else 10))
    horizon = max(horizon, 1)
    channels = []
    for j in range(k):
        cap = None
        if rng.uniform() < 0.3:
            cap = float(np.round(rng.uniform(0.05, 0.6) * budget, 2))
        channels.append({"name": names[j], "cost": float(np.round(costs[j], 4)),
                         "cost_sd": 0.0, "cap": cap})
    shares = rng.dirichlet(np.ones(s))
    shares = np.round(shares, 6)
    shares[-1] = 1.0 - shares[:-1].sum()
    segments = []
    for t in range(s):
        conv = {}
        for j in range(k):
            if rng.uniform() < 0.15:
                continue  # the channel converts at 0 in this segment
            conv[names[j]] = float(np.round(rng.uniform(0.001, 0.2), 5))
        segments.append({"name": f"seg{t}", "share": float(shares[t]), "conversion": conv,
                         "revenue": {"mean": float(np.round(rng.uniform(5, 100), 2)), "sd": 1.0}})
    return {"name": f"random{i}", "budget": budget, "horizon": horizon, "channels": channels,
            "segments": segments, "drift": None, "delay": None}


def build(sc, per_segment, revenue):
    k = len(sc["channels"])
    segs = sc["segments"]
    cost = np.array([c["cost"] for c in sc["channels"]])
    names = [c["name"] for c in sc["channels"]]
    p = np.array([[sg["conversion"].get(n, 0.0) for n in names] for sg in segs])
    rev = np.array([sg["revenue"]["mean"] if revenue else 1.0 for sg in segs])
    share = np.array([sg["share"] for sg in segs])
    caps = [(j, c["cap"]) for j, c in enumerate(sc["channels"]) if c["cap"] is not None]
    if not per_segment:
        obj = (share[:, None] * p * rev[:, None]).sum(axis=0)
        a_ub = [cost, np.ones(k)]
        b_ub = [sc["budget"], sc["horizon"]]
        for j, cap in caps:
            row = np.zeros(k)
            row[j] = cost[j]
            a_ub.append(row)
            b_ub.append(cap)
        spend = np.diag(cost)  # spend per channel = spend @ x
        return obj, np.array(a_ub), np.array(b_ub), None, None, spend
    s = len(segs)
    nv = s * k + 1
    obj = np.zeros(nv)
    obj[:s * k] = (p * rev[:, None]).ravel()
    a_ub, b_ub = [], []
    row = np.zeros(nv)
    row[:s * k] = np.tile(cost, s)
    a_ub.append(row)
    b_ub.append(sc["budget"])
    row = np.zeros(nv)
    row[-1] = 1.0
    a_ub.append(row)
    b_ub.append(sc["horizon"])
    for j, cap in caps:
        row = np.zeros(nv)
        for t in range(s):
            row[t * k + j] = cost[j]
        a_ub.append(row)
        b_ub.append(cap)
    a_eq, b_eq = [], []
    for t in range(s):
        row = np.zeros(nv)
        row[t * k:(t + 1) * k] = 1.0
        row[-1] = -share[t]
        a_eq.append(row)
        b_eq.append(0.0)
    spend = np.zeros((k, nv))
    for t in range(s):
        for j in range(k):
            spend[j, t * k + j] = cost[j]
    return obj, np.array(a_ub), np.array(b_ub), np.array(a_eq), np.array(b_eq), spend


def solve(sc, per_segment, revenue):
    obj, a_ub, b_ub, a_eq, b_eq, spend = build(sc, per_segment, revenue)
    res = linprog(-obj, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, method="highs")
    assert res.status == 0, res.message
    opt = -res.fun
    # The optimal face: objective >= opt - tol. Smallest and largest spend of each channel on it.
    tol = 1e-9 * max(1.0, abs(opt))
    a_face = np.vstack([a_ub, -obj])
    b_face = np.append(b_ub, -(opt - tol))
    lo, hi = [], []
    for j in range(spend.shape[0]):
        r_min = linprog(spend[j], A_ub=a_face, b_ub=b_face, A_eq=a_eq, b_eq=b_eq, method="highs")
        r_max = linprog(-spend[j], A_ub=a_face, b_ub=b_face, A_eq=a_eq, b_eq=b_eq, method="highs")
        assert r_min.status == 0 and r_max.status == 0
        lo.append(float(r_min.fun))
        hi.append(float(-r_max.fun))
    return {"objective": float(opt), "spend_min": lo, "spend_max": hi}


def fractional_knapsack(sc):
    """Brute-force cross-check of the channel oracle without caps or a binding horizon: the
    greedy by value per unit cost is optimal for a fractional knapsack."""
    names = [c["name"] for c in sc["channels"]]
    best = 0.0
    for j, c in enumerate(sc["channels"]):
        pbar = sum(sg["share"] * sg["conversion"].get(names[j], 0.0) for sg in sc["segments"])
        best = max(best, pbar / c["cost"])
    return best * sc["budget"]


def main():
    rng = np.random.default_rng(20261203)
    scenarios = [ecommerce()] + [random_scenario(rng, i) for i in range(40)]
    cases = []
    for sc in scenarios:
        case = {"scenario": sc}
        for per_segment in (False, True):
            for revenue in (False, True):
                key = ("segment" if per_segment else "channel") + ("_revenue" if revenue else "")
                case[key] = solve(sc, per_segment, revenue)
        no_caps = all(c["cap"] is None for c in sc["channels"])
        cheapest = min(c["cost"] for c in sc["channels"])
        if no_caps and sc["horizon"] * cheapest >= sc["budget"]:
            greedy = fractional_knapsack(sc)
            assert abs(greedy - case["channel"]["objective"]) <= 1e-9 * max(1.0, greedy)
            case["channel_greedy"] = greedy
        cases.append(case)
    doc = {"generator": "tests/golden/bandit/make_oracle_golden.py",
           "solver": "scipy.optimize.linprog(method='highs'), scipy 1.10.1", "cases": cases}
    with open(os.path.join(HERE, "oracle_lp_golden.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
