#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_client.py: the HTTP client of serve_test.sh (Python's standard library only).

  serve_client.py post URL KEY EVENTS.csv BATCH          post every row in batches; print the
                                                        summed {accepted, duplicates, rejected}
  serve_client.py raw URL KEY BODY_FILE                  POST BODY_FILE to /v1/events; print
                                                        {"status": N, "body": ...}
  serve_client.py get URL KEY PATH OUT                   GET PATH into OUT; print the status
  serve_client.py postjson URL KEY PATH JSON             POST the JSON text to PATH; print the
                                                        status
  serve_client.py stream URL KEY PREFIX START BATCH LOG  post batches of unique events (user
                                                        PREFIX-<n>) until the server goes away,
                                                        appending each acknowledged batch's
                                                        first and last n to LOG; resends the
                                                        first batch from START (a retry)
"""
import csv
import json
import sys
import urllib.error
import urllib.request


def request(url, key, method, path, body=None):
    req = urllib.request.Request(url + path, data=body, method=method)
    req.add_header("Authorization", "Bearer " + key)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def csv_events(path):
    out = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            ev = {k: v for k, v in row.items() if v != "" and k != "properties"}
            if "revenue" in ev:
                ev["revenue"] = float(ev["revenue"])
            out.append(ev)
    return out


def post(url, key, path, batch):
    events = csv_events(path)
    total = {"accepted": 0, "duplicates": 0, "rejected": 0, "batches": 0}
    for i in range(0, len(events), batch):
        status, body = request(url, key, "POST", "/v1/events",
                               json.dumps(events[i:i + batch]).encode())
        if status != 200:
            sys.exit(f"POST /v1/events batch {i // batch}: HTTP {status}: {body}")
        doc = json.loads(body)
        total["accepted"] += doc["accepted"]
        total["duplicates"] += doc["duplicates"]
        total["rejected"] += len(doc["rejected"])
        total["batches"] += 1
    print(json.dumps(total))


def stream(url, key, prefix, start, batch, log):
    n = start
    with open(log, "a") as out:
        while True:
            events = [{"event_id": f"{prefix}-{j}", "user_id": f"{prefix}-{j}",
                       "timestamp": 1_700_000_000 + j, "event": "view"}
                      for j in range(n, n + batch)]
            try:
                status, _ = request(url, key, "POST", "/v1/events", json.dumps(events).encode())
            except Exception:  # the server was killed: stop quietly
                return
            if status == 200:
                out.write(f"{n} {n + batch - 1}\n")
                out.flush()
                n += batch


def main():
    cmd, url, key = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "post":
        post(url, key, sys.argv[4], int(sys.argv[5]))
    elif cmd == "raw":
        with open(sys.argv[4], "rb") as f:
            status, body = request(url, key, "POST", "/v1/events", f.read())
        print(json.dumps({"status": status, "body": json.loads(body)}))
    elif cmd == "get":
        status, body = request(url, key, "GET", sys.argv[4])
        with open(sys.argv[5], "w") as f:
            f.write(body)
        print(status)
    elif cmd == "postjson":
        status, _ = request(url, key, "POST", sys.argv[4], sys.argv[5].encode())
        print(status)
    elif cmd == "stream":
        stream(url, key, sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
