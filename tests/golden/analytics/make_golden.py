#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Golden cases for flywheel's retention, funnel, lifecycle, stickiness and acquisition
(first touch, CAC/ROAS, five attribution models) kernels, computed with pandas.

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
# Channels and revenue come from a second generator, so the rows above (and the retention and
# funnel cases) do not depend on them. About 40% of events carry no channel.
rng2 = np.random.default_rng(5)
df['channel'] = rng2.choice(['', 'ads', 'email', 'seo'], size=len(df), p=[0.4, 0.25, 0.2, 0.15])
df['revenue'] = np.where(df.event == 'purchase', np.round(rng2.lognormal(3, 0.6, len(df)), 2), 0.0)
df[['user_id', 'time_us', 'event', 'channel', 'revenue']].to_csv('events.csv', index=False)
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


def lifecycle(period, event=''):
    """New / returning / resurrecting / dormant per period (docs/metrics.md, "Lifecycle")."""
    ev = df if not event else df[df.event == event]
    first = int(ordinal(df['ts'], period).min())
    last = int(ordinal(df['ts'], period).max())
    act = pd.DataFrame({'user_id': ev.user_id, 'p': ordinal(ev['ts'], period)}).drop_duplicates()
    active = act.groupby('user_id')['p'].apply(set)
    rows = []
    for p in range(first, last + 1):
        new = ret = res = dormant = 0
        for periods in active:
            if p in periods:
                if min(periods) == p:
                    new += 1
                elif p - 1 in periods:
                    ret += 1
                else:
                    res += 1
            elif p - 1 in periods:
                dormant += 1
        rows.append({'start': period_start(p, period).strftime('%Y-%m-%d'), 'new': new,
                     'returning': ret, 'resurrecting': res, 'dormant': dormant,
                     'incomplete': bool(period_start(p + 1, period).value // 1000 - 1 > DATA_END)})
    return {'kind': 'lifecycle', 'period': period, 'event': event, 'periods': rows}


def stickiness(event=''):
    """DAU and rolling 7/30-day WAU/MAU per UTC day (docs/metrics.md, "Stickiness")."""
    ev = df if not event else df[df.event == event]
    day = (ev['time_us'] // 86_400_000_000).astype('int64')
    all_days = df['time_us'] // 86_400_000_000
    users_on = pd.DataFrame({'user_id': ev.user_id, 'day': day}).drop_duplicates()
    rows = []
    for d in range(int(all_days.min()), int(all_days.max()) + 1):
        n = int(d - all_days.min()) + 1
        def width(w):
            return int(users_on[(users_on.day > d - w) & (users_on.day <= d)].user_id.nunique())
        rows.append({'date': pd.Timestamp(d * 86400, unit='s').strftime('%Y-%m-%d'),
                     'dau': width(1), 'wau': width(7), 'mau': width(30),
                     'wau_partial': n < 7, 'mau_partial': n < 30})
    return {'kind': 'stickiness', 'event': event, 'days': rows}


SPEND = [{'date': '2024-01-22', 'channel': 'ads', 'spend': 120.5},
         {'date': '2024-02-19', 'channel': 'ads', 'spend': 80.0},
         {'date': '2024-03-04', 'channel': 'email', 'spend': 30.25},
         {'date': '2024-02-05', 'channel': 'tv', 'spend': 500.0}]


def touch_weights(model, times, t):
    """Credit shares of touches sorted by (time, channel) for a purchase at t."""
    n = len(times)
    name, _, arg = model.partition(':')
    if name == 'first':
        w = [1.0] + [0.0] * (n - 1)
    elif name == 'last':
        w = [0.0] * (n - 1) + [1.0]
    elif name == 'linear':
        w = [1.0] * n
    elif name == 'time-decay':
        half_life_us = float(arg or 7) * 86_400_000_000
        w = [2.0 ** (-(t - x) / half_life_us) for x in times]
    else:  # position:F/M/L
        f, m, l = (float(v) / 100 for v in (arg or '40/20/40').split('/'))
        if n == 1:
            w = [1.0]
        elif n == 2:
            w = [f / (f + l), l / (f + l)]
        else:
            w = [f] + [m / (n - 2)] * (n - 2) + [l]
    total = sum(w)
    return [x / total for x in w]


def acquisition(model, window_s, lookback_s, period='week'):
    """First-touch acquisition, CAC/ROAS and attribution (docs/metrics.md, "Acquisition")."""
    window, lookback = window_s * 1_000_000, lookback_s * 1_000_000
    ch = {}
    cells = {}

    def row(name):
        return ch.setdefault(name, {'new_users': 0, 'customers': 0, 'revenue': 0.0, 'spend': None,
                                    'attributed_conversions': 0.0, 'attributed_revenue': 0.0})
    conversions, revenue_total = 0, 0.0
    for user, g in df.groupby('user_id'):
        g = g.sort_values(['time_us', 'channel'])
        t0 = int(g.time_us.min())
        touched = g[g.channel != '']
        first = touched.iloc[0].channel if len(touched) else '(none)'
        r = row(first)
        r['new_users'] += 1
        p = int(ordinal(pd.Series([pd.Timestamp(t0, unit='us', tz='UTC')]), period).iloc[0])
        cells[(p, first)] = cells.get((p, first), 0) + 1
        buys = g[g.event == 'purchase']
        inside = buys[buys.time_us <= t0 + window]
        if len(inside):
            r['customers'] += 1
            r['revenue'] += float(inside.revenue.sum())
        for t, rev in zip(buys.time_us, buys.revenue):
            conversions += 1
            revenue_total += rev
            tp = touched[(touched.time_us >= t - lookback) & (touched.time_us <= t)]
            if not len(tp):
                row('(none)')['attributed_conversions'] += 1
                row('(none)')['attributed_revenue'] += rev
                continue
            for name, w in zip(tp.channel, touch_weights(model, list(tp.time_us), t)):
                row(name)['attributed_conversions'] += w
                row(name)['attributed_revenue'] += w * rev
    for s in SPEND:
        r = row(s['channel'])
        r['spend'] = (r['spend'] or 0.0) + s['spend']
    out = []
    for name in sorted(ch):
        r = ch[name]
        r['channel'] = name
        r['conversion_rate'] = r['customers'] / r['new_users'] if r['new_users'] else None
        r['cac'] = r['spend'] / r['customers'] if r['spend'] is not None and r['customers'] else None
        r['roas'] = r['revenue'] / r['spend'] if r['spend'] else None
        out.append(r)
    period_cells = [{'start': period_start(p, period).strftime('%Y-%m-%d'), 'channel': c,
                     'new_users': n} for (p, c), n in sorted(cells.items())]
    return {'kind': 'acquisition', 'attribution': model, 'period': period,
            'conversion_window_seconds': window_s, 'lookback_seconds': lookback_s,
            'spend': SPEND, 'channels': out, 'cells': period_cells,
            'conversions': conversions, 'revenue': revenue_total}


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
cases += [lifecycle('week'), lifecycle('month'), lifecycle('day', 'view'), stickiness(),
          stickiness('purchase')]
for model in ['first', 'last', 'linear', 'time-decay:3', 'position:30/40/30', 'position']:
    cases.append(acquisition(model, 7 * 86400, 14 * 86400))
header = {'generated_by': f'tests/golden/analytics/make_golden.py with pandas {pd.__version__}, '
                          f'numpy {np.__version__}', 'data_end_us': DATA_END, 'cases': cases}
with open('golden.json', 'w') as f:
    json.dump(header, f, indent=1)
print(len(df), 'events,', df.user_id.nunique(), 'users,', len(cases), 'cases')
