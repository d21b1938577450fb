#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# bench/mmm_recovery.py: parameter-recovery diagnosis for `flywheel mmm fit` on the synthetic
# data of `flywheel generate mmm`, per channel and seed.
#
#   bench/mmm_recovery.py [--bin build/flywheel] [--seeds 1-10] [--channels 4] [--noise 0.02]
#                         [--weeks 156] [--fit-args "..."]
#
# For every seed it writes the data set and truth.json, fits it with `mmm fit --json`, and
# prints true vs fitted ROAS per channel (err%) with references that do not depend on the
# fitter's search, to tell the two ways recovery can fail apart:
#   oracle, se%: ROAS by ordinary least squares with the TRUE transforms (adstock, Hill) given,
#     only the linear part estimated, and its relative standard error.
#   full_se%: the asymptotic standard error of ROAS when the whole model (baseline, betas,
#     theta, K, S) is estimated by least squares, by the delta method at the true parameters.
#     If it is well above 5%, no estimator recovers that channel to 15% reliably: the design
#     (spend variation, flighting, effect size against the noise) does not identify it.
#   snr: sd of the channel's true weekly contribution over the noise sd.
#   sse_fit/sse_true: the fit's in-sample SSE over the true model's (< 1: the fit explains the
#     data better than the truth, so its errors are statistical, not a missed optimum).
#   --local-from-truth: the least-squares optimum nearest the truth (scipy least_squares started
#     at the true transforms); if its ROAS errors match the fit's, a better search cannot help.
# The references use the fitter's default base columns (trend, 2 yearly Fourier pairs, promo).
# The last lines summarise |fitted/true - 1| over all channel-seeds.
import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

import numpy as np


def adstock(x, theta, max_lag):
    w = theta ** np.arange(max_lag)
    out = np.zeros_like(x)
    for lag, wl in enumerate(w):
        out[lag:] += wl * x[: len(x) - lag]
    return out


def hill(a, k, s):
    out = np.zeros_like(a)
    pos = a > 0
    out[pos] = 1.0 / (1.0 + (k / a[pos]) ** s)
    return out


def base_columns(dates, yearly_order):
    import datetime as dt

    n = len(dates)
    cols = [np.ones(n), np.arange(n, dtype=float)]
    doy = np.array([(d - dt.date(d.year, 1, 1)).days for d in dates], dtype=float)
    for k in range(1, yearly_order + 1):
        ang = 2 * math.pi * k * doy / 365.25
        cols += [np.sin(ang), np.cos(ang)]
    return cols


def load_csv(path):
    import datetime as dt

    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    dates = [dt.date.fromisoformat(r[0]) for r in rows]
    cols = {h: np.array([float(r[i]) for r in rows]) for i, h in enumerate(header) if i > 0}
    return dates, cols


def media_columns(truth, cols):
    out = {}
    for name, ch in truth["channels"].items():
        a = adstock(cols[name], ch["adstock"]["theta"], ch["adstock"]["max_lag"])
        out[name] = hill(a, ch["saturation"]["half_saturation"], ch["saturation"]["slope"])
    return out


def oracle(truth, dates, cols, yearly_order):
    """OLS of sales on the base columns and the true media columns: ROAS and its s.e."""
    media = media_columns(truth, cols)
    names = list(truth["channels"])
    x = np.column_stack(base_columns(dates, yearly_order) + [cols["promo"]] + [media[c] for c in names])
    y = cols["sales"]
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    sigma2 = resid @ resid / (len(y) - x.shape[1])
    cov = sigma2 * np.linalg.inv(x.T @ x)
    nb = x.shape[1] - len(names)
    res = {}
    for i, c in enumerate(names):
        scale = media[c].sum() / cols[c].sum()
        res[c] = (beta[nb + i] * scale, math.sqrt(cov[nb + i, nb + i]) * scale)
    return res


def predict(model, dates, cols):
    """Outcome of a model JSON (truth.json or a fitted model) on the data."""
    b = model["baseline"]
    base = base_columns(dates, b["yearly_order"])
    y = b["intercept"] + b["trend_per_period"] * base[1]
    for k, coef in enumerate(b["fourier"]):
        y = y + coef * base[2 + k]
    for name, coef in b["controls"].items():
        y = y + coef * cols[name]
    for name, ch in model["channels"].items():
        a = adstock(cols[name], ch["adstock"]["theta"], ch["adstock"]["max_lag"])
        y = y + ch["beta"] * hill(a, ch["saturation"]["half_saturation"], ch["saturation"]["slope"])
    return y


