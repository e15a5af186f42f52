#!/usr/bin/env python3
"""tes_upstream.py - a recording stand-in for a GA4GH TES v1.1 server, for
tests/integration/tes.sh (no real TES server can be installed here).

Plain HTTP on 127.0.0.1:PORT. It answers the TES endpoints under
/ga4gh/tes/v1 the way a TES server does:

  POST /tasks              -> 200 {"id": "task-N"}            (a new id each time)
  GET  /tasks              -> 200 {"tasks": [...], "next_page_token": "..."}
  GET  /tasks/{id}         -> 200 {"id", "state", ...}, 404 for an unknown id
  POST /tasks/{id}:cancel  -> 200 {}
  GET  /service-info       -> 200 (Content-Type application/json; charset=utf-8)
  GET  /tasks/big-answer   -> 200 with a body of --big-bytes bytes (the gate's size cap)

and 404 {"message": ...} for anything else. Every request is appended to
--record as one JSON line, before it is answered: method, raw path, path,
query, headers (name/value pairs as received), body_sha256, body_len and
the body in base64, so the test can prove what did and did not arrive.
"""
import argparse
import base64
import hashlib
import http.server
import json
import threading
import urllib.parse

PREFIX = "/ga4gh/tes/v1"


class State:
    def __init__(self, record, big):
        self.lock = threading.Lock()
        self.record = record
        self.big = big
        self.tasks = {}
        self.n = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _record(self, body):
        u = urllib.parse.urlsplit(self.path)
        line = {
            "method": self.command,
            "raw_path": self.path,
            "path": u.path,
            "query": u.query,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "body_len": len(body),
            "body_b64": base64.b64encode(body).decode(),
        }
        st = self.server.state
        with st.lock, open(st.record, "a") as f:
            f.write(json.dumps(line) + "\n")

    def _send(self, code, doc, ctype="application/json"):
        data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _route(self, body):
        st = self.server.state
        u = urllib.parse.urlsplit(self.path)
        path, q = u.path, urllib.parse.parse_qs(u.query)
        if not path.startswith(PREFIX + "/"):
            return self._send(404, {"message": "not a TES path"})
        rest = path[len(PREFIX):]
        if rest == "/service-info" and self.command in ("GET", "HEAD"):
            return self._send(200, {"id": "org.example.recording-tes", "name": "recording TES",
                                    "type": {"group": "org.ga4gh", "artifact": "tes",
                                             "version": "1.1.0"},
                                    "storage": ["file:///tmp"]},
                              "application/json; charset=utf-8")
        if rest == "/tasks" and self.command == "POST":
            with st.lock:
                st.n += 1
                tid = "task-%d" % st.n
                st.tasks[tid] = "QUEUED"
            return self._send(200, {"id": tid})
        if rest == "/tasks" and self.command == "GET":
            with st.lock:
                tasks = [{"id": k, "state": v} for k, v in sorted(st.tasks.items())]
            return self._send(200, {"tasks": tasks, "next_page_token": "p2",
                                    "echo": {k: v for k, v in q.items()}})
        if rest == "/tasks/big-answer" and self.command == "GET":
            return self._send(200, b"x" * st.big, "text/plain")
        if rest.startswith("/tasks/") and rest.endswith(":cancel") and self.command == "POST":
            tid = rest[len("/tasks/"):-len(":cancel")]
            with st.lock:
                if tid not in st.tasks:
                    return self._send(404, {"message": "no task %s" % tid})
                st.tasks[tid] = "CANCELED"
            return self._send(200, {})
        if rest.startswith("/tasks/") and self.command == "GET":
            tid = rest[len("/tasks/"):]
            with st.lock:
                state = st.tasks.get(tid)
            if state is None:
                return self._send(404, {"message": "no task %s" % tid})
            return self._send(200, {"id": tid, "state": state, "view": q.get("view", ["MINIMAL"])[0]})
        return self._send(404, {"message": "no route for %s %s" % (self.command, rest)})

    def _handle(self):
        body = self._body()
        self._record(body)
        self._route(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--record", required=True)
    ap.add_argument("--big-bytes", type=int, default=17 << 20)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.state = State(a.record, a.big_bytes)
    srv.serve_forever()


if __name__ == "__main__":
    main()
