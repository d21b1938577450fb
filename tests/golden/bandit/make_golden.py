#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# make_golden.py: reference off-policy estimates on the Open Bandit Dataset samples, computed
# independently with pandas/numpy, for tests/unit/bandit/ope_golden_test.cc.
#
# Run from anywhere with Debian's Python (it has pandas): /usr/bin/python3 make_golden.py
# Reads ../shared/data/obd (relative to the repository root); writes next to this script:
#   obd_bts_<campaign>_policy.csv  the BTS policy as a target: the frequency of each item at each
#                                  position in the bts log (an unbiased estimate of the average
#                                  BTS action distribution over the logging period)
#   obd_ope_golden.json            IPS / SNIPS / DM / DR of several target policies on the random
#                                  log, with position as the context.
import json
import os
import sys

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "obd")


def reward_model(log, actions, contexts):
    """Mean click per (position, item), shrunk to the item mean, shrunk to the global mean,
    one pseudo-observation each (the definition in include/flywheel/bandit/ope.h)."""
    g = log["click"].mean()
    a = log.groupby("item_id")["click"].agg(["sum", "count"]).reindex(actions, fill_value=0)
    a_mean = (a["sum"] + g) / (a["count"] + 1.0)
    c = log.groupby(["position", "item_id"])["click"].agg(["sum", "count"])
    q = pd.DataFrame(0.0, index=contexts, columns=actions)
    for ctx in contexts:
        for act in actions:
            s, n = (c.loc[(ctx, act)].tolist() if (ctx, act) in c.index else (0.0, 0.0))
            q.loc[ctx, act] = (s + a_mean[act]) / (n + 1.0)
    return q


def estimates(log, pi, q):
    pos = log["position"].to_numpy()
    act = log["item_id"].to_numpy()
    r = log["click"].to_numpy(dtype=float)
    p = log["propensity_score"].to_numpy(dtype=float)
    pi_chosen = np.array([pi.loc[x, a] for x, a in zip(pos, act)])
    q_chosen = np.array([q.loc[x, a] for x, a in zip(pos, act)])
    dm_rows = np.array([(pi.loc[x] * q.loc[x]).sum() for x in pos])
    w = pi_chosen / p
    return {
        "ips": float(np.mean(w * r)),
        "snips": float(np.sum(w * r) / np.sum(w)),
        "dm": float(np.mean(dm_rows)),
        "dr": float(np.mean(dm_rows + w * (r - q_chosen))),
    }


def main():
    if not os.path.isdir(DATA):
        sys.exit(f"no data at {DATA}")
    cases = []
    for campaign in ["men", "women"]:
        rnd = pd.read_csv(os.path.join(DATA, "random", campaign, f"{campaign}.csv"), index_col=0)
        bts = pd.read_csv(os.path.join(DATA, "bts", campaign, f"{campaign}.csv"), index_col=0)
        actions = sorted(rnd["item_id"].unique())
        contexts = sorted(rnd["position"].unique())
        # BTS as a target policy: item frequencies per position in the bts log.
        freq = bts.groupby(["position", "item_id"]).size()
        freq = freq / freq.groupby(level=0).transform("sum")
        pol = freq.rename("probability").reset_index().rename(columns={"item_id": "action"})
        pol_name = f"obd_bts_{campaign}_policy.csv"
        pol.to_csv(os.path.join(HERE, pol_name), index=False, float_format="%.17g")
        q = reward_model(rnd, actions, contexts)
        targets = {}
        targets["uniform"] = pd.DataFrame(1.0 / len(actions), index=contexts, columns=actions)
        fixed = pd.DataFrame(0.0, index=contexts, columns=actions)
        fixed[actions[0]] = 1.0
        targets[f"fixed:{actions[0]}"] = fixed
        for eps in [0.0, 0.1]:
            t = pd.DataFrame(eps / len(actions), index=contexts, columns=actions)
            for x in contexts:
                best = q.loc[x].idxmax()  # first maximum, as the C++ code
                t.loc[x, best] += 1.0 - eps
            targets["greedy-dm" if eps == 0.0 else f"epsilon:{eps}"] = t
        bt = pd.DataFrame(0.0, index=contexts, columns=actions)
        for (x, a), v in freq.items():
            bt.loc[x, a] = v
        targets[f"file:{pol_name}"] = bt
        for name, pi in targets.items():
            est = estimates(rnd, pi, q)
            cases.append({"campaign": campaign, "log": f"random/{campaign}/{campaign}.csv",
                          "policy": name, "n": int(len(rnd)),
                          "logged_reward": float(rnd["click"].mean()), **est})
        cases.append({"campaign": campaign, "log": f"bts/{campaign}/{campaign}.csv",
                      "policy": "on-policy", "n": int(len(bts)),
                      "logged_reward": float(bts["click"].mean())})
    doc = {"generator": f"make_golden.py with pandas {pd.__version__}, numpy {np.__version__}",
           "context_columns": ["position"], "cases": cases}
    with open(os.path.join(HERE, "obd_ope_golden.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for c in cases:
        print(c)


if __name__ == "__main__":
    main()
