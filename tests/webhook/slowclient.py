#!/usr/bin/env python3
"""slowclient.py - slow clients against portcullis-webhook over real TLS,
for tests/integration/slowclient.sh. Prints one JSON object (what
happened, with times in seconds from the start); the shell script judges it.

  attack    --conns N drippers (and --raw N TLS-handshake drippers, from
            --raw-source if given) from --source: each completes its TLS handshake, sends a request line
            and then one header byte every --interval seconds (far below the
            webhook's idle timeout), never ending its headers; a raw one
            sends a TLS record header and then one byte per interval, never
            ending its ClientHello. Once --held of them hold a connection
            (an event, not a sleep), a legitimate client from --legit-source
            asks GET /healthz every --probe-every seconds and POSTs --validate
            FILE to /validate once, each on a new connection, until every
            dripper is cut or --duration passes.
            Out: {"t_probing", "held_when_probing", "refused_when_probing",
            "held", "refused" (at the end), "drippers": [{"kind", "accepted",
            "t_connect", "t_held", "t_cut", "sent"}], "probes": [{"what", "t",
            "latency", "status"}]}
  keepalive one connection: GET /healthz answered, then the next request's
            headers dripped. Out: {"t_answer", "status", "t_cut", "sent"}.
  body      headers complete (POST --path, Content-Length: 200), then the
            body dripped one byte per --interval. Out: {"t_headers", "t_reply", "reply"
            (first line), "body" (the reply's body), "sent"}.
  nonreader one connection (a 4 KiB receive buffer) that pipelines GET
            /healthz and never reads, until its sends stop or fail; then it
            reads what came. Out: {"t_stopped", "sent" (requests), "why"
            (why sending stopped), "answers" (whole ones read), "t_cut",
            "end" (how reading ended: "eof", "reset", "tls-eof" for a
            truncated record, or another TLS error: a corrupt stream)}.
  stall     --conns N connections each send the first 10 bytes of a real
            ClientHello, touch --marker once all have, hold --hold seconds,
            then send the rest, finish the handshake and GET /healthz.
            Out: {"statuses": [first line of each answer, or the error]}.
A dripper "cut" is one whose connection the server ended (EOF or reset);
t_cut is null when it was still open at --duration.
"""
import argparse
import http.client
import json
import select
import socket
import ssl
import threading
import time

T0 = time.monotonic()


def now():
    return round(time.monotonic() - T0, 3)


def tls_ctx(cacert):
    return ssl.create_default_context(cafile=cacert)


def closed_by_peer(sock, wait):
    """Wait up to `wait` seconds for the peer to end the connection."""
    try:
        r, _, _ = select.select([sock], [], [], wait)
        if not r:
            return False
        return sock.recv(4096) == b""  # data would be an answer: not expected here
    except (OSError, ssl.SSLError):
        return True


def drip(sock, first, interval, until, rec):
    """Send `first`, then a byte per interval, until the peer ends it."""
    try:
        sock.sendall(first)
        rec["sent"] += len(first)
        while time.monotonic() - T0 < until:
            if closed_by_peer(sock, interval):
                rec["t_cut"] = now()
                return
            sock.sendall(b"a")
            rec["sent"] += 1
    except (OSError, ssl.SSLError):
        rec["t_cut"] = now()


class Held:
    """Counts drippers that hold a connection (handshake done) or were refused."""

    def __init__(self):
        self.cv = threading.Condition()
        self.held = self.refused = 0

    def add(self, held):
        with self.cv:
            if held:
                self.held += 1
            else:
                self.refused += 1
            self.cv.notify_all()


def header_dripper(a, host, port, rec, counter):
    rec["t_connect"] = now()
    try:
        raw = socket.create_connection((host, port), timeout=a.duration,
                                       source_address=(a.source, 0))
        s = tls_ctx(a.cacert).wrap_socket(raw, server_hostname=host)
    except (OSError, ssl.SSLError) as e:
        rec["refused"] = type(e).__name__
        counter.add(False)
        return
    rec["accepted"] = True
    rec["t_held"] = now()
    counter.add(True)
    drip(s, b"POST /validate HTTP/1.1\r\nHost: x\r\nX-Drip: ", a.interval, a.duration, rec)
    s.close()


