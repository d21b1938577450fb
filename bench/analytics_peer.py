#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Peers for bench/analytics.sh: the docs/metrics.md definitions in pandas and in DuckDB SQL,
and the check that every engine returns identical numbers.

  analytics_peer.py sql TASK                       print the DuckDB SQL for TASK
  analytics_peer.py pandas TASK PKL OUT.json       time TASK in pandas (load not timed)
  analytics_peer.py compare TASK FW.json SQL.json PANDAS.json

TASK: retention (weekly, cohort = first signup, 13 offsets, recurring, any return event),
funnel (signup > view > add_to_cart > purchase, ordered, 7 days from step 1),
lifecycle (weekly, any event). Weeks are ISO weeks (Monday, UTC).
"""
import json
import sys
import time

STEPS = ['signup', 'view', 'add_to_cart', 'purchase']
WEEK_US = 7 * 86400 * 1_000_000
WINDOW_US = 7 * 86400 * 1_000_000
MONDAY0_US = -3 * 86400 * 1_000_000  # 1969-12-29, the Monday that starts week 0

SQL = {
    'retention': """
WITH starts AS (SELECT user_id, min(ts) AS t0 FROM events WHERE event = 'signup' GROUP BY user_id),
c AS (SELECT user_id, t0, date_trunc('week', t0) AS cw FROM starts),
sizes AS (SELECT cw, count(*) AS size FROM c GROUP BY cw),
act AS (SELECT DISTINCT e.user_id, c.cw,
               CAST((epoch_us(date_trunc('week', e.ts)) - epoch_us(c.cw)) / 604800000000 AS BIGINT) AS w
        FROM events e JOIN c USING (user_id) WHERE e.ts >= c.t0),
cells AS (SELECT cw, w, count(*) AS retained FROM act WHERE w < 13 GROUP BY cw, w)
SELECT strftime(s.cw, '%Y-%m-%d') AS cohort, s.size, cells.w, cells.retained
FROM sizes s LEFT JOIN cells USING (cw) ORDER BY cohort, w""",
    'funnel': """
WITH s1 AS (SELECT user_id, ts, ts AS t1 FROM events WHERE event = 'signup'),
b1 AS (SELECT user_id, ts, max(t1) OVER (PARTITION BY user_id ORDER BY ts) AS best FROM s1),
s2 AS (SELECT e.user_id, e.ts, b.best AS t1 FROM events e ASOF JOIN b1 b
       ON e.user_id = b.user_id AND e.ts >= b.ts
       WHERE e.event = 'view' AND e.ts <= b.best + INTERVAL 7 DAY),
b2 AS (SELECT user_id, ts, max(t1) OVER (PARTITION BY user_id ORDER BY ts) AS best FROM s2),
s3 AS (SELECT e.user_id, e.ts, b.best AS t1 FROM events e ASOF JOIN b2 b
       ON e.user_id = b.user_id AND e.ts >= b.ts
       WHERE e.event = 'add_to_cart' AND e.ts <= b.best + INTERVAL 7 DAY),
b3 AS (SELECT user_id, ts, max(t1) OVER (PARTITION BY user_id ORDER BY ts) AS best FROM s3),
s4 AS (SELECT e.user_id, e.ts FROM events e ASOF JOIN b3 b
       ON e.user_id = b.user_id AND e.ts >= b.ts
       WHERE e.event = 'purchase' AND e.ts <= b.best + INTERVAL 7 DAY)
SELECT (SELECT count(DISTINCT user_id) FROM s1) AS n1, (SELECT count(DISTINCT user_id) FROM s2) AS n2,
       (SELECT count(DISTINCT user_id) FROM s3) AS n3, (SELECT count(DISTINCT user_id) FROM s4) AS n4""",
    'lifecycle': """
WITH act AS (SELECT DISTINCT user_id, date_trunc('week', ts) AS w FROM events),
seq AS (SELECT user_id, w, lag(w) OVER (PARTITION BY user_id ORDER BY w) AS prev,
               lead(w) OVER (PARTITION BY user_id ORDER BY w) AS next FROM act),
last_week AS (SELECT max(w) AS lw FROM act),
kinds AS (
  SELECT w, CASE WHEN prev IS NULL THEN 'new' WHEN prev = w - INTERVAL 7 DAY THEN 'returning'
                 ELSE 'resurrecting' END AS kind FROM seq
  UNION ALL
  SELECT w + INTERVAL 7 DAY, 'dormant' FROM seq, last_week
  WHERE (next IS NULL OR next > w + INTERVAL 7 DAY) AND w + INTERVAL 7 DAY <= lw)
SELECT strftime(w, '%Y-%m-%d') AS week, count(*) FILTER (WHERE kind = 'new') AS new,
       count(*) FILTER (WHERE kind = 'returning') AS returning,
       count(*) FILTER (WHERE kind = 'resurrecting') AS resurrecting,
       count(*) FILTER (WHERE kind = 'dormant') AS dormant
