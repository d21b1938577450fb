#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent BG/NBD and Gamma-Gamma reference on CDNOW, with SciPy.

Run with Debian's /usr/bin/python3 (numpy, scipy) from this directory:
    /usr/bin/python3 make_clv_golden.py [../../../../shared/data/cdnow]
Writes clv_cdnow_golden.json: maximum-likelihood parameters (scipy.optimize.minimize, BFGS on
log-parameters, from a different start than flywheel), standard errors from the inverse of a
central finite-difference Hessian of the log-likelihood in the natural parameters, and
per-customer predictions (FHL 2005 eq. 10 and 11 with scipy.special.hyp2f1, Gamma-Gamma
conditional mean, discounted CLV) for a few customers. Formulas are written from the papers:
Fader, Hardie & Lee (2005), "Counting your customers the easy way", eq. 6, 10, 11; and
Fader, Hardie & Lee (2005), "RFM and CLV", the Gamma-Gamma likelihood (their appendix).
"""
import json
import sys

import numpy as np
import pandas as pd
import scipy
from scipy import optimize, special

data_dir = sys.argv[1] if len(sys.argv) > 1 else '../../../../shared/data/cdnow'
df = pd.read_csv(f'{data_dir}/cdnow_customers_summary_with_transactions.csv')
x, tx, T, m = (df[c].to_numpy(float) for c in ('x', 't_x', 'T', 'zbar'))


def bgnbd_ll(params):
    r, alpha, a, b = params
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    ln_a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - \
        special.gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + T)
    ln_a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) -
                     (r + x) * np.log(alpha + tx), -np.inf)
    return float(np.sum(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)))


rep = x > 0
xr, mr = x[rep], m[rep]


def gg_ll(params):
    p, q, v = params
    return float(np.sum(special.gammaln(p * xr + q) - special.gammaln(p * xr) - special.gammaln(q)
                        + q * np.log(v) + (p * xr - 1) * np.log(mr) + p * xr * np.log(xr)
                        - (p * xr + q) * np.log(v + xr * mr)))


def fit(ll, start):
    res = optimize.minimize(lambda z: -ll(np.exp(z)), np.log(start), method='BFGS',
                            options={'gtol': 1e-9, 'maxiter': 10000})
    return np.exp(res.x)


def standard_errors(ll, theta):
    k = len(theta)
    h = 1e-4 * theta
    hess = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            def f(di, dj):
                t = theta.copy()
                t[i] += di * h[i]
                t[j] += dj * h[j]
                return ll(t)
            hess[i, j] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h[i] * h[j])
    return np.sqrt(np.diag(np.linalg.inv(-hess)))


bg = fit(bgnbd_ll, [1.0, 1.0, 1.0, 1.0])
gg = fit(gg_ll, [1.0, 1.0, 1.0])
bg_se = standard_errors(bgnbd_ll, bg)
gg_se = standard_errors(gg_ll, gg)
r, alpha, a, b = bg
p, q, v = gg


def expected_purchases(t, xi, txi, Ti):
    z = t / (alpha + Ti + t)
    head = (a + b + xi - 1) / (a - 1)
    tail = 1 - ((alpha + Ti) / (alpha + Ti + t)) ** (r + xi) * \
        special.hyp2f1(r + xi, b + xi, a + b + xi - 1, z)
    den = 1 + (xi > 0) * a / (b + xi - 1) * ((alpha + Ti) / (alpha + txi)) ** (r + xi)
    return head * tail / den


def p_alive(xi, txi, Ti):
    if xi == 0:
        return 1.0
    return 1 / (1 + a / (b + xi - 1) * ((alpha + Ti) / (alpha + txi)) ** (r + xi))


def expected_value(xi, mi):
    return p * (v + xi * mi) / (p * xi + q - 1)


def clv(xi, txi, Ti, value, horizon, discount):
    cum = [expected_purchases(t, xi, txi, Ti) if t > 0 else 0.0 for t in range(horizon + 1)]
    return sum((cum[i] - cum[i - 1]) * value / (1 + discount) ** i for i in range(1, horizon + 1))


customers = []
for i in [0, 1, 2, 9, 100, 500, 1000, 2356]:
    value = expected_value(x[i], m[i])
    customers.append({'row': i, 'x': x[i], 't_x': tx[i], 'T': T[i], 'monetary_value': m[i],
                      'expected_purchases_39': expected_purchases(39.0, x[i], tx[i], T[i]),
                      'p_alive': p_alive(x[i], tx[i], T[i]), 'expected_value': value,
                      'clv_52_discount_0.01': clv(x[i], tx[i], T[i], value, 52, 0.01)})
out = {
    'generated_by': f'tests/golden/analytics/make_clv_golden.py with numpy {np.__version__}, '
                    f'scipy {scipy.__version__}, pandas {pd.__version__}',
    'input': 'cdnow/cdnow_customers_summary_with_transactions.csv',
    'bgnbd': {'r': r, 'alpha': alpha, 'a': a, 'b': b, 'r_se': bg_se[0], 'alpha_se': bg_se[1],
              'a_se': bg_se[2], 'b_se': bg_se[3], 'log_likelihood': bgnbd_ll(bg)},
    'gamma_gamma': {'p': p, 'q': q, 'v': v, 'p_se': gg_se[0], 'q_se': gg_se[1], 'v_se': gg_se[2],
                    'log_likelihood': gg_ll(gg)},
    'customers': customers,
}
with open('clv_cdnow_golden.json', 'w') as f:
    json.dump(out, f, indent=1)
print(json.dumps({k: out[k] for k in ('bgnbd', 'gamma_gamma')}, indent=1))