def local_from_truth(truth, dates, cols, yearly_order):
    """Profile least squares (beta by OLS, no ridge, fitted on all periods with the fitter's
    base columns), locally optimised over (theta, K, S) per channel starting at the truth:
    the estimate a perfect global search would find if the optimum nearest the truth is the
    global one. Returns ROAS per channel and its SSE."""
    from scipy.optimize import least_squares

    names = list(truth["channels"])
    base = np.column_stack(base_columns(dates, yearly_order) + [cols["promo"]])
    y = cols["sales"]
    x0, lo, hi = [], [], []
    for c in names:
        ch = truth["channels"][c]
        x0 += [ch["adstock"]["theta"], math.log(ch["saturation"]["half_saturation"]), ch["saturation"]["slope"]]
        lo += [0.0, math.log(ch["saturation"]["half_saturation"]) - 5, 0.5]
        hi += [0.9, math.log(ch["saturation"]["half_saturation"]) + 5, 1.0]
    x0 = np.clip(x0, np.array(lo) + 1e-9, np.array(hi) - 1e-9)

    def design(p):
        m = [hill(adstock(cols[c], p[3 * i], 13), math.exp(p[3 * i + 1]), p[3 * i + 2]) for i, c in enumerate(names)]
        return np.column_stack([base] + m), m

    def resid(p):
        x, _ = design(p)
        b, *_ = np.linalg.lstsq(x, y, rcond=None)
        return y - x @ b

    r = least_squares(resid, x0, bounds=(lo, hi), x_scale=1.0, diff_step=1e-6)
    x, m = design(r.x)
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    nb = base.shape[1]
    roas = {c: b[nb + i] * m[i].sum() / cols[c].sum() for i, c in enumerate(names)}
    return roas, float((r.fun ** 2).sum())


def full_model_se(truth, dates, cols, yearly_order, sigma):
    """Asymptotic s.e. of each channel's ROAS when the WHOLE model is estimated by least squares
    (baseline, betas and every channel's theta, K, S unknown): sigma^2 (J'J)^-1 at the true
    parameters, by the delta method. Fitter-independent: it measures how well the design pins
    ROAS down once the transforms must be learnt too (bounds ignored)."""
    names = list(truth["channels"])
    base = np.column_stack(base_columns(dates, yearly_order) + [cols["promo"]])
    nb = base.shape[1]
    # The base coefficients enter linearly; start from the OLS on the true media.
    media = media_columns(truth, cols)
    x = np.column_stack([base] + [media[c] for c in names])
    lin, *_ = np.linalg.lstsq(x, cols["sales"], rcond=None)
    p0 = list(lin[:nb])
    for c in names:
        ch = truth["channels"][c]
        p0 += [ch["beta"], ch["adstock"]["theta"], math.log(ch["saturation"]["half_saturation"]),
               ch["saturation"]["slope"]]
    p0 = np.array(p0)

    def curves(p):
        return [p[nb + 4 * i] * hill(adstock(cols[c], p[nb + 4 * i + 1], 13), math.exp(p[nb + 4 * i + 2]),
                                     p[nb + 4 * i + 3]) for i, c in enumerate(names)]

    def yhat(p):
        return base @ p[:nb] + sum(curves(p))

    def roas(p):
        return np.array([cv.sum() / cols[c].sum() for cv, c in zip(curves(p), names)])

    step = np.maximum(np.abs(p0), 1e-3) * 1e-6
    jac = np.column_stack([(yhat(p0 + np.eye(len(p0))[k] * step[k]) - yhat(p0 - np.eye(len(p0))[k] * step[k]))
                           / (2 * step[k]) for k in range(len(p0))])
    g = np.column_stack([(roas(p0 + np.eye(len(p0))[k] * step[k]) - roas(p0 - np.eye(len(p0))[k] * step[k]))
                         / (2 * step[k]) for k in range(len(p0))])
    cov = sigma ** 2 * np.linalg.pinv(jac.T @ jac)
    se = np.sqrt(np.einsum("ij,jk,ik->i", g, cov, g))
    return dict(zip(names, se))


