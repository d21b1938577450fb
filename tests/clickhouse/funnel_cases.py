#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# funnel_cases.py OUT_DIR: a small adversarial data set for the strict funnel and the --by
# labels, written as OUT_DIR/events.csv and OUT_DIR/exposures.csv.
#
# Steps are a, b, c, d; x is an event of no step. Times are epoch microseconds, so ties at one
# instant and window edges are exact. The parity test runs the funnels with --window 10s
# (W = 10,000,000 µs, the edge cases below are placed at t1 + W and t1 + W + 1) and 3s.
#   - hand-written users (case_*): same-instant steps, events strictly between steps and at the
#     same instant as a step, window edges, re-entries whose later attempt goes further, a step
#     repeated at one instant, paths that must stay at an instant or move on, no entry at all;
#   - 600 random users (rnd_*) whose events fall on a few instants 0 to 12 s apart, so ties, gaps
#     and window edges are common, with channels '', email, search, social (first_channel and
#     channel ties at one instant, users without any channel).
#   - 60 users (long_*) walking through 32 steps s01..s32, mostly in order, a few µs apart,
#     with skips, repeats and noise: a funnel of the maximum length, whose SQL must stay small
#     (ClickHouse expands every use of a WITH alias).
# Every user but a few is exposed in experiment `per_user` with its own id as the variant, so
# `--by variant --experiment per_user` compares the funnel user by user.
import csv
import os
import random
import sys

S = 1_000_000          # one second in µs
W = 10 * S             # the window the edge cases are built around (--window 10s)
T0 = 1_700_000_000 * S  # 2023-11-14T22:13:20Z

# (user, [(offset_us, event, channel)]) written by hand. Comments give the strict outcome
# with W = 10 s (furthest step).
CASES = [
    ("case_same_instant", [(0, "a", "email"), (0, "b", ""), (0, "c", "search")]),       # 3
    ("case_between", [(0, "a", ""), (1 * S, "x", ""), (2 * S, "b", "")]),              # 1
    ("case_tie_with_step", [(0, "a", ""), (2 * S, "x", ""), (2 * S, "b", "")]),        # 2
    ("case_tie_with_entry", [(0, "a", "social"), (0, "x", "email"), (1 * S, "b", "")]),  # 2
    ("case_edge_in", [(0, "a", ""), (W, "b", "")]),                                     # 2
    ("case_edge_out", [(0, "a", ""), (W + 1, "b", "")]),                                # 1
    ("case_edge_later_step", [(0, "a", ""), (W // 2, "b", ""), (W, "c", ""), (W + 1, "d", "")]),  # 3
    ("case_reentry", [(0, "a", ""), (1 * S, "x", ""), (2 * S, "a", ""), (3 * S, "b", ""),
                      (4 * S, "c", "")]),                                               # 3, from 2 s
    ("case_two_attempts", [(0, "a", ""), (1 * S, "b", ""), (2 * S, "x", ""), (20 * S, "a", ""),
                           (21 * S, "b", ""), (21 * S, "c", "")]),                      # 3, 2nd
    ("case_repeat_at_instant", [(0, "a", "email"), (0, "a", "search"), (1 * S, "b", ""),
                                (1 * S, "b", ""), (2 * S, "c", "")]),                   # 3
    ("case_stay_or_move", [(0, "a", ""), (1 * S, "b", ""), (1 * S, "c", ""), (2 * S, "c", ""),
                           (2 * S, "d", "")]),                                          # 4
    ("case_step_between_steps", [(0, "a", ""), (1 * S, "b", ""), (2 * S, "b", ""),
                                 (3 * S, "c", "")]),                                    # 2
    ("case_later_step_at_entry", [(0, "a", ""), (0, "c", ""), (1 * S, "b", ""),
                                  (2 * S, "c", "")]),                                   # 3
    ("case_reverse_at_instant", [(0, "b", ""), (0, "a", ""), (1 * S, "c", "")]),        # 3
    ("case_no_entry", [(0, "b", "email"), (1 * S, "c", "")]),                           # 0
    ("case_only_noise", [(0, "x", "")]),                                                # 0
    ("case_window_from_later_entry", [(0, "a", ""), (0, "b", ""), (W, "a", ""),
                                      (W + 1, "b", ""), (W + 1, "c", "")]),             # 3, 2nd
    ("case_micro_apart", [(0, "a", ""), (1, "b", ""), (2, "x", ""), (3, "c", "")]),     # 2
    ("case_open_at_end", [(3600 * S, "a", ""), (3600 * S + 1, "b", "")]),               # 2, open
]

# Users that get no exposure: `(not exposed)` is then a group too.
NOT_EXPOSED = {"case_only_noise", "rnd_0007", "rnd_0100"}


def random_users(rng):
    users = []
    for u in range(600):
        num = rng.randint(1, 12)
        instants = sorted(rng.sample(range(0, 13), rng.randint(1, min(num, 8))))
        rows = []
        for _ in range(num):
            t = rng.choice(instants) * S
            if rng.random() < 0.1:
                t += rng.choice([1, -1, W - t if t < W else 0])  # µs apart, or exactly t1 + W
            event = rng.choice("aabbccdx")
            channel = rng.choice(["", "", "email", "search", "social"])
            rows.append((max(t, 0), event, channel))
        users.append((f"rnd_{u:04d}", rows))
    return users


def long_users(rng):
    users = []
    for u in range(60):
        rows, t, step = [], 0, 1
        clean = u % 6 == 0  # these complete all 32 steps, strict included
        while step <= 32 and len(rows) < 80:
            t += rng.choice([0, 1, 1, 2, S])
            r = 1.0 if clean else rng.random()
            if r < 0.08:
                rows.append((t, "x", ""))
            elif r < 0.14:
                step += 1  # a step skipped
            else:
                rows.append((t, f"s{step:02d}", rng.choice(["", "email"])))
                step += 1 if clean or rng.random() < 0.9 else 0
        users.append((f"long_{u:02d}", rows))
    return users


def main():
    if len(sys.argv) != 2:
        print("usage: funnel_cases.py OUT_DIR", file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261204)
    users = CASES + random_users(rng) + long_users(rng)
    with open(os.path.join(out, "events.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["event_id", "user_id", "timestamp", "event", "channel", "revenue"])
        for user, rows in users:
            for i, (offset, event, channel) in enumerate(rows):
                revenue = "9.5" if event == "d" else ""
                w.writerow([f"{user}-{i}", user, T0 + offset, event, channel, revenue])
    with open(os.path.join(out, "exposures.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user_id", "experiment", "variant", "timestamp"])
        for user, _ in users:
            if user not in NOT_EXPOSED:
                w.writerow([user, "per_user", user, T0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
