#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# bandit_peer.py: the numpy peer for bench/bandit.sh. Runs the same simulation loop as
# `flywheel simulate` (one contact per step: draw posteriors, play the argmax, observe a
# Bernoulli conversion and a cost, update) for Bernoulli Thompson sampling and budgeted Thompson
# sampling on K arms, and prints decisions per CPU second (process_time) as JSON.
#
# Usage: /usr/bin/python3 bandit_peer.py STEPS ARMS SEED
import json
import sys
import time

import numpy as np


def run(policy, steps, k, seed):
    rng = np.random.default_rng(seed)
    p = np.linspace(0.01, 0.10, k)          # true conversion rates
    cost = np.linspace(0.2, 2.0, k)         # mean cost per contact
    s = np.zeros(k)                         # conversions per arm
    n = np.zeros(k)                         # pulls per arm
    spend = np.zeros(k)
    t0 = time.process_time()
    for _ in range(steps):
        theta = rng.beta(1.0 + s, 1.0 + n - s)
        if policy == "budgeted-ts":
            # Gamma-Exponential cost posterior, as fw::bandit (prior_cost = 1).
            theta = theta / ((1.0 + spend) / rng.gamma(1.0 + n))
        a = int(np.argmax(theta))
        r = rng.random() < p[a]
        c = max(0.0, cost[a] + 0.2 * cost[a] * rng.standard_normal())
        s[a] += r
        n[a] += 1
        spend[a] += c
    dt = time.process_time() - t0
    return {"policy": policy, "steps": steps, "seconds": dt, "decisions_per_s": steps / dt}


if __name__ == "__main__":
    steps, k, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps([run("ts", steps, k, seed), run("budgeted-ts", steps, k, seed)]))