def seed_range(text):
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/flywheel")
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--channels", type=int, default=4)
    ap.add_argument("--noise", type=float, default=0.02)
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--fit-args", default="")
    ap.add_argument("--json-out", default="")
    ap.add_argument("--local-from-truth", action="store_true",
                    help="also the local profile-least-squares optimum started at the truth")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fw_mmm_recovery.")
    errors, oracle_errors, local_errors, full_rel, table = [], [], [], [], []
    print(f"{'seed':>4} {'channel':8} {'true':>7} {'fitted':>7} {'err%':>6} {'oracle':>7} {'se%':>5}"
          f" {'theta t/f':>11} {'K/peak t/f':>11} {'S t/f':>9}  sse_fit/sse_true, snr, full_se%")
    for seed in seed_range(args.seeds):
        out = os.path.join(work, f"s{seed}")
        subprocess.run([args.bin, "generate", "mmm", "--weeks", str(args.weeks), "--seed", str(seed),
                        "--channels", str(args.channels), "--noise", str(args.noise), "--out", out],
                       check=True, stdout=subprocess.DEVNULL)
        truth = json.load(open(os.path.join(out, "truth.json")))
        names = list(truth["channels"])
        model_path = os.path.join(out, "fit.json")
        subprocess.run([args.bin, "--json", "mmm", "fit", "--input", os.path.join(out, "mmm.csv"),
                        "--date-col", "date", "--target", "sales", "--channels", ",".join(names),
                        "--controls", "promo", "--seed", str(seed), "--model-out", model_path]
                       + shlex.split(args.fit_args), check=True, stdout=subprocess.DEVNULL)
        fit = json.load(open(model_path))
        dates, cols = load_csv(os.path.join(out, "mmm.csv"))
        orc = oracle(truth, dates, cols, truth["baseline"]["yearly_order"])
        y = cols["sales"]
        sse_true = float(((y - predict(truth, dates, cols)) ** 2).sum())
        sse_ratio = float(((y - predict(fit, dates, cols)) ** 2).sum()) / sse_true
        extra = f"lambda {fit['ridge_lambda']:g}"
        # The simulator's noise sd: --noise times the mean of the true outcome.
        full_se = full_model_se(truth, dates, cols, 2, args.noise * predict(truth, dates, cols).mean())
        if args.local_from_truth:
            loc, sse_loc = local_from_truth(truth, dates, cols, 2)
            extra += f", local-from-truth sse/true {sse_loc / sse_true:.3f} ROAS err% " + " ".join(
                f"{c}:{100 * (loc[c] / truth['channels'][c]['roas'] - 1):+.1f}" for c in names)
            local_errors.extend(abs(loc[c] / truth["channels"][c]["roas"] - 1) for c in names)
        print(f"     seed {seed}: {extra}")
        for c in names:
            t, f = truth["channels"][c], fit["channels"][c]
            err = f["roas"] / t["roas"] - 1
            o, ose = orc[c]
            contrib = t["beta"] * media_columns({"channels": {c: t}}, cols)[c]
            snr = contrib.std() / math.sqrt(sse_true / len(y))
            peak = adstock(cols[c], t["adstock"]["theta"], 13).max()
            peak_f = adstock(cols[c], f["adstock"]["theta"], 13).max()
            errors.append(abs(err))
            full_rel.append(full_se[c] / t["roas"])
            oracle_errors.append(abs(o / t["roas"] - 1))
            table.append({"seed": seed, "channel": c, "true_roas": t["roas"], "fitted_roas": f["roas"],
                          "oracle_roas": o, "oracle_se": ose, "snr": snr,
                          "full_model_se": full_se[c]})
            print(f"{seed:>4} {c:8} {t['roas']:7.3f} {f['roas']:7.3f} {100 * err:+6.1f} {o:7.3f} "
                  f"{100 * ose / t['roas']:5.1f} {t['adstock']['theta']:5.2f}/{f['adstock']['theta']:5.2f} "
                  f"{t['saturation']['half_saturation'] / peak:5.2f}/{f['saturation']['half_saturation'] / peak_f:5.2f} "
                  f"{t['saturation']['slope']:4.2f}/{f['saturation']['slope']:4.2f}  {sse_ratio:.3f}  snr {snr:.2f}"
                  f"  full_se% {100 * full_se[c] / t['roas']:.1f}")
    e = np.array(errors)
    oe = np.array(oracle_errors)
    print(f"fitted: median |err| {100 * np.median(e):.1f}%, max {100 * e.max():.1f}%, "
          f"within 15%: {np.mean(e <= 0.15) * 100:.0f}% of {len(e)}")
    print(f"oracle (true transforms, OLS): median |err| {100 * np.median(oe):.1f}%, max {100 * oe.max():.1f}%, "
          f"within 15%: {np.mean(oe <= 0.15) * 100:.0f}%")
    fr = np.array(full_rel)
    print(f"full-model asymptotic s.e. of ROAS: median {100 * np.median(fr):.1f}%, max {100 * fr.max():.1f}%")
    if local_errors:
        le = np.array(local_errors)
        print(f"local-from-truth: median |err| {100 * np.median(le):.1f}%, max {100 * le.max():.1f}%, "
              f"within 15%: {np.mean(le <= 0.15) * 100:.0f}%")
    if args.json_out:
        json.dump(table, open(args.json_out, "w"), indent=1)
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
