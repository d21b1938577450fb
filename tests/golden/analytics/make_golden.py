#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Golden cases for flywheel's retention and funnel kernels, computed with pandas.

Run with Debian's /usr/bin/python3 (pandas, numpy):  /usr/bin/python3 make_golden.py
Writes events.csv (a small seeded event log: minute-resolution times so same-instant events
occur, spanning week and month edges and the 2024-02-29 leap day) and golden.json (expected
results). The definitions are those of docs/metrics.md, implemented here independently with
pandas calendar periods (weeks 'W-SUN' = Monday..Sunday, months 'M', all UTC).
"""
import json
import numpy as np
import pandas as pd

rng = np.random.default_rng(20261203)
T0 = pd.Timestamp('2024-01-20T00:00:00Z').value // 1000   # microseconds
SPAN_MIN = 75 * 24 * 60                                     # 75 days of minutes
EVENTS = ['signup', 'view', 'add_to_cart', 'purchase', 'share']
rows = []
for u in range(260):
    user = f'u{u:04d}'
    start = int(rng.integers(0, SPAN_MIN - 60))
    rows.append((user, start, 'signup'))
    n = int(rng.integers(0, 14))
    # Later events: mostly close to the signup, some far; minutes, so ties happen.
    for _ in range(n):
        gap = int(rng.exponential(2000)) if rng.random() < 0.7 else int(rng.integers(0, 40000))
        t = min(start + gap, SPAN_MIN - 1)
        rows.append((user, t, str(rng.choice(EVENTS[1:], p=[0.55, 0.2, 0.15, 0.1]))))
    if rng.random() < 0.1:  # an exact same-instant pair in "wrong" name order
        rows.append((user, start + 5, 'purchase'))
        rows.append((user, start + 5, 'add_to_cart'))
df = pd.DataFrame(rows, columns=['user_id', 'minute', 'event'])
df['time_us'] = T0 + df['minute'].astype('int64') * 60_000_000
df['ts'] = pd.to_datetime(df['time_us'], unit='us', utc=True)
df = df.drop(columns='minute').sort_values(['user_id', 'time_us', 'event'], kind='stable')
df[['user_id', 'time_us', 'event']].to_csv('events.csv', index=False)
DATA_END = int(df['time_us'].max())
FREQ = {'day': 'D', 'week': 'W-SUN', 'month': 'M'}


def ordinal(series, period):
    return series.dt.tz_localize(None).dt.to_period(FREQ[period]).map(lambda p: p.ordinal)


def period_start(ordinal_value, period):
    return pd.Period(ordinal=ordinal_value, freq=FREQ[period]).start_time


def retention(period, n, mode='recurring', start_event='', return_event='', k=1):
    ev = df
    starts = ev if not start_event else ev[ev.event == start_event]
    t0 = starts.groupby('user_id')['time_us'].min().rename('t0')
    ret = ev if not return_event else ev[ev.event == return_event]
    m = ret.merge(t0, left_on='user_id', right_index=True)
    m = m[m.time_us >= m.t0].copy()
    t0df = t0.to_frame()
    t0df['cohort'] = ordinal(pd.to_datetime(t0df['t0'], unit='us', utc=True), period)
    m = m.merge(t0df[['cohort']], left_on='user_id', right_index=True)
    m['offset'] = ordinal(m['ts'], period) - m['cohort']
    counts = m.groupby(['user_id', 'offset']).size()
    qual = counts[counts >= k].reset_index()[['user_id', 'offset']]
    if mode == 'first-time':
        qual = qual.groupby('user_id', as_index=False)['offset'].min()
    elif mode == 'unbounded':
        last = qual.groupby('user_id')['offset'].max()
        qual = pd.DataFrame([(u, w) for u, mx in last.items() for w in range(0, min(mx, n - 1) + 1)],
                            columns=['user_id', 'offset'])
    qual = qual.merge(t0df[['cohort']], left_on='user_id', right_index=True)
    cells = qual[qual.offset < n].groupby(['cohort', 'offset'])['user_id'].nunique()
    sizes = t0df.groupby('cohort').size()
    cohorts, num, den = [], [0] * n, [0] * n
    for c, size in sizes.items():
        retained = [int(cells.get((c, w), 0)) for w in range(n)]
        incomplete = [bool(period_start(c + w + 1, period).value // 1000 - 1 > DATA_END)
                      for w in range(n)]
        for w in range(n):
            if not incomplete[w]:
                num[w] += retained[w]
                den[w] += int(size)
        cohorts.append({'start': period_start(c, period).strftime('%Y-%m-%d'), 'size': int(size),
                        'retained': retained, 'incomplete': incomplete})
    average = [num[w] / den[w] if den[w] else None for w in range(n)]
    return {'kind': 'retention', 'period': period, 'num_periods': n, 'mode': mode,
            'start_event': start_event, 'return_event': return_event, 'min_occurrences': k,
            'cohorts': cohorts, 'average': average}


def attempt(times, names, steps, entry, window, order):
    """Earliest time each step is reached from entry index `entry` (docs/metrics.md)."""
    t1 = times[entry]
    inside = [i for i in range(len(times)) if t1 <= times[i] <= t1 + window]
    best = [None] * len(steps)
    if order == 'any':
        seen = set()
        for i in sorted(inside, key=lambda i: times[i]):
            if names[i] in steps:
                seen.add(names[i])
            for j in range(len(seen)):
                if best[j] is None or times[i] < best[j]:
                    best[j] = times[i]
        return best
    best[0] = t1

    def dfs(j, prev, used):
        if j == len(steps):
            return
        for i in inside:
            if i in used or names[i] != steps[j] or times[i] < prev:
                continue
            if order == 'strict' and any(prev < t < times[i] for t in times):
                continue
            if best[j] is None or times[i] < best[j]:
                best[j] = times[i]
            dfs(j + 1, times[i], used | {i})
    dfs(1, t1, {entry})
    return best


def funnel(steps, window_s, order):
    window = window_s * 1_000_000
    k = len(steps)
    users = [0] * k
    gaps = [[] for _ in range(k)]
    open_total = 0
    for _, g in df.groupby('user_id'):
        times, names = g['time_us'].tolist(), g['event'].tolist()
        entries = [i for i in range(len(times))
                   if (names[i] in steps if order == 'any' else names[i] == steps[0])]
        if not entries:
            continue
        furthest, counted, counted_t1 = 0, None, None
        for e in sorted(entries, key=lambda i: times[i]):
            best = attempt(times, names, steps, e, window, order)
            reached = next((j for j in range(k) if best[j] is None), k)
            if reached > furthest:
                furthest, counted, counted_t1 = reached, best, times[e]
        for j in range(furthest):
            users[j] += 1
        for j in range(1, furthest):
            gaps[j].append((counted[j] - counted[j - 1]) / 1e6)
        if furthest < k and max(times[e] for e in entries) + window > DATA_END:
            open_total += 1
    med = [float(np.quantile(x, 0.5)) if x else None for x in gaps]
    p90 = [float(np.quantile(x, 0.9)) if x else None for x in gaps]
    return {'kind': 'funnel', 'steps': steps, 'window_seconds': window_s, 'order': order,
            'users': users, 'median_seconds': med, 'p90_seconds': p90, 'in_progress': open_total}


cases = [
    retention('week', 8),
    retention('day', 10),
    retention('month', 3),
    retention('week', 6, 'first-time', 'signup', 'purchase'),
    retention('week', 6, 'unbounded', 'signup', 'view'),
    retention('month', 3, 'recurring', '', 'view', 2),
]
for order in ['ordered', 'strict', 'any']:
    cases.append(funnel(['signup', 'view', 'add_to_cart', 'purchase'], 7 * 86400, order))
    cases.append(funnel(['view', 'purchase'], 86400, order))
header = {'generated_by': f'tests/golden/analytics/make_golden.py with pandas {pd.__version__}, '
                          f'numpy {np.__version__}', 'data_end_us': DATA_END, 'cases': cases}
with open('golden.json', 'w') as f:
    json.dump(header, f, indent=1)
print(len(df), 'events,', df.user_id.nunique(), 'users,', len(cases), 'cases')