FROM kinds GROUP BY w ORDER BY w""",
}


def week_index(us):
    return (us - MONDAY0_US) // WEEK_US


def week_label(index):
    import pandas as pd
    return pd.Timestamp((index * WEEK_US + MONDAY0_US) * 1000, tz='UTC').strftime('%Y-%m-%d')


def pandas_task(task, df):
    """df: user_id, us (int64 microseconds), event."""
    import pandas as pd
    if task == 'retention':
        s = df.loc[df.event == 'signup'].groupby('user_id', sort=False)['us'].min().rename('t0')
        e = df[['user_id', 'us']].merge(s, left_on='user_id', right_index=True)
        e = e[e.us >= e.t0]
        cw = week_index(e['t0'].to_numpy())
        w = week_index(e['us'].to_numpy()) - cw
        cells = pd.DataFrame({'user_id': e.user_id.to_numpy(), 'cw': cw, 'w': w})
        cells = cells[cells.w < 13].drop_duplicates().groupby(['cw', 'w']).size()
        sizes = pd.Series(week_index(s.to_numpy())).value_counts()
        return {week_label(c): [int(sizes[c]), [int(cells.get((c, k), 0)) for k in range(13)]]
                for c in sorted(sizes.index)}
    if task == 'funnel':
        ev = df.event
        reached = df.loc[ev == STEPS[0], ['user_id', 'us']].assign(t1=lambda x: x.us)
        counts = [int(reached.user_id.nunique())]
        for name in STEPS[1:]:
            # Latest start among reached events at or before each time (cumulative max per user).
            prev = reached.sort_values('us', kind='stable')
            prev = prev.assign(best=prev.groupby('user_id')['t1'].cummax())
            prev = prev.groupby(['user_id', 'us'], as_index=False)['best'].max()
            cur = df.loc[ev == name, ['user_id', 'us']].sort_values('us', kind='stable')
            m = pd.merge_asof(cur, prev.sort_values('us').rename(columns={'us': 'pus'}),
                              left_on='us', right_on='pus', by='user_id', direction='backward',
                              allow_exact_matches=True)
            ok = m.best.notna() & (m.us <= m.best + WINDOW_US)
            reached = m.loc[ok, ['user_id', 'us']].assign(t1=m.loc[ok, 'best'].astype('int64'))
            counts.append(int(reached.user_id.nunique()))
        return counts
    if task == 'lifecycle':
        act = pd.DataFrame({'user_id': df.user_id.to_numpy(), 'w': week_index(df.us.to_numpy())})
        act = act.drop_duplicates().sort_values(['user_id', 'w'])
        prev = act.groupby('user_id')['w'].shift(1)
        nxt = act.groupby('user_id')['w'].shift(-1)
        kind = pd.Series('resurrecting', index=act.index)
        kind[prev.isna()] = 'new'
        kind[prev == act.w - 1] = 'returning'
        last = act.w.max()
        dormant_w = act.w[(nxt.isna() | (nxt > act.w + 1)) & (act.w + 1 <= last)] + 1
        table = pd.concat([pd.DataFrame({'w': act.w, 'kind': kind}),
                           pd.DataFrame({'w': dormant_w, 'kind': 'dormant'})])
        counts = table.groupby(['w', 'kind']).size()
        return {week_label(w): [int(counts.get((w, k), 0)) for k in
                                ['new', 'returning', 'resurrecting', 'dormant']]
                for w in sorted(table.w.unique())}
    raise SystemExit('unknown task ' + task)


def normalise(task, engine, doc):
    if engine == 'flywheel':
        if task == 'retention':
            return {c['start']: [c['size'], c['retained']] for c in doc['cohorts']}
        if task == 'funnel':
            return [s['users'] for s in doc['steps']]
        return {p['start']: [p['new'], p['returning'], p['resurrecting'], p['dormant']]
                for p in doc['periods']}
    if engine == 'sql':
        if task == 'retention':
            out = {}
            for row in doc:
                cell = out.setdefault(row['cohort'], [row['size'], [0] * 13])
                if row['w'] is not None:
                    cell[1][row['w']] = row['retained']
            return out
        if task == 'funnel':
            return [doc[0]['n1'], doc[0]['n2'], doc[0]['n3'], doc[0]['n4']]
        return {r['week']: [r['new'], r['returning'], r['resurrecting'], r['dormant']] for r in doc}
    return doc


def main():
    mode, task = sys.argv[1], sys.argv[2]
    if mode == 'sql':
        print(' '.join(SQL[task].split()))
    elif mode == 'pandas':
        import pandas as pd
        raw = pd.read_pickle(sys.argv[3])
        df = pd.DataFrame({'user_id': raw.user_id.to_numpy(),
                           'us': raw.ts.to_numpy().astype('int64') * 1_000_000,
                           'event': raw.event.astype(str).to_numpy()})
        start = time.perf_counter()
        result = pandas_task(task, df)
        seconds = time.perf_counter() - start
        with open(sys.argv[4], 'w') as f:
            json.dump(result, f)
        print(f'{seconds:.3f}')
    elif mode == 'compare':
        docs = [normalise(task, e, json.load(open(p)))
                for e, p in zip(['flywheel', 'sql', 'pandas'], sys.argv[3:6])]
        if task == 'lifecycle':  # flywheel lists the first week too; PostHog-style, same numbers
            pass
        same_sql = docs[0] == docs[1]
        same_pandas = docs[0] == docs[2]
        print(f'{task}: flywheel == duckdb_sql: {same_sql}; flywheel == pandas: {same_pandas}')
        if not (same_sql and same_pandas):
            for name, d in [('sql', docs[1]), ('pandas', docs[2])]:
                if d != docs[0]:
                    keys = d.keys() if isinstance(d, dict) else range(len(d))
                    for k in list(keys)[:200]:
                        a = docs[0][k] if isinstance(docs[0], list) or k in docs[0] else None
                        if a != d[k]:
                            print(f'  first difference ({name}) at {k}: flywheel {a} vs {d[k]}')
                            break
            sys.exit(1)


if __name__ == '__main__':
    main()
