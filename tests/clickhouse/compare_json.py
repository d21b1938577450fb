#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""compare_json.py A.json B.json [LABEL]: parity of two `flywheel --json` outputs.

Integers (counts) and strings must be exactly equal, as must the shape (keys, array lengths,
nulls). Other numbers (rates, averages, sums of doubles such as revenue) must agree within a
relative (or, near 0, absolute) tolerance of 1e-12: the backends sum doubles in different orders.
Keys listed in IGNORED (timings, the backend URL or source named in the output) are skipped.
Exit 0 on parity, 1 otherwise, printing every difference with its JSON path."""
import json
import sys

TOLERANCE = 1e-12
IGNORED = {"seconds", "backend", "source", "load_seconds", "kernel_seconds", "fit_seconds"}


def compare(a, b, path, out):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        if a != b or type(a) is not type(b):
            out.append(f"{path}: {a!r} != {b!r}")
        return
    if isinstance(a, dict):
        if not isinstance(b, dict):
            out.append(f"{path}: object vs {type(b).__name__}")
            return
        keys = (set(a) | set(b)) - IGNORED
        for key in sorted(keys):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: present on one side only")
            else:
                compare(a[key], b[key], f"{path}.{key}", out)
        return
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            out.append(f"{path}: array lengths {len(a)} vs {len(b) if isinstance(b, list) else b!r}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", out)
        return
    if isinstance(a, int) and isinstance(b, int):
        if a != b:
            out.append(f"{path}: count {a} != {b}")
        return
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        out.append(f"{path}: {a!r} vs {b!r}")
        return
    scale = max(1.0, abs(a), abs(b))
    if abs(a - b) > TOLERANCE * scale:
        out.append(f"{path}: {a!r} vs {b!r} (difference {abs(a - b):.3g})")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        a = json.load(f)
    with open(sys.argv[2]) as f:
        b = json.load(f)
    label = sys.argv[3] if len(sys.argv) > 3 else f"{sys.argv[1]} vs {sys.argv[2]}"
    out = []
    compare(a, b, "$", out)
    if out:
        print(f"PARITY FAIL {label}: {len(out)} difference(s)")
        for line in out[:20]:
            print("  " + line)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
