#!/usr/bin/env python3
"""overlap.py - reviews that wait for a scan next to reviews answered from
the verdict cache, against portcullis-webhook's event loops
(tests/integration/webhook_events.sh).

  overlap.py overlap --port P --cacert CA --slow FILE --fast FILE
                     [--slow-conns K] [--fast-conns M] [--fast-requests N]
      K connections each POST the review FILE (--slow: an image whose scan
      is held back by tests/webhook/slowproxy.py); once the webhook's
      /metrics shows K requests waiting on request workers
      (portcullis_requests_waiting), M keep-alive connections each POST the
      --fast review (a cached verdict) N times, one after the other. Prints
      one JSON object: every answer with its status, allowed and the
      monotonic time it completed, and when the waiting was seen.

  overlap.py drop --port P --cacert CA --slow FILE
      POSTs the --slow review, waits until the webhook shows it waiting,
      then resets the connection (SO_LINGER 0) and exits: the webhook is
      left with a suspended request whose client is gone. Prints one JSON
      object.

Waits are on events (a metric), bounded by --limit seconds; no timing is
judged here: the suite asserts the order of completion.
"""
import argparse
import http.client
import json
import socket
import ssl
import struct
import sys
import threading
import time


def ctx(cafile):
    return ssl.create_default_context(cafile=cafile)


def conn(a):
    return http.client.HTTPSConnection("127.0.0.1", a.port, context=ctx(a.cacert), timeout=a.limit)


def post(c, body):
    c.request("POST", "/validate?timeout=30s", body=body, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    allowed = None
    try:
        allowed = json.loads(data)["response"]["allowed"]
    except (ValueError, KeyError, TypeError):
        pass
    return r.status, allowed


def metric(a, name):
    c = conn(a)
    try:
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
    finally:
        c.close()
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == name:
            return float(f[1])
    return None


def wait_waiting(a, n):
    end = time.monotonic() + a.limit
    while time.monotonic() < end:
        if (metric(a, "portcullis_requests_waiting") or 0) >= n:
            return time.monotonic()
        time.sleep(0.05)
    return None


def overlap(a):
    slow_body = open(a.slow, "rb").read()
    fast_body = open(a.fast, "rb").read()
    slow, fast, lock = [], [], threading.Lock()

    def one_slow(i):
        rec = {"conn": i}
        try:
            rec["status"], rec["allowed"] = post(conn(a), slow_body)
        except Exception as e:  # recorded: the suite judges
            rec["error"] = repr(e)
        rec["t"] = time.monotonic()
        with lock:
            slow.append(rec)

    def one_fast(i):
        c = conn(a)
        for k in range(a.fast_requests):
            rec = {"conn": i, "n": k}
            try:
                rec["status"], rec["allowed"] = post(c, fast_body)
            except Exception as e:
                rec["error"] = repr(e)
            rec["t"] = time.monotonic()
            with lock:
                fast.append(rec)

    t0 = time.monotonic()
    th = [threading.Thread(target=one_slow, args=(i,)) for i in range(a.slow_conns)]
    for t in th:
        t.start()
    t_wait = wait_waiting(a, a.slow_conns)
    t_fast = time.monotonic()
    ft = [threading.Thread(target=one_fast, args=(i,)) for i in range(a.fast_conns)]
    for t in ft:
        t.start()
    for t in ft + th:
        t.join()
    out = {"t0": t0, "t_waiting": t_wait, "t_fast_start": t_fast, "slow": slow, "fast": fast,
           "slow_first_done": min((r["t"] for r in slow), default=None),
           "fast_last_done": max((r["t"] for r in fast), default=None)}
    print(json.dumps(out))


def drop(a):
    body = open(a.slow, "rb").read()
    raw = socket.create_connection(("127.0.0.1", a.port), timeout=a.limit)
    s = ctx(a.cacert).wrap_socket(raw, server_hostname="127.0.0.1")
    head = ("POST /validate?timeout=30s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)).encode()
    s.sendall(head + body)
    t_wait = wait_waiting(a, 1)
    # a reset, not a goodbye: the webhook learns of it only when it answers
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print(json.dumps({"waiting_seen": t_wait is not None}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["overlap", "drop"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cacert", required=True)
    p.add_argument("--slow", required=True)
    p.add_argument("--fast")
    p.add_argument("--slow-conns", type=int, default=2)
    p.add_argument("--fast-conns", type=int, default=4)
    p.add_argument("--fast-requests", type=int, default=10)
    p.add_argument("--limit", type=float, default=40)
    a = p.parse_args()
    if a.mode == "overlap":
        overlap(a)
    else:
        drop(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
