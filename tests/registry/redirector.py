#!/usr/bin/env python3
"""redirector.py — a front for the registry tests that behaves like a
registry whose blobs live in separate storage, and like registries that
redirect or lie in the ways portcullis must survive.

Requests to /v2/... are proxied to the real registry (--upstream), with the
client's Authorization and Accept headers, except blob GETs, which are
redirected. The first path component after /v2/ may name a mode (it is
taken off before the request goes upstream, so "/v2/port/fixtures/clean"
is the upstream's "fixtures/clean"):

  (none)       307 to https://127.0.0.1:PORT/storage/REPO/DIGEST on this
               server: another host than the https://localhost:PORT the
               client starts with
  port         307 to https://localhost:PORT2/storage/... (--port2): the
               same host and scheme, another port
  scheme       307 to http://localhost:PORT/storage/...: the same host and
               port in plain HTTP (this server speaks both on one port)
  downgrade    the same 307 to http://; a client that verifies TLS must
               refuse it without connecting
  return       307 to https://127.0.0.1:PORT/bounce/..., which answers 307
               back to https://localhost:PORT/storage/...: a hop away from
               the first origin and back to it
  chainN       N redirects in all, every hop on the first origin
               (https://localhost:PORT/hop/K/...), then the blob
  tamper       manifests: the upstream's bytes with a newline added and
               no Docker-Content-Digest (a pull by digest must notice)
  lying        manifests: the same changed bytes, the upstream's
               Docker-Content-Digest kept (it now names other bytes)

The /storage/ handler records "storage mode=MODE auth=yes|no" in --log
(whether an Authorization header arrived) and serves the blob, fetched
from the registry with the test's own credentials; /bounce/ and /hop/
record "bounce ..." and "hop ..." lines the same way. With --fail-first N
the first N manifest requests are answered 503 with Retry-After: 1
("manifest 503"). Layer blobs of the repository --pad-length get one byte
more than they have, with a Content-Length that says so; those of
--pad-chunked get one byte more with no Content-Length at all (the end is
the connection closing). The first blob a client asks for is the config:
never padded. When the upstream uses token auth, the storage fetch gets a
token from its realm with --creds. With --refuse-once FILE, while FILE
exists the next request that carries a Bearer token is answered with the
upstream's own 401 challenge (as a registry that revoked the token would),
"refused bearer" is logged and FILE removed. The first request of every
connection logs "conn host=HOST" (its Host header): the connections a
client opened, per origin. Only the Python standard library is used.
"""
import argparse, base64, http.server, json, os, re, socket, ssl, threading, urllib.error, \
    urllib.parse, urllib.request

MODES = ("port", "scheme", "downgrade", "return", "tamper", "lying")


def split_mode(repo):
    """(mode, upstream repository) of a repository path as the client names it."""
    head, _, rest = repo.partition("/")
    if rest and (head in MODES or re.fullmatch(r"chain[0-9]+", head)):
        return head, rest
    return "", repo