def raw_dripper(a, host, port, rec, counter):
    rec["t_connect"] = now()
    try:
        s = socket.create_connection((host, port), timeout=a.duration,
                                     source_address=(a.raw_source or a.source, 0))
    except OSError as e:
        rec["refused"] = type(e).__name__
        counter.add(False)
        return
    # A per-address refusal shows as an immediate close; a held connection
    # is one the server has not closed after a moment.
    if closed_by_peer(s, 0.5):
        rec["refused"] = "closed at once"
        rec["t_cut"] = now()
        counter.add(False)
        s.close()
        return
    rec["accepted"] = True
    rec["t_held"] = rec["t_connect"]
    counter.add(True)
    # a TLS handshake record of 512 bytes that never comes
    drip(s, b"\x16\x03\x01\x02\x00", a.interval, a.duration, rec)
    s.close()


def probe(a, host, port, what, body=None):
    t = now()
    rec = {"what": what, "t": t, "latency": None, "status": None}
    try:
        conn = http.client.HTTPSConnection(host, port, context=tls_ctx(a.cacert),
                                           timeout=a.probe_timeout,
                                           source_address=(a.legit_source, 0))
        if body is None:
            conn.request("GET", "/healthz")
        else:
            conn.request("POST", "/validate?timeout=10s", body=body,
                         headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        rec["status"] = resp.status
        conn.close()
    except (OSError, ssl.SSLError, http.client.HTTPException) as e:
        rec["error"] = "%s: %s" % (type(e).__name__, e)
    rec["latency"] = round(now() - t, 3)
    return rec


def attack(a, host, port):
    counter = Held()
    recs = [{"kind": "headers", "accepted": False, "t_cut": None, "sent": 0} for _ in range(a.conns)]
    recs += [{"kind": "tls", "accepted": False, "t_cut": None, "sent": 0} for _ in range(a.raw)]
    threads = []
    for r in recs:
        fn = header_dripper if r["kind"] == "headers" else raw_dripper
        th = threading.Thread(target=fn, args=(a, host, port, r, counter), daemon=True)
        th.start()
        threads.append(th)
    with counter.cv:  # until enough drippers hold a connection
        counter.cv.wait_for(lambda: counter.held >= a.held, timeout=a.duration / 2)
        held, refused = counter.held, counter.refused
    t_probing = now()
    body = open(a.validate, "rb").read() if a.validate else None
    probes = []
    validated = body is None
    while now() < a.duration:
        probes.append(probe(a, host, port, "healthz"))
        if not validated:
            probes.append(probe(a, host, port, "validate", body))
            validated = True
        if all(not t.is_alive() for t in threads):
            break
        time.sleep(a.probe_every)  # pacing of the probes, not synchronisation
    for th in threads:
        th.join(timeout=max(0.0, a.duration - now()) + 1)
    return {"t_probing": t_probing, "held_when_probing": held, "refused_when_probing": refused,
            "held": counter.held, "refused": counter.refused,
            "drippers": recs, "probes": probes}


def read_answer(s, limit):
    """One HTTP answer (head and a Content-Length body) from s, or what came."""
    buf = b""
    s.settimeout(limit)
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            return buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v.strip())
    while len(rest) < n:
        chunk = s.recv(4096)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def keepalive(a, host, port):
    raw = socket.create_connection((host, port), timeout=a.duration, source_address=(a.source, 0))
    s = tls_ctx(a.cacert).wrap_socket(raw, server_hostname=host)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    ans = read_answer(s, a.duration)
    out = {"t_answer": now(), "status": ans.split(b"\r\n", 1)[0].decode(errors="replace"),
           "t_cut": None, "sent": 0}
    s.settimeout(None)
    drip(s, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: ", a.interval, a.duration, out)
    s.close()
    return out


def body(a, host, port):
    raw = socket.create_connection((host, port), timeout=a.duration, source_address=(a.source, 0))
    s = tls_ctx(a.cacert).wrap_socket(raw, server_hostname=host)
    s.sendall(b"POST " + a.path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
    out = {"t_headers": now(), "t_reply": None, "reply": None, "body": None, "sent": 1}
    try:
        while now() < a.duration and out["sent"] < 200:
            r, _, _ = select.select([s], [], [], a.interval)
            if r:
                ans = read_answer(s, 5)
                out["t_reply"] = now()
                head, _, rest = ans.partition(b"\r\n\r\n")
                out["reply"] = head.split(b"\r\n", 1)[0].decode(errors="replace")
                out["body"] = rest.decode(errors="replace")
                break
            s.sendall(b" ")
            out["sent"] += 1
    except (OSError, ssl.SSLError) as e:
        out["t_reply"] = now()
        out["error"] = "%s: %s" % (type(e).__name__, e)
    s.close()
    return out


def nonreader(a, host, port):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.bind((a.source, 0))
    raw.settimeout(a.duration)
    raw.connect((host, port))
    s = tls_ctx(a.cacert).wrap_socket(raw, server_hostname=host)
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 64
    out = {"t_stopped": None, "sent": 0, "why": None, "answers": 0, "t_cut": None, "end": None}
    s.settimeout(2.0)
    while now() < a.duration:
        try:
            s.sendall(req)
        except (socket.timeout, TimeoutError):
            out["why"] = "blocked"
            break
        except (OSError, ssl.SSLError) as e:
            out["why"] = type(e).__name__
            break
        out["sent"] += 64
    out["t_stopped"] = now()
    data = b""
    s.settimeout(max(1.0, a.duration - now()))
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                out["end"] = "eof"
                break
            data += chunk
    except ssl.SSLEOFError:
        out["end"] = "tls-eof"
    except ssl.SSLError as e:
        out["end"] = "tls: %s" % e
    except (socket.timeout, TimeoutError):
        out["end"] = "timeout"
    except OSError as e:
        out["end"] = "reset" if isinstance(e, ConnectionResetError) else type(e).__name__
    if out["end"] != "timeout":
        out["t_cut"] = now()
    # whole answers, each starting where the last ended: a stream that
    # went on after a partial answer would break the count
    pos = 0
    while True:
        head_end = data.find(b"\r\n\r\n", pos)
        if not data.startswith(b"HTTP/1.1 200 ", pos) or head_end < 0:
            break
        n = 0
        for line in data[pos:head_end].split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        if head_end + 4 + n > len(data):
            break
        pos = head_end + 4 + n
        out["answers"] += 1
    out["trailing"] = len(data) - pos
    s.close()
    return out


def stalled_hello(a, host, port):
    """One connection: part of a ClientHello now, the rest by finish()."""
    sock = socket.create_connection((host, port), timeout=a.duration, source_address=(a.source, 0))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = tls_ctx(a.cacert).wrap_bio(inc, out, server_hostname=host)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out.read()
    sock.sendall(hello[:10])
    return sock, inc, out, obj, hello[10:]


def finish(sock, inc, out, obj, rest):
    sock.sendall(rest)
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            pending = out.read()
            if pending:
                sock.sendall(pending)
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed during the handshake")
            inc.write(data)
    pending = out.read()
    if pending:
        sock.sendall(pending)
    obj.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    sock.sendall(out.read())
    got = b""
    while b"\r\n" not in got:
        try:
            got += obj.read(4096)
        except ssl.SSLWantReadError:
            data = sock.recv(65536)
            if not data:
                break
            inc.write(data)
    return got.split(b"\r\n", 1)[0].decode(errors="replace")


def stall(a, host, port):
    conns = [stalled_hello(a, host, port) for _ in range(a.conns)]
    with open(a.marker, "w") as f:
        f.write("held\n")
    time.sleep(a.hold)
    statuses = []
    for c in conns:
        try:
            statuses.append(finish(*c))
        except (OSError, ssl.SSLError) as e:
            statuses.append("%s: %s" % (type(e).__name__, e))
        c[0].close()
    return {"statuses": statuses}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["attack", "keepalive", "body", "nonreader", "stall"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cacert", required=True)
    p.add_argument("--conns", type=int, default=0)
    p.add_argument("--raw", type=int, default=0)
    p.add_argument("--held", type=int, default=1)
    p.add_argument("--source", default="127.0.0.1")
    p.add_argument("--raw-source", help="source address of the --raw drippers (default --source)")
    p.add_argument("--legit-source", default="127.0.0.2")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--probe-every", type=float, default=0.5)
    p.add_argument("--probe-timeout", type=float, default=20.0)
    p.add_argument("--validate", help="an AdmissionReview file to POST once during the attack")
    p.add_argument("--path", default="/validate", help="body: where to POST")
    p.add_argument("--hold", type=float, default=2.0, help="stall: seconds the hellos wait")
    p.add_argument("--marker", help="stall: file written once every hello is held")
    a = p.parse_args()
    fn = {"attack": attack, "keepalive": keepalive, "body": body, "nonreader": nonreader, "stall": stall}[a.mode]
    print(json.dumps(fn(a, "127.0.0.1", a.port)))


if __name__ == "__main__":
    main()
