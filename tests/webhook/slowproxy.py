#!/usr/bin/env python3
"""slowproxy.py - an HTTPS reverse proxy in front of the test registry that
answers slowly: every GET of a blob whose digest is listed in --slow is held
for --delay seconds before it is forwarded. Everything else (the /v2/ ping,
manifests, other blobs, auth challenges and Authorization headers) passes
straight through, so a scan through the proxy behaves exactly like one
against the registry, only late.

Used by tests/integration/webhook.sh to make a scan outlive the apiserver's
deadline. Logs one line per request ("GET /v2/... slow|fast STATUS").
"""
import argparse
import http.client
import http.server
import ssl
import sys
import threading
import time
import urllib.parse

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate", "host", "content-length"}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def forward(self):
        cfg = self.server.cfg
        slow = self.command == "GET" and "/blobs/" in self.path and \
            any(d in self.path for d in cfg.slow)
        if slow:
            time.sleep(cfg.delay)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        up = urllib.parse.urlsplit(cfg.upstream)
        ctx = ssl.create_default_context(cafile=cfg.cafile)
        conn = http.client.HTTPSConnection(up.hostname, up.port, context=ctx, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()
        with self.server.lock:
            with open(cfg.log, "a") as f:
                f.write("%s %s %s %d\n" % (self.command, self.path, "slow" if slow else "fast", r.status))

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls-cert", required=True)
    p.add_argument("--tls-key", required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--cafile", required=True)
    p.add_argument("--slow", default="", help="comma-separated blob digests to delay")
    p.add_argument("--delay", type=float, default=3.0)
    p.add_argument("--log", default="/dev/null")
    cfg = p.parse_args()
    cfg.slow = [d for d in cfg.slow.split(",") if d]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", cfg.port), Proxy)
    srv.daemon_threads = True
    srv.cfg = cfg
    srv.lock = threading.Lock()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stdout.write("listening %d\n" % cfg.port)
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
