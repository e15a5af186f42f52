#!/usr/bin/env python3
"""redirector.py — a TLS front for the registry tests that behaves like a
registry whose blobs live in separate storage.

Requests to /v2/... are proxied to the real registry (--upstream), with the
client's Authorization and Accept headers, except blob GETs: those get a
307 to https://127.0.0.1:PORT/storage/REPO/DIGEST on this same server, a
different origin than the https://localhost:PORT the client started with.
The /storage/ handler records whether an Authorization header arrived
("storage auth=yes|no" in --log) and serves the blob, fetched from the
registry with the test's own credentials. With --fail-first N the first N
manifest requests are answered 503 with Retry-After: 1 ("manifest 503").
Layer blobs of the repository --pad-length get one byte more than they
have, with a Content-Length that says so; those of --pad-chunked get one
byte more with no Content-Length at all (the end is the connection
closing). The first blob a client asks for is the config: never padded.
Only the Python standard library is used.
"""
import argparse, base64, http.server, re, ssl, threading, urllib.error, urllib.request


def main():
    p = argparse.ArgumentParser()
    for opt in ("--port", "--tls-cert", "--tls-key", "--cafile", "--upstream", "--creds", "--log"):
        p.add_argument(opt, required=True)
    p.add_argument("--client-cert", default="")
    p.add_argument("--client-key", default="")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--pad-length", default="")
    p.add_argument("--pad-chunked", default="")
    a = p.parse_args()
    up = ssl.create_default_context(cafile=a.cafile)
    if a.client_cert:
        up.load_cert_chain(a.client_cert, a.client_key)
    lock = threading.Lock()
    state = {"failed": 0, "blobs": {}}
    basic = "Basic " + base64.b64encode(a.creds.encode()).decode()

    def note(s):
        with lock, open(a.log, "a") as f:
            f.write(s + "\n")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def relay(self, url, headers, pad=""):
            req = urllib.request.Request(url, headers=headers)
            try:
                resp = urllib.request.urlopen(req, context=up)
            except urllib.error.HTTPError as err:
                resp = err
            body = resp.read() + (b"\0" if pad else b"")
            self.send_response(resp.status if hasattr(resp, "status") else resp.code)
            for k in ("Content-Type", "WWW-Authenticate", "Docker-Content-Digest"):
                if resp.headers.get(k):
                    self.send_header(k, resp.headers.get(k))
            if pad == "chunked":
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def empty(self, code, extra):
            self.send_response(code)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            m = re.match(r"^/storage/(.+)/(sha256:[0-9a-f]{64})$", self.path)
            if m:
                note("storage auth=%s" % ("yes" if self.headers.get("Authorization") else "no"))
                with lock:
                    seen = state["blobs"].get(m.group(1), 0)
                    state["blobs"][m.group(1)] = seen + 1
                pad = {a.pad_length: "length", a.pad_chunked: "chunked"}.get(m.group(1), "")
                pad = pad if seen > 0 else ""
                return self.relay("%s/v2/%s/blobs/%s" % (a.upstream, m.group(1), m.group(2)),
                                  {"Authorization": basic}, pad)
            m = re.match(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$", self.path)
            if m:
                note("front-blob auth=%s" % ("yes" if self.headers.get("Authorization") else "no"))
                loc = "https://127.0.0.1:%s/storage/%s/%s" % (a.port, m.group(1), m.group(2))
                return self.empty(307, {"Location": loc})
            if "/manifests/" in self.path:
                with lock:
                    fail = state["failed"] < a.fail_first
                    state["failed"] += 1 if fail else 0
                if fail:
                    note("manifest 503")
                    return self.empty(503, {"Retry-After": "1"})
            hdrs = {k: self.headers[k] for k in ("Authorization", "Accept") if self.headers.get(k)}
            self.relay(a.upstream + self.path, hdrs)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(a.port)), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.tls_cert, a.tls_key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