def main():
    p = argparse.ArgumentParser()
    for opt in ("--port", "--tls-cert", "--tls-key", "--cafile", "--upstream", "--creds", "--log"):
        p.add_argument(opt, required=True)
    p.add_argument("--port2", type=int, default=0)
    p.add_argument("--client-cert", default="")
    p.add_argument("--client-key", default="")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--pad-length", default="")
    p.add_argument("--pad-chunked", default="")
    p.add_argument("--refuse-once", default="")
    a = p.parse_args()
    up = ssl.create_default_context(cafile=a.cafile)
    if a.client_cert:
        up.load_cert_chain(a.client_cert, a.client_key)
    lock = threading.Lock()
    state = {"failed": 0, "blobs": {}}
    basic = "Basic " + base64.b64encode(a.creds.encode()).decode()
    first = "localhost:%s" % a.port  # the origin clients start with (and its http twin)

    def note(s):
        with lock, open(a.log, "a") as f:
            f.write(s + "\n")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def auth(self):
            return "yes" if self.headers.get("Authorization") else "no"

        def open_up(self, url, headers):
            try:
                return urllib.request.urlopen(urllib.request.Request(url, headers=headers), context=up)
            except urllib.error.HTTPError as err:
                return err

        def bearer(self, challenge):
            """A token for a Bearer challenge of the upstream, with --creds."""
            params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
            q = urllib.parse.urlencode({k: params[k] for k in ("service", "scope") if k in params})
            resp = self.open_up(params["realm"] + "?" + q, {"Authorization": basic})
            return "Bearer " + json.loads(resp.read())["token"]

        def relay(self, url, headers, pad="", tamper=""):
            resp = self.open_up(url, headers)
            ch = resp.headers.get("WWW-Authenticate", "") if resp.getcode() == 401 else ""
            if headers.get("Authorization") == basic and ch.startswith("Bearer "):
                resp = self.open_up(url, dict(headers, Authorization=self.bearer(ch)))
            status = resp.status if hasattr(resp, "status") else resp.code
            body = resp.read() + (b"\0" if pad else b"")
            if tamper and status == 200:
                body += b"\n"
            self.send_response(status)
            for k in ("Content-Type", "WWW-Authenticate", "Docker-Content-Digest"):
                if resp.headers.get(k) and not (k == "Docker-Content-Digest" and tamper == "tamper"):
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
            if not getattr(self, "noted", False):  # one handler per connection: count them
                self.noted = True
                note("conn host=%s" % self.headers.get("Host", ""))
            m = re.match(r"^/storage/(.+)/(sha256:[0-9a-f]{64})$", self.path)
            if m:
                mode, repo = split_mode(m.group(1))
                note("storage mode=%s auth=%s" % (mode or "host", self.auth()))
                with lock:
                    seen = state["blobs"].get(m.group(1), 0)
                    state["blobs"][m.group(1)] = seen + 1
                pad = {a.pad_length: "length", a.pad_chunked: "chunked"}.get(repo, "") if not mode else ""
                pad = pad if seen > 0 else ""
                return self.relay("%s/v2/%s/blobs/%s" % (a.upstream, repo, m.group(2)),
                                  {"Authorization": basic}, pad)
            m = re.match(r"^/bounce/(.+)$", self.path)
            if m:
                note("bounce auth=%s" % self.auth())
                return self.empty(307, {"Location": "https://%s/storage/%s" % (first, m.group(1))})
            m = re.match(r"^/hop/([0-9]+)/(.+)$", self.path)
            if m:
                left = int(m.group(1))
                note("hop %d auth=%s" % (left, self.auth()))
                loc = "/hop/%d/%s" % (left - 1, m.group(2)) if left > 1 else "/storage/" + m.group(2)
                return self.empty(307, {"Location": "https://%s%s" % (first, loc)})
            m = re.match(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$", self.path)
            if m:
                mode, _ = split_mode(m.group(1))
                note("front-blob mode=%s auth=%s" % (mode or "host", self.auth()))
                tail = "%s/%s" % (m.group(1), m.group(2))
                if mode == "port":
                    loc = "https://localhost:%d/storage/%s" % (a.port2, tail)
                elif mode in ("scheme", "downgrade"):
                    loc = "http://%s/storage/%s" % (first, tail)
                elif mode == "return":
                    loc = "https://127.0.0.1:%s/bounce/%s" % (a.port, tail)
                elif mode.startswith("chain"):
                    n = int(mode[5:])  # this answer is the first of n redirects
                    loc = "https://%s/hop/%d/%s" % (first, n - 1, tail) if n > 1 else \
                        "https://%s/storage/%s" % (first, tail)
                else:
                    loc = "https://127.0.0.1:%s/storage/%s" % (a.port, tail)
                return self.empty(307, {"Location": loc})
            mode, tamper = "", ""
            m = re.match(r"^/v2/(.+)/(manifests|blobs|tags)/(.*)$", self.path)
            path = self.path
            if m:
                mode, repo = split_mode(m.group(1))
                path = "/v2/%s/%s/%s" % (repo, m.group(2), m.group(3))
                if m.group(2) == "manifests" and mode in ("tamper", "lying"):
                    tamper = mode
            if "/manifests/" in self.path:
                with lock:
                    fail = state["failed"] < a.fail_first
                    state["failed"] += 1 if fail else 0
                if fail:
                    note("manifest 503")
                    return self.empty(503, {"Retry-After": "1"})
            hdrs = {k: self.headers[k] for k in ("Authorization", "Accept") if self.headers.get(k)}
            if a.refuse_once and hdrs.get("Authorization", "").startswith("Bearer "):
                with lock:
                    refuse = os.path.exists(a.refuse_once)
                    if refuse:
                        os.unlink(a.refuse_once)
                if refuse:
                    note("refused bearer")
                    del hdrs["Authorization"]  # the upstream's 401 and challenge go back
            self.relay(a.upstream + path, hdrs, tamper=tamper)

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(a.tls_cert, a.tls_key)

    class Server(http.server.ThreadingHTTPServer):
        """TLS or plain HTTP on one port: a connection whose first byte is a
        TLS handshake record (0x16) is wrapped, any other is read as is."""
        daemon_threads = True

        def finish_request(self, request, client_address):
            conn = request
            try:
                if request.recv(1, socket.MSG_PEEK) == b"\x16":
                    conn = tls.wrap_socket(request, server_side=True)
                self.RequestHandlerClass(conn, client_address, self)
            except (OSError, ssl.SSLError):
                pass
            finally:
                if conn is not request:
                    try:
                        conn.close()
                    except OSError:
                        pass

    servers = [Server(("127.0.0.1", int(a.port)), H)]
    if a.port2:
        servers.append(Server(("127.0.0.1", a.port2), H))
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main()
