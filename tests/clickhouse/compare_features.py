#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""compare_features.py A.csv B.csv [LABEL]: parity of two `flywheel segment --features-out`
matrices. The header and the user_id column (so the row order) must be equal; a count column
(frequency, purchases, first_touch_*: every value a whole number on both sides) must be equal
exactly; any other value must agree within 1e-9 relative (absolute near 0). Exit 0 on parity, 1
otherwise, printing the first differences."""
import csv
import sys

TOLERANCE = 1e-9
COUNT_COLUMNS = {"frequency", "purchases"}


def main():
    a_path, b_path = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else b_path
    with open(a_path, newline="") as fa, open(b_path, newline="") as fb:
        a_rows, b_rows = list(csv.reader(fa)), list(csv.reader(fb))
    diffs = []
    if not a_rows or a_rows[0] != b_rows[0]:
        diffs.append(f"headers differ: {a_rows[:1]} vs {b_rows[:1]}")
    elif len(a_rows) != len(b_rows):
        diffs.append(f"{len(a_rows) - 1} rows vs {len(b_rows) - 1}")
    else:
        header = a_rows[0]
        for line, (ra, rb) in enumerate(zip(a_rows[1:], b_rows[1:]), start=2):
            if ra[0] != rb[0]:
                diffs.append(f"line {line}: user {ra[0]!r} vs {rb[0]!r}")
                continue
            for name, x, y in zip(header[1:], ra[1:], rb[1:]):
                fx, fy = float(x), float(y)
                exact = name in COUNT_COLUMNS or name.startswith("first_touch_")
                if exact and fx != fy:
                    diffs.append(f"line {line} {name}: {x} != {y} (a count)")
                elif abs(fx - fy) > TOLERANCE * max(1.0, abs(fx), abs(fy)):
                    diffs.append(f"line {line} {name}: {x} vs {y}")
            if len(diffs) > 10:
                break
    for d in diffs[:10]:
        print(f"{label}: {d}")
    if not diffs:
        print(f"{label}: {len(a_rows) - 1} users x {len(a_rows[0]) - 1} features equal")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
